//! Video and audio uploads: the container by its magic bytes (never the name or declared
//! type), then, when Debian's `ffprobe`/`ffmpeg` are installed (and `media.ffmpeg` allows
//! them), the codecs, size, duration, frame rate and bitrate read by `ffprobe`, a preview frame
//! taken by `ffmpeg`, and animated GIFs turned into MP4 (`gifv`). Without them a file of an
//! accepted container is kept as sent and its metadata stays empty (docs/client-api.md says
//! what is lost).
//!
//! The tools read a scratch copy in the system's temporary directory (they need to seek in
//! the file); the stored files go through the file store only. Each run is held to a time
//! limit and killed past it.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Mastodon's largest video (3840×2160) and frame rate, as its instance entity reports them.
pub const VIDEO_MATRIX_LIMIT: u64 = 8_294_400;
pub const VIDEO_FRAME_RATE_LIMIT: f64 = 120.0;

/// How long one ffprobe or ffmpeg run may take.
const TOOL_TIME_LIMIT: Duration = Duration::from_secs(120);

/// Codecs accepted inside the containers (as ffprobe names them).
const VIDEO_CODECS: &[&str] = &["h264", "hevc", "vp8", "vp9", "av1"];
const AUDIO_CODECS: &[&str] = &[
    "aac",
    "mp3",
    "opus",
    "vorbis",
    "flac",
    "alac",
    "pcm_s16le",
    "pcm_s24le",
    "pcm_s32le",
    "pcm_u8",
    "pcm_f32le",
];

/// An accepted container, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Mov,
    WebM,
    M4a,
    Mp3,
    Ogg,
    Wav,
    Flac,
}

impl Container {
    pub fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::WebM => "webm",
            Container::M4a => "m4a",
            Container::Mp3 => "mp3",
            Container::Ogg => "ogg",
            Container::Wav => "wav",
            Container::Flac => "flac",
        }
    }

    /// The type the file is served with and federated as, before ffprobe may tell a video
    /// container that holds only sound (an audio-only MP4 or WebM) from a video.
    pub fn content_type(self, video: bool) -> &'static str {
        match (self, video) {
            (Container::Mp4, true) => "video/mp4",
            (Container::Mov, true) => "video/quicktime",
            (Container::WebM, true) => "video/webm",
            (Container::WebM, false) => "audio/webm",
            (Container::Mp4 | Container::Mov | Container::M4a, _) => "audio/mp4",
            (Container::Mp3, _) => "audio/mpeg",
            (Container::Ogg, _) => "audio/ogg",
            (Container::Wav, _) => "audio/wav",
            (Container::Flac, _) => "audio/flac",
        }
    }

    /// Whether the container is taken for a video until ffprobe says otherwise.
    pub fn is_video(self) -> bool {
        matches!(self, Container::Mp4 | Container::Mov | Container::WebM)
    }
}

/// The content type a stored file is served with, by the extension Herd gave it.
pub fn served_type(extension: &str) -> Option<&'static str> {
    Some(match extension {
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "m4a" => "audio/mp4",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        _ => return None,
    })
}

/// The container of `bytes` by its magic bytes, if Herd accepts it (MP4, MOV, WebM; MP3,
/// OGG, WAV, M4A, FLAC). Matroska that is not WebM, AVI, 3GP and the rest are refused.
pub fn sniff(b: &[u8]) -> Option<Container> {
    if b.len() < 12 {
        return None;
    }
    if &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"qt  " => Some(Container::Mov),
            b"M4A " | b"M4B " => Some(Container::M4a),
            b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1"
            | b"dash" | b"M4V " | b"MSNV" | b"av01" => Some(Container::Mp4),
            _ => None,
        };
    }
    // QuickTime files older than `ftyp` open with one of these atoms.
    if matches!(&b[4..8], b"moov" | b"mdat" | b"wide" | b"free") {
        return Some(Container::Mov);
    }
    if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        // EBML: the DocType says WebM or plain Matroska.
        let head = &b[..b.len().min(64)];
        return head
            .windows(4)
            .any(|w| w == b"webm")
            .then_some(Container::WebM);
    }
    if b.starts_with(b"OggS") {
        return Some(Container::Ogg);
    }
    if b.starts_with(b"fLaC") {
        return Some(Container::Flac);
    }
    if b.starts_with(b"RIFF") && &b[8..12] == b"WAVE" {
        return Some(Container::Wav);
    }
    if b.starts_with(b"ID3") {
        return Some(Container::Mp3);
    }
    // An MPEG audio frame header: sync bits, then layer III.
    if b[0] == 0xFF && b[1] & 0xE0 == 0xE0 && b[1] & 0x06 == 0x02 {
        return Some(Container::Mp3);
    }
    None
}

/// What ffprobe read of a video or audio file, kept as JSON on its row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AvMeta {
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// ffprobe's rational, as Mastodon sends it (`"30/1"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<String>,
    /// Bits per second of the whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_encode: Option<String>,
    /// The sample rate, as Mastodon names it (`"44100 Hz"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_bitrate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_channels: Option<String>,
    /// A remote video's preview image at its origin (the `icon` of its `Document`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_remote_url: Option<String>,
}

impl AvMeta {
    pub fn from_json(text: Option<&str>) -> AvMeta {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> Option<String> {
        (*self != AvMeta::default())
            .then(|| serde_json::to_string(self).ok())
            .flatten()
    }

    /// Frames per second, rounded (Mastodon's `meta.fps`).
    pub fn fps(&self) -> Option<i64> {
        self.frame_rate
            .as_deref()
            .and_then(rational)
            .map(|f| f.round() as i64)
    }
}

fn rational(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (d > 0.0 && n > 0.0).then_some(n / d)
}

/// Mastodon's `meta.length`: `H:MM:SS.ss`.
pub fn length(seconds: f64) -> String {
    let centis = (seconds * 100.0).round().max(0.0) as u64;
    let (h, rest) = (centis / 360_000, centis % 360_000);
    let (m, rest) = (rest / 6000, rest % 6000);
    format!("{h}:{m:02}:{:02}.{:02}", rest / 100, rest % 100)
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AvError {
    /// A codec outside the accepted ones, or no stream at all.
    Codec(String),
    /// More pixels or frames than Mastodon's limits.
    TooLarge(String),
    /// ffprobe could not read it.
    Corrupt,
    /// The tool failed to run (missing, timed out, crashed): a server fault.
    Tool(String),
}

/// What [`probe`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub video: bool,
    pub width: i64,
    pub height: i64,
    pub meta: AvMeta,
}

/// Whether ffprobe and ffmpeg can be run (looked up once).
pub fn tools_installed() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        ["ffprobe", "ffmpeg"].iter().all(|tool| {
            Command::new(tool)
                .arg("-version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

/// Runs a tool with a time limit; its standard output when it exits successfully.
fn run(tool: &str, args: &[&str]) -> Result<Option<Vec<u8>>, AvError> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| AvError::Tool(format!("{tool}: {e}")))?;
    let mut stdout = child.stdout.take();
    // Read the output on a thread so a full pipe never blocks the child.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TOOL_TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(AvError::Tool(format!("{tool} ran too long")));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(AvError::Tool(format!("{tool}: {e}"))),
        }
    };
    let out = reader.join().unwrap_or_default();
    Ok(status.success().then_some(out))
}

/// A scratch copy of an upload for the tools, deleted when dropped.
pub struct Scratch {
    file: tempfile::NamedTempFile,
}

impl Scratch {
    pub fn of(bytes: &[u8], extension: &str) -> Result<Scratch, AvError> {
        let mut file = tempfile::Builder::new()
            .prefix("herd-av-")
            .suffix(&format!(".{extension}"))
            .tempfile()
            .map_err(|e| AvError::Tool(format!("scratch file: {e}")))?;
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| AvError::Tool(format!("scratch file: {e}")))?;
        Ok(Scratch { file })
    }

    fn path(&self) -> Result<&str, AvError> {
        self.file
            .path()
            .to_str()
            .ok_or_else(|| AvError::Tool("scratch path is not UTF-8".into()))
    }
}

/// Reads the streams of a file with ffprobe and checks them: at least one stream, every video
/// and audio stream of an accepted codec, the picture and frame rate within Mastodon's limits.
pub fn probe(file: &Scratch) -> Result<Probed, AvError> {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            file.path()?,
        ],
    )?
    .ok_or(AvError::Corrupt)?;
    let json: Value = serde_json::from_slice(&out).map_err(|_| AvError::Corrupt)?;
    read_probe(&json)
}

fn read_probe(json: &Value) -> Result<Probed, AvError> {
    let streams = json
        .get("streams")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let mut video = None;
    let mut audio = None;
    for s in &streams {
        let codec = str_of(s, "codec_name").unwrap_or_default();
        let cover = s
            .pointer("/disposition/attached_pic")
            .and_then(Value::as_i64)
            == Some(1);
        match s.get("codec_type").and_then(Value::as_str) {
            // Cover art of an audio file (a still picture) is not a video.
            Some("video") if cover => {}
            Some("video") if VIDEO_CODECS.contains(&codec.as_str()) => {
                video.get_or_insert(s);
            }
            Some("video") => {
                return Err(AvError::Codec(format!(
                    "video codec {codec} is not accepted"
                )))
            }
            Some("audio") if AUDIO_CODECS.contains(&codec.as_str()) => {
                audio.get_or_insert(s);
            }
            Some("audio") => {
                return Err(AvError::Codec(format!(
                    "audio codec {codec} is not accepted"
                )))
            }
            _ => {}
        }
    }
    if video.is_none() && audio.is_none() {
        return Err(AvError::Codec("no video or audio stream".into()));
    }
    let format = json.get("format").cloned().unwrap_or(Value::Null);
    let number = |v: &Value, k: &str| -> Option<f64> {
        v.get(k)
            .and_then(|x| x.as_str().and_then(|t| t.parse().ok()).or(x.as_f64()))
            .filter(|f: &f64| f.is_finite() && *f >= 0.0)
    };
    let mut meta = AvMeta {
        duration: number(&format, "duration")
            .or_else(|| video.and_then(|v| number(v, "duration")))
            .or_else(|| audio.and_then(|a| number(a, "duration"))),
        bitrate: number(&format, "bit_rate").map(|b| b as i64),
        ..AvMeta::default()
    };
    let (mut width, mut height) = (0, 0);
    if let Some(v) = video {
        width = v.get("width").and_then(Value::as_i64).unwrap_or(0);
        height = v.get("height").and_then(Value::as_i64).unwrap_or(0);
        if width <= 0 || height <= 0 {
            return Err(AvError::Corrupt);
        }
        if (width as u64) * (height as u64) > VIDEO_MATRIX_LIMIT {
            return Err(AvError::TooLarge(format!(
                "{width}x{height} videos are not supported (more than {VIDEO_MATRIX_LIMIT} pixels)"
            )));
        }
        let rate = str_of(v, "avg_frame_rate")
            .filter(|r| rational(r).is_some())
            .or_else(|| str_of(v, "r_frame_rate").filter(|r| rational(r).is_some()));
        if let Some(fps) = rate.as_deref().and_then(rational) {
            if fps > VIDEO_FRAME_RATE_LIMIT {
                return Err(AvError::TooLarge(format!(
                    "videos of more than {VIDEO_FRAME_RATE_LIMIT} frames per second are not supported"
                )));
            }
        }
        meta.frame_rate = rate;
    }
    if let Some(a) = audio {
        meta.audio_encode = str_of(a, "codec_name");
        meta.audio_bitrate = str_of(a, "sample_rate").map(|r| format!("{r} Hz"));
        meta.audio_channels = str_of(a, "channel_layout").or_else(|| {
            a.get("channels").and_then(Value::as_i64).map(|c| match c {
                1 => "mono".to_string(),
                2 => "stereo".to_string(),
                n => format!("{n} channels"),
            })
        });
    }
    Ok(Probed {
        video: video.is_some(),
        width,
        height,
        meta,
    })
}

/// A PNG of one frame of a video (a second in, or the first frame of a shorter one).
pub fn frame(file: &Scratch, duration: Option<f64>) -> Result<Vec<u8>, AvError> {
    let at = match duration {
        Some(d) if d > 2.0 => "1",
        _ => "0",
    };
    let out = run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-ss",
            at,
            "-i",
            file.path()?,
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "pipe:1",
        ],
    )?
    .filter(|png| !png.is_empty())
    .ok_or(AvError::Corrupt)?;
    Ok(out)
}

/// Whether a GIF has more than one frame (only those become `gifv`), read from its block
/// structure without decoding a pixel.
pub fn gif_is_animated(b: &[u8]) -> bool {
    if b.len() < 13 || !b.starts_with(b"GIF8") {
        return false;
    }
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3usize << ((flags & 7) + 1)
        } else {
            0
        }
    };
    // Skips data sub-blocks (a length byte, that many bytes) up to the empty one.
    let skip_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let len = usize::from(*b.get(at)?);
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    };
    let mut at = 13 + table(b[10]);
    let mut frames = 0;
    while let Some(&block) = b.get(at) {
        match block {
            0x21 => match skip_blocks(at + 2) {
                Some(next) => at = next,
                None => break,
            },
            0x2C => {
                frames += 1;
                if frames > 1 {
                    return true;
                }
                let Some(&flags) = b.get(at + 9) else { break };
                match skip_blocks(at + 10 + table(flags) + 1) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            _ => break,
        }
    }
    false
}

/// An animated GIF as a silent H.264 MP4 that loops in players as Mastodon's `gifv` does.
pub fn gif_to_mp4(file: &Scratch) -> Result<Vec<u8>, AvError> {
    let out = tempfile::Builder::new()
        .prefix("herd-gifv-")
        .suffix(".mp4")
        .tempfile()
        .map_err(|e| AvError::Tool(format!("scratch file: {e}")))?;
    let out_path = out
        .path()
        .to_str()
        .ok_or_else(|| AvError::Tool("scratch path is not UTF-8".into()))?
        .to_string();
    run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-i",
            file.path()?,
            "-an",
            "-movflags",
            "+faststart",
            "-pix_fmt",
            "yuv420p",
            // H.264 needs even sides.
            "-vf",
            "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            &out_path,
        ],
    )?
    .ok_or(AvError::Corrupt)?;
    std::fs::read(out.path()).map_err(|e| AvError::Tool(format!("reading the MP4: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sniffs_containers_by_content() {
        let ftyp = |brand: &[u8; 4]| {
            let mut b = vec![0, 0, 0, 24];
            b.extend(b"ftyp");
            b.extend(brand);
            b.extend([0; 12]);
            b
        };
        assert_eq!(sniff(&ftyp(b"isom")), Some(Container::Mp4));
        assert_eq!(sniff(&ftyp(b"qt  ")), Some(Container::Mov));
        assert_eq!(sniff(&ftyp(b"M4A ")), Some(Container::M4a));
        assert_eq!(sniff(&ftyp(b"3gp4")), None);
        let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84];
        webm.extend(b"webm\0\0\0\0");
        assert_eq!(sniff(&webm), Some(Container::WebM));
        let mut mkv = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x88];
        mkv.extend(b"matroska");
        assert_eq!(sniff(&mkv), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(Container::Wav));
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST"), None);
        assert_eq!(sniff(b"OggS\0\x02\0\0\0\0\0\0"), Some(Container::Ogg));
        assert_eq!(sniff(b"fLaC\0\0\0\x22\0\0\0\0"), Some(Container::Flac));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0\0\0"), Some(Container::Mp3));
        assert_eq!(sniff(b"hello, not a video"), None);
    }

    #[test]
    fn reads_what_ffprobe_says() {
        let p = read_probe(&json!({
            "streams": [
                {"codec_type": "video", "codec_name": "h264", "width": 64, "height": 48,
                 "avg_frame_rate": "25/1", "r_frame_rate": "25/1"},
                {"codec_type": "audio", "codec_name": "aac", "sample_rate": "44100",
                 "channels": 1, "channel_layout": "mono"}
            ],
            "format": {"duration": "2.000000", "bit_rate": "123456"}
        }))
        .unwrap();
        assert!(p.video);
        assert_eq!((p.width, p.height), (64, 48));
        assert_eq!(p.meta.fps(), Some(25));
        assert_eq!(p.meta.duration, Some(2.0));
        assert_eq!(p.meta.bitrate, Some(123_456));
        assert_eq!(p.meta.audio_bitrate.as_deref(), Some("44100 Hz"));
        assert_eq!(length(88.654), "0:01:28.65");
        let bad = read_probe(&json!({"streams": [
            {"codec_type": "video", "codec_name": "mjpeg", "width": 8, "height": 8}
        ]}));
        assert!(matches!(bad, Err(AvError::Codec(_))));
        let huge = read_probe(&json!({"streams": [
            {"codec_type": "video", "codec_name": "h264", "width": 7680, "height": 4320}
        ]}));
        assert!(matches!(huge, Err(AvError::TooLarge(_))));
    }
}

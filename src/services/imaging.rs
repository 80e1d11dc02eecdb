//! Image processing for uploads, pure and synchronous (run it on a blocking thread): the type
//! comes from the file's magic bytes, never from its name or declared type; the dimensions
//! come from the header and are checked against the pixel limit before any pixel is decoded
//! (decompression bombs); the decoder also runs under allocation limits in case a header lies.
//! Decoding and re-encoding drops every metadata segment (EXIF with GPS, XMP, comments), after
//! applying the EXIF orientation so the picture still stands the right way up.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Longest side of the preview (`small`) image.
pub const THUMBNAIL_SIDE: u32 = 640;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// Not one of JPEG, PNG, GIF, WebP (by content).
    UnsupportedType,
    /// More pixels than the limit.
    TooManyPixels { width: u32, height: u32 },
    /// Truncated, corrupt, or otherwise undecodable.
    Corrupt,
}

/// The stored form of an upload.
#[derive(Debug, Clone)]
pub struct Processed {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub original: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub blurhash: String,
}

/// How a decoded image is written back: JPEG stays JPEG, PNG stays PNG, WebP stays WebP
/// (lossless), a GIF becomes a PNG still of its first frame.
#[derive(Debug, Clone, Copy)]
enum Output {
    Jpeg,
    Png,
    WebP,
}

impl Output {
    fn for_input(f: ImageFormat) -> Option<Output> {
        match f {
            ImageFormat::Jpeg => Some(Output::Jpeg),
            ImageFormat::Png | ImageFormat::Gif => Some(Output::Png),
            ImageFormat::WebP => Some(Output::WebP),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Output::Jpeg => "jpg",
            Output::Png => "png",
            Output::WebP => "webp",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Output::Jpeg => "image/jpeg",
            Output::Png => "image/png",
            Output::WebP => "image/webp",
        }
    }

    fn encode(self, img: &DynamicImage) -> Result<Vec<u8>, ImageError> {
        let mut out = Cursor::new(Vec::new());
        let result = match self {
            Output::Jpeg => {
                let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
                rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            }
            Output::Png => img.write_to(&mut out, ImageFormat::Png),
            Output::WebP => {
                let rgba = DynamicImage::ImageRgba8(img.to_rgba8());
                rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
            }
        };
        result.map_err(|_| ImageError::Corrupt)?;
        Ok(out.into_inner())
    }
}

/// The image type of `bytes` by its magic bytes, if Herd accepts it.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP)) => {
            Some(f)
        }
        _ => None,
    }
}

/// Validates and decodes an image: type by content, the pixel limit checked on the header
/// before any pixel is decoded, the decoder under allocation limits, EXIF orientation applied.
fn decode(bytes: &[u8], matrix_limit: u64) -> Result<(Output, DynamicImage), ImageError> {
    let format = sniff(bytes).ok_or(ImageError::UnsupportedType)?;
    let output = Output::for_input(format).ok_or(ImageError::UnsupportedType)?;

    // Header only: no pixel is decoded before the size is known to be acceptable.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| ImageError::Corrupt)?;
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > matrix_limit {
        return Err(ImageError::TooManyPixels { width, height });
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // Room for the decoded frame in the widest pixel type (RGBA, 16 bits a channel), plus slack.
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 8 + (16 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| ImageError::Corrupt)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| ImageError::Corrupt)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok((output, img))
}

/// The preview (at most [`THUMBNAIL_SIDE`] on its longest side) and its blurhash.
fn preview(img: &DynamicImage) -> Result<(DynamicImage, String), ImageError> {
    let thumb = if img.width() > THUMBNAIL_SIDE || img.height() > THUMBNAIL_SIDE {
        img.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, FilterType::Triangle)
    } else {
        img.clone()
    };
    let tiny = thumb.thumbnail(64, 64).to_rgba8();
    let blurhash = blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw())
        .map_err(|_| ImageError::Corrupt)?;
    Ok((thumb, blurhash))
}

/// Validates, strips and re-encodes an upload, makes its preview and blurhash.
pub fn process(bytes: &[u8], matrix_limit: u64) -> Result<Processed, ImageError> {
    let (output, img) = decode(bytes, matrix_limit)?;
    let original = output.encode(&img)?;
    let (thumb, blurhash) = preview(&img)?;
    let thumbnail = output.encode(&thumb)?;
    Ok(Processed {
        extension: output.extension(),
        content_type: output.content_type(),
        original,
        width: img.width(),
        height: img.height(),
        thumbnail,
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        blurhash,
    })
}

/// A profile image (avatar or header) in its stored form.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Validates, strips and re-encodes a profile image cropped (centred) to the aspect ratio of
/// `max_width`×`max_height` and scaled down to fit it, never up: Mastodon's `400x400#` for an
/// avatar, `1500x500#` for a header. A GIF becomes a PNG still of its first frame.
pub fn fit(
    bytes: &[u8],
    matrix_limit: u64,
    max_width: u32,
    max_height: u32,
) -> Result<Fitted, ImageError> {
    let (output, img) = decode(bytes, matrix_limit)?;
    let (w, h) = (u64::from(img.width()), u64::from(img.height()));
    let (tw, th) = (u64::from(max_width.max(1)), u64::from(max_height.max(1)));
    // The largest centred crop with the target's aspect ratio.
    let (cw, ch) = if w * th > h * tw {
        ((h * tw / th).max(1), h)
    } else {
        (w, (w * th / tw).max(1))
    };
    let to_u32 = |v: u64| u32::try_from(v).map_err(|_| ImageError::Corrupt);
    let cropped = img.crop_imm(
        to_u32((w - cw) / 2)?,
        to_u32((h - ch) / 2)?,
        to_u32(cw)?,
        to_u32(ch)?,
    );
    let fitted = if cw > tw || ch > th {
        cropped.resize_exact(max_width, max_height, FilterType::Lanczos3)
    } else {
        cropped
    };
    Ok(Fitted {
        extension: output.extension(),
        content_type: output.content_type(),
        bytes: output.encode(&fitted)?,
        width: fitted.width(),
        height: fitted.height(),
    })
}

/// The preview of a remote image (the original stays at its origin): the same checks and
/// metadata stripping as an upload, without re-encoding the original.
#[derive(Debug, Clone)]
pub struct Preview {
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub blurhash: String,
}

/// Makes the [`Preview`] of `bytes`.
pub fn preview_of(bytes: &[u8], matrix_limit: u64) -> Result<Preview, ImageError> {
    let (output, img) = decode(bytes, matrix_limit)?;
    let (thumb, blurhash) = preview(&img)?;
    Ok(Preview {
        extension: output.extension(),
        width: img.width(),
        height: img.height(),
        thumbnail: output.encode(&thumb)?,
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        blurhash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn processes_a_png() {
        let p = process(&png(1000, 500), 33_177_600).unwrap();
        assert_eq!((p.width, p.height), (1000, 500));
        assert_eq!((p.thumb_width, p.thumb_height), (640, 320));
        assert_eq!(p.content_type, "image/png");
        assert_eq!(p.blurhash.len(), 4 + 2 * 4 * 3);
        let v = preview_of(&png(1000, 500), 33_177_600).unwrap();
        assert_eq!(
            (v.width, v.height, v.thumb_width, v.thumb_height),
            (1000, 500, 640, 320)
        );
        assert_eq!(v.thumbnail, p.thumbnail);
        assert_eq!(v.blurhash, p.blurhash);
    }

    #[test]
    fn fits_profile_images() {
        let f = fit(&png(800, 600), 33_177_600, 400, 400).unwrap();
        assert_eq!((f.width, f.height, f.content_type), (400, 400, "image/png"));
        let f = fit(&png(3000, 1500), 33_177_600, 1500, 500).unwrap();
        assert_eq!((f.width, f.height), (1500, 500));
        // Small images are cropped to the aspect ratio, never enlarged.
        let f = fit(&png(100, 50), 33_177_600, 400, 400).unwrap();
        assert_eq!((f.width, f.height), (50, 50));
        let f = fit(&png(600, 600), 33_177_600, 1500, 500).unwrap();
        assert_eq!((f.width, f.height), (600, 200));
        let decoded = image::load_from_memory(&f.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (600, 200));
        assert!(matches!(
            fit(&png(20, 20), 399, 400, 400),
            Err(ImageError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert_eq!(
            process(b"GIF89a\x01", 100).unwrap_err(),
            ImageError::Corrupt
        );
        assert_eq!(
            process(b"%PDF-1.4", 100).unwrap_err(),
            ImageError::UnsupportedType
        );
        let mut truncated = png(50, 50);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(
            process(&truncated, 33_177_600).unwrap_err(),
            ImageError::Corrupt
        );
        assert_eq!(
            process(&png(20, 20), 399).unwrap_err(),
            ImageError::TooManyPixels {
                width: 20,
                height: 20
            }
        );
    }
}

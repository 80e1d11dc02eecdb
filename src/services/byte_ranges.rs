//! HTTP range requests (RFC 9110 §14) on stored files: one `bytes=a-b`, `a-` or `-n` range is
//! answered with only those bytes (206), which Safari needs to play video at all and every
//! player needs to seek. Several ranges or a header we cannot read are answered with the whole
//! file (200), as most servers do; multipart answers are not worth their cost here.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One range as the request spelled it, before the file's length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `a-b` (`Some(b)`, inclusive) or `a-` (`None`).
    From(u64, Option<u64>),
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

/// The single range of a `Range` header, or `None` when the whole file should be sent (no
/// header, another unit, several ranges, or a malformed one).
pub fn parse(header: &str) -> Option<ByteRange> {
    let (unit, spec) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", n) => num(n).map(ByteRange::Suffix),
        (a, "") => num(a).map(|a| ByteRange::From(a, None)),
        (a, b) => {
            let (a, b) = (num(a)?, num(b)?);
            // A last position before the first makes the header invalid: ignore it.
            (b >= a).then_some(ByteRange::From(a, Some(b)))
        }
    }
}

impl ByteRange {
    /// The bytes to send from a file of `len` bytes (end exclusive), or `None` when the range
    /// cannot be satisfied (416).
    pub fn resolve(self, len: u64) -> Option<Range<u64>> {
        match self {
            ByteRange::From(a, _) if a >= len => None,
            ByteRange::From(a, b) => Some(a..b.map_or(len, |b| b.saturating_add(1).min(len))),
            ByteRange::Suffix(0) => None,
            ByteRange::Suffix(_) if len == 0 => None,
            ByteRange::Suffix(n) => Some(len.saturating_sub(n)..len),
        }
    }
}

/// Whether an `If-Range` header lets the range apply to a file last written at `modified`:
/// only an HTTP date equal to the file's `Last-Modified` (to the second) does. Herd sends no
/// entity tags for files, so an entity tag never matches and the whole file is sent.
pub fn if_range_holds(if_range: &str, modified: Option<SystemTime>) -> bool {
    let (Ok(date), Some(modified)) = (httpdate::parse_http_date(if_range.trim()), modified) else {
        return false;
    };
    whole_seconds(modified) == whole_seconds(date)
}

/// `t` truncated to the second, as `Last-Modified` carries it.
pub fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_read_and_resolved() {
        assert_eq!(parse("bytes=0-1"), Some(ByteRange::From(0, Some(1))));
        assert_eq!(parse("bytes=5-"), Some(ByteRange::From(5, None)));
        assert_eq!(parse("bytes=-3"), Some(ByteRange::Suffix(3)));
        assert_eq!(parse("Bytes = 2-4"), Some(ByteRange::From(2, Some(4))));
        assert_eq!(parse("bytes=0-1").and_then(|r| r.resolve(10)), Some(0..2));
        assert_eq!(parse("bytes=5-").and_then(|r| r.resolve(10)), Some(5..10));
        assert_eq!(parse("bytes=8-99").and_then(|r| r.resolve(10)), Some(8..10));
        assert_eq!(parse("bytes=-3").and_then(|r| r.resolve(10)), Some(7..10));
        assert_eq!(parse("bytes=-30").and_then(|r| r.resolve(10)), Some(0..10));
    }

    #[test]
    fn unsatisfiable_and_ignored_ranges() {
        assert_eq!(parse("bytes=10-").and_then(|r| r.resolve(10)), None);
        assert_eq!(parse("bytes=-0").and_then(|r| r.resolve(10)), None);
        assert_eq!(parse("bytes=0-0").and_then(|r| r.resolve(0)), None);
        for ignored in [
            "bytes=0-1,4-5",
            "bytes=3-1",
            "bytes=a-b",
            "bytes=-",
            "items=0-1",
            "bytes 0-1",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(parse(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn if_range_matches_the_date_only() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_250);
        let date = httpdate::fmt_http_date(t);
        assert!(if_range_holds(&date, Some(t)));
        assert!(!if_range_holds(&date, Some(t + Duration::from_secs(1))));
        assert!(!if_range_holds("\"etag\"", Some(t)));
        assert!(!if_range_holds(&date, None));
    }
}

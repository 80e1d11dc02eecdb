//! Reading HTML for link previews, with html5ever's tokenizer (already compiled in for
//! ammonia): a status's first link that is not a mention or a hashtag, and a page's
//! OpenGraph / Twitter / oEmbed-discovery metadata. Pure functions on text, so the fetching
//! job (`services::cards`) stays small and these are unit-tested.
//!
//! The tokenizer alone does not know that `<script>`, `<style>`, `<title>` and `<textarea>`
//! hold raw text; the sink switches it into those states as the tree builder would, so a
//! `<meta>` written inside a script is never taken for the page's own.

use std::cell::RefCell;
use std::collections::HashMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, Tag, TagToken, Token, TokenSink,
    TokenSinkResult, Tokenizer, TokenizerOpts,
};
use url::Url;

/// Runs `on` over the tokens of `html`.
fn tokenize(html: &str, on: impl FnMut(&Token) -> TokenSinkResult<()>) {
    struct Sink<F>(RefCell<F>);
    impl<F: FnMut(&Token) -> TokenSinkResult<()>> TokenSink for Sink<F> {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            (self.0.borrow_mut())(&token)
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(Sink(RefCell::new(on)), TokenizerOpts::default());
    let _ = tok.feed(&input);
    tok.end();
}

fn attr(tag: &Tag, name: &str) -> Option<String> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
}

/// The raw-text state a start tag opens (the sink must say so to the bare tokenizer).
fn raw_state(tag: &Tag) -> TokenSinkResult<()> {
    match &*tag.name {
        "script" => TokenSinkResult::RawData(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
            TokenSinkResult::RawData(RawKind::Rawtext)
        }
        "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
        _ => TokenSinkResult::Continue,
    }
}

/// The first http(s) link of a status's HTML that is not a mention or a hashtag (by class,
/// `rel="tag"`, or a text starting with `@` or `#`, as Mastodon tells them apart in remote
/// HTML).
pub fn first_link(html: &str) -> Option<String> {
    let mut found: Option<String> = None;
    // The open link: its href (None when it is excluded by its attributes) and its text.
    let mut open: Option<(Option<String>, String)> = None;
    tokenize(html, |token| {
        if found.is_some() {
            return TokenSinkResult::Continue;
        }
        match token {
            TagToken(tag) if &*tag.name == "a" && tag.kind == StartTag => {
                let class = attr(tag, "class").unwrap_or_default();
                let rel = attr(tag, "rel").unwrap_or_default();
                let excluded = class
                    .split_whitespace()
                    .any(|c| matches!(c, "mention" | "hashtag" | "u-url" | "h-card"))
                    || rel.split_whitespace().any(|r| r == "tag");
                let href = attr(tag, "href").filter(|_| !excluded).filter(|h| {
                    Url::parse(h).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                });
                open = Some((href, String::new()));
            }
            TagToken(tag) if &*tag.name == "a" && tag.kind == EndTag => {
                if let Some((Some(href), text)) = open.take() {
                    let text = text.trim_start();
                    if !text.starts_with('@') && !text.starts_with('#') {
                        found = Some(href);
                    }
                }
            }
            CharacterTokens(t) => {
                if let Some((_, text)) = open.as_mut() {
                    if text.len() < 64 {
                        text.push_str(t);
                    }
                }
            }
            TagToken(tag) if tag.kind == StartTag => return raw_state(tag),
            _ => {}
        }
        TokenSinkResult::Continue
    });
    found
}

/// What a page says about itself.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageMeta {
    /// `og:*`, `twitter:*`, `article:*`, `description`, `fediverse:creator` …: the first
    /// value of each (keys lower-cased).
    pub meta: HashMap<String, String>,
    pub title: String,
    pub lang: Option<String>,
    /// The JSON oEmbed endpoint it advertises, resolved against the page URL.
    pub oembed: Option<Url>,
    pub canonical: Option<Url>,
}

impl PageMeta {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.meta
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The first of `keys` that has a value.
    pub fn first(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }
}

/// Reads the metadata of a page fetched from `base`.
pub fn parse_page(html: &str, base: &Url) -> PageMeta {
    let mut out = PageMeta::default();
    let mut in_title = false;
    tokenize(html, |token| {
        match token {
            TagToken(tag) if tag.kind == StartTag => match &*tag.name {
                "html" => {
                    out.lang = attr(tag, "lang").map(|l| l.trim().to_string()).filter(|l| {
                        !l.is_empty()
                            && l.len() <= 16
                            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                }
                "meta" => {
                    let key = attr(tag, "property")
                        .or_else(|| attr(tag, "name"))
                        .map(|k| k.trim().to_ascii_lowercase());
                    if let (Some(key), Some(content)) = (key, attr(tag, "content")) {
                        if out.meta.len() < 200 {
                            out.meta.entry(key).or_insert(content);
                        }
                    }
                }
                "link" => {
                    let rel = attr(tag, "rel").unwrap_or_default().to_ascii_lowercase();
                    let kind = attr(tag, "type").unwrap_or_default().to_ascii_lowercase();
                    let href = attr(tag, "href").and_then(|h| base.join(h.trim()).ok());
                    if rel.split_whitespace().any(|r| r == "alternate")
                        && kind == "application/json+oembed"
                        && out.oembed.is_none()
                    {
                        out.oembed = href;
                    } else if rel.split_whitespace().any(|r| r == "canonical")
                        && out.canonical.is_none()
                    {
                        out.canonical = href;
                    }
                }
                "title" if out.title.is_empty() => {
                    in_title = true;
                    return raw_state(tag);
                }
                _ => return raw_state(tag),
            },
            TagToken(tag) if tag.kind == EndTag && &*tag.name == "title" => in_title = false,
            CharacterTokens(t) if in_title && out.title.len() < 1000 => out.title.push_str(t),
            _ => {}
        }
        TokenSinkResult::Continue
    });
    out.title = out.title.split_whitespace().collect::<Vec<_>>().join(" ");
    out
}

/// An oEmbed answer (JSON only), its fields as strings or numbers.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OEmbed {
    pub kind: String,
    pub title: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub url: String,
    pub width: i64,
    pub height: i64,
    pub thumbnail_url: String,
}

pub fn parse_oembed(body: &[u8]) -> Option<OEmbed> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let n = |k: &str| match v.get(k) {
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    };
    let kind = s("type");
    if !matches!(kind.as_str(), "link" | "photo" | "video" | "rich") {
        return None;
    }
    Some(OEmbed {
        kind,
        title: s("title"),
        author_name: s("author_name"),
        author_url: s("author_url"),
        provider_name: s("provider_name"),
        provider_url: s("provider_url"),
        html: s("html"),
        url: s("url"),
        width: n("width").clamp(0, 10_000),
        height: n("height").clamp(0, 10_000),
        thumbnail_url: s("thumbnail_url"),
    })
}

/// The embed markup of a `rich` / `video` oEmbed, kept only as an https `<iframe>` (as
/// Mastodon's oEmbed sanitiser allows); anything else is dropped (None: the card degrades to
/// a link).
pub fn sanitize_embed(html: &str) -> Option<String> {
    let clean = ammonia::Builder::empty()
        .add_tags(["iframe"])
        .add_tag_attributes(
            "iframe",
            [
                "src",
                "width",
                "height",
                "allowfullscreen",
                "frameborder",
                "allow",
                "title",
            ],
        )
        .url_schemes(["https"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(None)
        .clean(html)
        .to_string();
    let has_frame = {
        let mut ok = false;
        tokenize(&clean, |token| {
            if let TagToken(tag) = token {
                if &*tag.name == "iframe" && tag.kind == StartTag && attr(tag, "src").is_some() {
                    ok = true;
                }
            }
            TokenSinkResult::Continue
        });
        ok
    };
    has_frame.then_some(clean)
}

/// Plain text of at most `max` characters (meta values are text, but some pages put markup
/// or runs of whitespace in them).
pub fn plain(s: &str, max: usize) -> String {
    let mut text = String::new();
    tokenize(s, |token| {
        if let CharacterTokens(t) = token {
            text.push_str(t);
        }
        TokenSinkResult::Continue
    });
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    words.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_link_skips_mentions_and_hashtags() {
        let html = "<p>Hi <span class=\"h-card\"><a href=\"https://x.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> \
                    <a href=\"https://x.example/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> \
                    <a href=\"https://remote.example/@carol\">@carol</a> \
                    <a href=\"https://example.com/page\" rel=\"nofollow\"><span class=\"invisible\">https://</span>example.com/page</a> \
                    <a href=\"https://example.com/second\">second</a></p>";
        assert_eq!(
            first_link(html).as_deref(),
            Some("https://example.com/page")
        );
        assert_eq!(first_link("<p>no links</p>"), None);
        assert_eq!(first_link("<a href=\"javascript:alert(1)\">x</a>"), None);
    }

    #[test]
    fn a_page_gives_its_opengraph_and_oembed() {
        let base = Url::parse("https://news.example/a/b").expect("url");
        let html = "<!doctype html><html lang=\"en-GB\"><head><title> The  page </title>\
            <script>var s = '<meta property=\"og:title\" content=\"fake\">';</script>\
            <meta property=\"og:title\" content=\"A title\">\
            <meta property=\"og:title\" content=\"second\">\
            <meta name=\"Description\" content=\"words\">\
            <meta name=\"fediverse:creator\" content=\"@alice@news.example\">\
            <link rel=\"alternate\" type=\"application/json+oembed\" href=\"/oembed?u=1\">\
            </head><body></body></html>";
        let m = parse_page(html, &base);
        assert_eq!(m.get("og:title"), Some("A title"));
        assert_eq!(m.get("description"), Some("words"));
        assert_eq!(m.get("fediverse:creator"), Some("@alice@news.example"));
        assert_eq!(m.title, "The page");
        assert_eq!(m.lang.as_deref(), Some("en-GB"));
        assert_eq!(
            m.oembed.map(|u| u.to_string()).as_deref(),
            Some("https://news.example/oembed?u=1")
        );
    }

    #[test]
    fn embeds_keep_only_https_iframes() {
        let ok = sanitize_embed(
            "<iframe src=\"https://video.example/embed/1\" width=\"560\" onload=\"x()\"></iframe><script>alert(1)</script>",
        )
        .expect("kept");
        assert!(ok.contains("https://video.example/embed/1"), "{ok}");
        assert!(!ok.contains("onload") && !ok.contains("script"), "{ok}");
        assert_eq!(
            sanitize_embed("<iframe src=\"http://video.example/1\"></iframe>"),
            None
        );
        assert_eq!(sanitize_embed("<div>text</div>"), None);
        let o = parse_oembed(br#"{"type":"video","title":"T","html":"<iframe></iframe>","width":"640","height":360}"#)
            .expect("oembed");
        assert_eq!((o.width, o.height, o.kind.as_str()), (640, 360, "video"));
        assert_eq!(parse_oembed(br#"{"type":"other"}"#), None);
    }
}

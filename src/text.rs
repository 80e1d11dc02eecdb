//! Plain text as Mastodon renders it: HTML-escaped, paragraphs and line breaks, links shortened
//! with Mastodon's invisible/ellipsis spans, mentions as h-cards and hashtags as tag links.
//! Also Mastodon's character count, where a URL counts as 23 and a mention as its local part.

use linkify::{LinkFinder, LinkKind};

/// A mention as written: `@user` (domain None) or `@user@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionRef {
    pub username: String,
    pub domain: Option<String>,
}

/// A mention that resolved to an account, ready to render.
#[derive(Debug, Clone)]
pub struct ResolvedMention {
    pub reference: MentionRef,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    Url(String),
    Mention(MentionRef, String),
    Hashtag(String),
}

pub const URL_WEIGHT: usize = 23;

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits text into plain runs, URLs, mentions and hashtags.
fn tokenize(text: &str) -> Vec<Token> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut tokens = Vec::new();
    for span in finder.spans(text) {
        match span.kind() {
            Some(LinkKind::Url)
                if span.as_str().starts_with("http://")
                    || span.as_str().starts_with("https://") =>
            {
                tokens.push(Token::Url(span.as_str().to_string()))
            }
            _ => scan_words(span.as_str(), &mut tokens),
        }
    }
    tokens
}

/// Finds `@mentions` and `#hashtags` in a run without URLs.
fn scan_words(run: &str, out: &mut Vec<Token>) {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut plain_start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let prev = if i == 0 { None } else { Some(chars[i - 1].1) };
        let boundary = prev.is_none_or(|p| !is_word(p) && p != '/' && p != '@' && p != '#');
        if boundary && (c == '@' || c == '#') {
            if let Some((token, len)) = match c {
                '@' => mention_at(&run[pos..]),
                _ => hashtag_at(&run[pos..]),
            } {
                if plain_start < pos {
                    out.push(Token::Text(run[plain_start..pos].to_string()));
                }
                out.push(token);
                plain_start = pos + len;
                while i < chars.len() && chars[i].0 < plain_start {
                    i += 1;
                }
                continue;
            }
        }
        i += 1;
    }
    if plain_start < run.len() {
        out.push(Token::Text(run[plain_start..].to_string()));
    }
}

fn mention_at(s: &str) -> Option<(Token, usize)> {
    let body = &s[1..];
    let user_len = body
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    let username = &body[..user_len];
    let mut len = 1 + user_len;
    let mut domain = None;
    if let Some(rest) = body[user_len..].strip_prefix('@') {
        // A domain: labels of letters, digits and hyphens separated by dots, optional port.
        let d_len = rest
            .char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '.' || *c == '-' || *c == ':')
            .map(|(i, c)| i + c.len_utf8())
            .last()
            .unwrap_or(0);
        let d = rest[..d_len].trim_end_matches(['.', '-', ':']);
        if d.contains('.') || d.contains(':') || d == "localhost" {
            domain = Some(d.to_lowercase());
            len += 1 + d.len();
        }
    }
    let reference = MentionRef {
        username: username.to_string(),
        domain,
    };
    Some((Token::Mention(reference, s[..len].to_string()), len))
}

fn hashtag_at(s: &str) -> Option<(Token, usize)> {
    let body = &s[1..];
    let len = body
        .char_indices()
        .take_while(|(_, c)| is_word(*c))
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    let name = &body[..len];
    // A tag needs a letter: `#1` is a number, not a tag.
    if !name.chars().any(char::is_alphabetic) || name.chars().count() > 100 {
        return None;
    }
    Some((Token::Hashtag(name.to_string()), 1 + len))
}

/// The mentions written in a text, in order, without duplicates.
pub fn mentions(text: &str) -> Vec<MentionRef> {
    let mut out: Vec<MentionRef> = Vec::new();
    for t in tokenize(text) {
        if let Token::Mention(m, _) = t {
            if !out
                .iter()
                .any(|x| x.username.eq_ignore_ascii_case(&m.username) && x.domain == m.domain)
            {
                out.push(m);
            }
        }
    }
    out
}

/// The hashtags in a text, in order, without duplicates (case-insensitively).
pub fn hashtags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokenize(text) {
        if let Token::Hashtag(h) = t {
            if !out.iter().any(|x| x.to_lowercase() == h.to_lowercase()) {
                out.push(h);
            }
        }
    }
    out
}

/// Mastodon's length: URLs count as 23 characters, mentions as `@user`.
pub fn length(text: &str) -> usize {
    tokenize(text)
        .iter()
        .map(|t| match t {
            Token::Text(s) => s.chars().count(),
            Token::Url(_) => URL_WEIGHT,
            Token::Mention(m, _) => 1 + m.username.chars().count(),
            Token::Hashtag(h) => 1 + h.chars().count(),
        })
        .sum()
}

/// HTML-escapes text as Mastodon does (a slash stays a slash).
pub fn escape(s: &str) -> String {
    tera::escape_html(s).replace("&#x2F;", "/")
}

/// Plain text as Mastodon renders it: escaped, paragraphs on blank lines, `<br>` for newlines.
pub fn plain_to_html(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br />")))
        .collect()
}

fn render_url(url: &str) -> String {
    let (prefix, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let (www, rest) = match rest.strip_prefix("www.") {
        Some(r) => ("www.", r),
        None => ("", rest),
    };
    let invisible_prefix = format!("{prefix}{www}");
    let shown: String = rest.chars().take(30).collect();
    let hidden: String = rest.chars().skip(30).collect();
    let middle = if hidden.is_empty() {
        format!("<span class=\"\">{}</span>", escape(&shown))
    } else {
        format!(
            "<span class=\"ellipsis\">{}</span><span class=\"invisible\">{}</span>",
            escape(&shown),
            escape(&hidden)
        )
    };
    format!(
        "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\"><span class=\"invisible\">{}</span>{middle}</a>",
        escape(url),
        escape(&invisible_prefix)
    )
}

/// Renders plain text to Mastodon's HTML. `resolved` holds the mentions that name accounts;
/// others stay plain text. `tag_url` makes a tag's link.
pub fn render(
    text: &str,
    resolved: &[ResolvedMention],
    tag_url: impl Fn(&str) -> String,
) -> String {
    let text = text.replace("\r\n", "\n");
    let text = text.trim_matches('\n');
    if text.trim().is_empty() {
        return String::new();
    }
    let mut html = String::from("<p>");
    for token in tokenize(text) {
        match token {
            Token::Text(s) => {
                let escaped = escape(&s);
                html.push_str(&escaped.replace("\n\n", "</p><p>").replace('\n', "<br />"));
            }
            Token::Url(u) => html.push_str(&render_url(&u)),
            Token::Mention(m, raw) => {
                match resolved
                    .iter()
                    .find(|r| r.reference.username.eq_ignore_ascii_case(&m.username) && r.reference.domain == m.domain)
                {
                    Some(r) => html.push_str(&format!(
                        "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                        escape(&r.url),
                        escape(&m.username)
                    )),
                    None => html.push_str(&escape(&raw)),
                }
            }
            Token::Hashtag(h) => html.push_str(&format!(
                "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape(&tag_url(&h)),
                escape(&h)
            )),
        }
    }
    html.push_str("</p>");
    html.replace("<p></p>", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: &str) -> String {
        format!("https://x.example/tags/{}", t.to_lowercase())
    }

    #[test]
    fn renders_like_mastodon() {
        let resolved = vec![ResolvedMention {
            reference: MentionRef {
                username: "bob".into(),
                domain: None,
            },
            url: "https://x.example/@bob".into(),
        }];
        let html = render("Hi @bob and @nobody!\n\nSee https://example.com/a/very/long/path/that/goes/on #Rust <b>", &resolved, tag);
        assert_eq!(
            html,
            "<p>Hi <span class=\"h-card\" translate=\"no\"><a href=\"https://x.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> and @nobody!</p>\
             <p>See <a href=\"https://example.com/a/very/long/path/that/goes/on\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\">\
             <span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/very/long/path/t</span><span class=\"invisible\">hat/goes/on</span></a> \
             <a href=\"https://x.example/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> &lt;b&gt;</p>"
        );
        assert_eq!(render("one\ntwo", &[], tag), "<p>one<br />two</p>");
        assert_eq!(render("  \n ", &[], tag), "");
    }

    #[test]
    fn finds_mentions_and_tags() {
        assert_eq!(
            mentions("@alice hi @Bob@Remote.Example, mail me at a@b.example or @alice again @carol@127.0.0.1:8080"),
            vec![
                MentionRef { username: "alice".into(), domain: None },
                MentionRef { username: "Bob".into(), domain: Some("remote.example".into()) },
                MentionRef { username: "carol".into(), domain: Some("127.0.0.1:8080".into()) },
            ]
        );
        assert_eq!(
            hashtags("#rust #Rust #1 x#no #café_au_lait https://x.example/#frag"),
            vec!["rust", "café_au_lait"]
        );
    }

    #[test]
    fn counts_like_mastodon() {
        assert_eq!(length("hello"), 5);
        assert_eq!(
            length("https://example.com/an/extremely/long/url/indeed/yes"),
            23
        );
        assert_eq!(length("@bob@very.long.remote.example hi"), 7);
        assert_eq!(length("héllo 🐑"), 7);
    }
}

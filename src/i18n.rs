//! Languages: the Fluent catalogues (`locales/{lang}/*.ftl`, embedded in the binary) and the
//! choice of a reader's locale (their setting, else `Accept-Language`).
//!
//! Every string a page shows goes through here: templates call `t(key=…)` (registered per
//! locale by `web::templates`), Rust code calls [`text`] or [`text_with`]. A key missing
//! from a catalogue is an error in a template (so tests catch it) and the key itself in
//! Rust code (so a page never fails for a missing word).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::HeaderMap;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The locales with a complete catalogue. Adding one: a variant here, its `.ftl` file in
/// `CATALOGUES`, and the same keys as `en` (tests/i18n.rs checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Ja,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ja];

    /// The BCP 47 tag (`lang` attributes, the user's `locale` column).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
        }
    }

    /// A tag such as `ja`, `ja-JP` or `en_GB`, if one of ours.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The best of ours for an `Accept-Language` header (highest q first; ties keep the
    /// header's order), else English.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(l) = Locale::parse(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    pub fn from_headers(headers: &HeaderMap) -> Locale {
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Locale::from_accept_language)
            .unwrap_or_default()
    }
}

/// The catalogue files, embedded: each name is `locales/en/NAME.ftl` and `locales/ja/NAME.ftl`.
/// Each part of the site keeps its strings in its own file; a key lives in one file only.
macro_rules! catalogues {
    ($($name:literal),* $(,)?) => {
        &[
            (Locale::En, &[$(($name, include_str!(concat!("../locales/en/", $name, ".ftl")))),*]),
            (Locale::Ja, &[$(($name, include_str!(concat!("../locales/ja/", $name, ".ftl")))),*]),
        ]
    };
}

/// Per locale, its files as (name, source).
pub const CATALOGUES: &[(Locale, &[(&str, &str)])] = catalogues![
    "herd",
    "proposals",
    "social",
    "settings",
    "coopsite",
    "moderation",
    "pages14",
    "treasurer",
    "govadmin",
    "account",
    "media",
    "quotes",
    "live",
    "admin15",
    "imports",
    "apierrors",
];

pub type Bundle = FluentBundle<FluentResource>;

fn bundle(locale: Locale, files: &[(&str, &str)]) -> Bundle {
    let langid = locale
        .tag()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Bidi isolation marks would end up inside attribute values and test strings; the pages
    // set `dir` and `lang` themselves.
    bundle.set_use_isolating(false);
    // A catalogue that does not parse is a build mistake: tests/i18n.rs parses each one.
    for (_, source) in files {
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
        // A key defined twice is refused here and caught by tests/i18n.rs.
        let _ = bundle.add_resource(resource);
    }
    bundle
}

static BUNDLES: LazyLock<HashMap<Locale, Bundle>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(l, files)| (*l, bundle(*l, files)))
        .collect()
});

/// The bundle of `locale`.
pub fn bundle_of(locale: Locale) -> &'static Bundle {
    // Every `Locale` has a catalogue in CATALOGUES.
    BUNDLES
        .get(&locale)
        .or_else(|| BUNDLES.get(&Locale::En))
        .unwrap_or_else(|| unreachable!("the English catalogue is embedded"))
}

/// Formats `key` with `args` in `bundle`, or None if the catalogue has no such message.
pub fn format(bundle: &Bundle, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    Some(text.into_owned())
}

/// The message `key` in `locale` (the key itself if missing).
pub fn text(locale: Locale, key: &str) -> String {
    format(bundle_of(locale), key, None).unwrap_or_else(|| key.to_string())
}

/// The message `key` in `locale` with string arguments.
pub fn text_with(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, FluentValue::from(v.to_string()));
    }
    format(bundle_of(locale), key, Some(&fa)).unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        assert_eq!(Locale::from_accept_language("ja-JP,ja;q=0.9"), Locale::Ja);
        assert_eq!(
            Locale::from_accept_language("fr-FR, en;q=0.5, ja;q=0.8"),
            Locale::Ja
        );
        assert_eq!(Locale::from_accept_language("fr, de"), Locale::En);
        assert_eq!(Locale::from_accept_language("ja;q=0, en"), Locale::En);
        assert_eq!(text(Locale::Ja, "nav-sign-in"), "ログイン");
    }
}

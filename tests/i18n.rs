//! The Fluent catalogues: `en` and `ja` have the same keys, each parses, and every key the
//! templates name exists (a page never shows a key instead of a word).

use std::collections::BTreeSet;

use herd::i18n::{Locale, CATALOGUES};

fn files(locale: Locale) -> &'static [(&'static str, &'static str)] {
    CATALOGUES
        .iter()
        .find(|(l, _)| *l == locale)
        .map(|(_, f)| *f)
        .unwrap_or(&[])
}

fn keys_of(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string())
        .collect()
}

fn keys(locale: Locale) -> BTreeSet<String> {
    files(locale)
        .iter()
        .flat_map(|(_, src)| keys_of(src))
        .collect()
}

#[test]
fn no_key_is_defined_twice() {
    for locale in Locale::ALL {
        let mut seen = BTreeSet::new();
        let mut twice = Vec::new();
        for (name, src) in files(locale) {
            for k in keys_of(src) {
                if !seen.insert(k.clone()) {
                    twice.push(format!("{}/{name}.ftl: {k}", locale.tag()));
                }
            }
        }
        assert!(twice.is_empty(), "keys defined twice: {twice:?}");
    }
}

#[test]
fn en_and_ja_have_the_same_keys() {
    let en = keys(Locale::En);
    let ja = keys(Locale::Ja);
    assert!(
        en.len() > 100,
        "the English catalogue has {} keys",
        en.len()
    );
    let only_en: Vec<_> = en.difference(&ja).collect();
    let only_ja: Vec<_> = ja.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_ja.is_empty(),
        "missing in ja: {only_en:?}; missing in en: {only_ja:?}"
    );
}

#[test]
fn catalogues_parse() {
    for locale in Locale::ALL {
        for (name, src) in files(locale) {
            if let Err((_, errors)) = fluent_bundle::FluentResource::try_new(src.to_string()) {
                panic!(
                    "locales/{}/{name}.ftl does not parse: {errors:?}",
                    locale.tag()
                );
            }
        }
    }
}

#[test]
fn every_key_a_template_names_is_in_the_catalogue() {
    let en = keys(Locale::En);
    let mut missing = Vec::new();
    for (name, source) in herd::web::templates::TEMPLATES {
        for piece in source.split("t(key=").skip(1) {
            let quote = piece.chars().next().unwrap_or('"');
            let key: String = piece[1..].chars().take_while(|c| *c != quote).collect();
            // Keys built from data (`"visibility-" ~ p.visibility`) are checked by the pages.
            if piece[1..].starts_with(&format!("{key}{quote} ~")) {
                continue;
            }
            if !en.contains(&key) {
                missing.push(format!("{name}: {key}"));
            }
        }
    }
    assert!(missing.is_empty(), "keys missing from en: {missing:?}");
}

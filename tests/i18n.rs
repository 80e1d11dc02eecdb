//! The Fluent catalogues: `en` and `ja` have the same keys, each parses, and every key the
//! templates name exists (a page never shows a key instead of a word).

use std::collections::BTreeSet;

const EN: &str = include_str!("../locales/en/herd.ftl");
const JA: &str = include_str!("../locales/ja/herd.ftl");

fn keys(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string())
        .collect()
}

#[test]
fn en_and_ja_have_the_same_keys() {
    let en = keys(EN);
    let ja = keys(JA);
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
    for (name, src) in [("en", EN), ("ja", JA)] {
        if let Err((_, errors)) = fluent_bundle::FluentResource::try_new(src.to_string()) {
            panic!("locales/{name}/herd.ftl does not parse: {errors:?}");
        }
    }
}

#[test]
fn every_key_a_template_names_is_in_the_catalogue() {
    let en = keys(EN);
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

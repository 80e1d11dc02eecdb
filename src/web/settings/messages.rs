//! The settings pages' validation messages in the reader's language: the profile,
//! preferences, migration and import pages show the service's refusal beside its field, and a
//! Japanese reader reads it in Japanese. As `member_tools::messages` (whose table covers
//! compose, reports, lists and filters, and which this falls back to), each known message is
//! recognised by a fragment of the service's English text and names a Fluent key (`err-set-…`
//! in `locales/*/imports.ftl`); the first number in the message is the key's `$n`.

use crate::i18n::{text_with, Locale};
use crate::web::member_tools::messages as compose_messages;

/// (fragment of the English message, Fluent key, whether the key takes `$n`), first match
/// wins: more specific first.
const KNOWN: &[(&str, &str, bool)] = &[
    // Profile: images.
    (
        "file size must be less than",
        "err-set-image-too-big",
        false,
    ),
    ("content type is invalid", "err-set-image-type", false),
    ("are too large (more than", "err-set-image-pixels", false),
    (
        "could not be processed as an image",
        "err-set-image-corrupt",
        false,
    ),
    // Profile: text and fields.
    ("profile changed meanwhile", "err-set-changed", false),
    ("Display name is too long", "err-set-name-too-long", true),
    ("Note is too long", "err-set-note-too-long", true),
    ("Fields are too many", "err-set-fields-too-many", true),
    ("have a name or value over", "err-set-field-too-long", true),
    ("fields_attributes", "err-set-fields-invalid", false),
    ("is not a valid domain", "err-set-domain-invalid", false),
    (
        "Attribution domains is too long",
        "err-set-domains-too-many",
        true,
    ),
    ("is not included in the list", "err-set-not-included", false),
    // Preferences.
    (
        "must be public, unlisted or private",
        "err-set-privacy",
        false,
    ),
    ("is not a language code", "err-set-language", false),
    (
        "must be auto, light, dark or contrast",
        "err-set-theme",
        false,
    ),
    ("is not a language of this site", "err-set-locale", false),
    // Migration.
    ("acct can't be blank", "err-set-acct-blank", false),
    ("cannot be its own alias", "err-set-alias-self", false),
    ("aliases", "err-set-aliases-max", true),
    ("Current password is invalid", "err-set-password", false),
    ("cannot move to itself", "err-set-move-self", false),
    (
        "must list this account as an alias",
        "err-set-move-alias",
        false,
    ),
    // Imports.
    ("Type is not one of", "err-set-import-type", false),
    ("Mode is not one of", "err-set-import-mode", false),
    ("Data can't be blank", "err-set-import-blank", false),
    ("Data must be a CSV file", "err-set-import-not-csv", false),
    ("Data is too large", "err-set-import-too-big", true),
    (
        "Data is not a valid CSV file",
        "err-set-import-invalid",
        false,
    ),
    ("Data has more than", "err-set-import-too-many", true),
    ("Data has no rows", "err-set-import-empty", false),
];

/// The Fluent key of a settings message, when it is one these pages know.
pub fn key_of(message: &str) -> Option<(&'static str, bool)> {
    KNOWN
        .iter()
        .find(|(fragment, _, _)| message.contains(fragment))
        .map(|(_, key, n)| (*key, *n))
}

/// A message (already without `Validation failed: `) for a page in `locale`. English pages
/// show the service's own words, which are more precise than a key with one number.
pub fn localized(locale: Locale, message: &str) -> String {
    if locale == Locale::En {
        return message.to_string();
    }
    match key_of(message) {
        Some((key, takes_n)) => {
            let n = if takes_n {
                compose_messages::first_number(message).unwrap_or("")
            } else {
                ""
            };
            text_with(locale, key, &[("n", n)])
        }
        None => compose_messages::localized_text(locale, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_messages_have_keys() {
        assert_eq!(
            key_of("Display name is too long (maximum is 30 characters)"),
            Some(("err-set-name-too-long", true))
        );
        assert_eq!(
            compose_messages::first_number("At most 5 aliases"),
            Some("5")
        );
        assert_eq!(
            localized(Locale::En, "Note is too long"),
            "Note is too long"
        );
        assert_eq!(key_of("something new"), None);
    }
}

//! The service's validation messages in the page's language. Services answer in English, the
//! words Mastodon clients expect (`Validation failed: Text character limit of 500 exceeded`);
//! a page shows the same refusal beside its field in the reader's locale. Each known message
//! is recognised by a fragment of its text and names a Fluent key (`err-…` in
//! `locales/*/pages14.ftl`); the first number in the message, if any, is the key's `$n`.
//! An unknown message is shown as the service wrote it, so nothing is ever hidden; so is every
//! message on an English page (the service's words are English, and more precise than a key
//! with one number: the `en` catalogue's `err-…` mirror them for translators).

use crate::error::AppError;
use crate::i18n::{text_with, Locale};

/// (fragment of the English message, Fluent key), first match wins: more specific first.
const KNOWN: &[(&str, &str)] = &[
    // Compose (statuses, polls, media).
    ("Text can't be blank", "err-status-blank"),
    ("Text character limit of", "err-status-too-long"),
    ("Spoiler text is too long", "err-spoiler-too-long"),
    ("is not a valid language code", "err-language-invalid"),
    ("Visibility", "err-visibility-invalid"),
    ("both media attachments and a poll", "err-media-and-poll"),
    (
        "Poll options must have more than one item",
        "err-poll-too-few",
    ),
    ("Poll options can't contain more than", "err-poll-too-many"),
    (
        "Poll options cannot be longer than",
        "err-poll-option-too-long",
    ),
    ("Poll options contain duplicate", "err-poll-duplicate"),
    ("Poll expires at is too soon", "err-poll-too-soon"),
    ("Poll expires at is too far", "err-poll-too-far"),
    ("Poll expires in can't be blank", "err-poll-expires-blank"),
    ("Cannot attach more than", "err-media-too-many"),
    ("Description is too long", "err-description-too-long"),
    ("File content type is invalid", "err-file-type"),
    ("File could not be processed", "err-file-unreadable"),
    ("file size must be less than", "err-file-too-big"),
    ("images are not supported", "err-file-too-many-pixels"),
    ("Focus must be", "err-focus"),
    ("not found or already attached", "err-media-unknown"),
    ("File can't be blank", "err-file-blank"),
    // Reports.
    ("cannot be your own account", "err-report-self"),
    (
        "must be statuses of the reported account",
        "err-report-statuses",
    ),
    ("must be rules of", "err-report-rules"),
    ("Category must be one of", "err-report-category"),
    // Lists.
    ("Title can't be blank", "err-title-blank"),
    ("Title is too long", "err-title-too-long"),
    ("maximum number of lists", "err-lists-max"),
    (
        "must be followed to be added to a list",
        "err-list-not-followed",
    ),
    ("Replies policy", "err-replies-policy"),
    // Filters.
    ("maximum number of filters", "err-filters-max"),
    ("Keyword is too long", "err-keyword-too-long"),
    ("Keyword can't be blank", "err-keyword-blank"),
    ("at most 100 keywords", "err-keywords-max"),
    ("Context can't be blank", "err-context-blank"),
    ("Context", "err-filter-context"),
    ("Filter action", "err-filter-action"),
    ("Expires in is too large", "err-expires-too-large"),
    ("Status has already been taken", "err-filter-status-taken"),
    // Notes, featured accounts, domain blocks.
    ("want to endorse", "err-endorse-not-following"),
    ("cannot block your own server", "err-domain-own"),
    ("is not a domain", "err-domain-invalid"),
    ("Domain can't be blank", "err-domain-blank"),
    // Any field's length, last: the message names the maximum.
    ("is too long (maximum is", "err-too-long"),
];

/// The first whole number in `text`, for the key's `$n` (a limit, a count).
pub fn first_number(text: &str) -> Option<&str> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The Fluent key of a service message, when it is one the pages know.
pub fn key_of(message: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(fragment, _)| message.contains(fragment))
        .map(|(_, key)| *key)
}

/// A refusal's text for the page in `locale`.
pub fn localized(locale: Locale, err: &AppError) -> String {
    localized_text(locale, &err.message)
}

/// The same for a message already taken out of its error.
pub fn localized_text(locale: Locale, message: &str) -> String {
    let english = message.trim_start_matches("Validation failed: ");
    if locale == Locale::En {
        return english.to_string();
    }
    match key_of(english) {
        Some(key) => {
            let n = first_number(english).unwrap_or("");
            text_with(locale, key, &[("n", n)])
        }
        None => english.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_messages_have_keys_and_numbers() {
        assert_eq!(
            key_of("Text character limit of 500 exceeded"),
            Some("err-status-too-long")
        );
        assert_eq!(first_number("limit of 500 exceeded"), Some("500"));
        assert_eq!(key_of("something new"), None);
        assert_eq!(
            localized_text(Locale::Ja, "Validation failed: something new"),
            "something new"
        );
    }
}

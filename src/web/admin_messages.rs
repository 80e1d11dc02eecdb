//! /admin's refusals in the reader's language (issue 15): the instance settings, invites,
//! domain allows and domain blocks show the service's message beside the field, and a
//! Japanese reader reads it in Japanese. The messages and their keys are the one table of
//! `crate::error_messages` (which the API's errors use too); this takes them out of an
//! error's `details` for a form. English pages keep the words they showed before.

use std::collections::HashMap;

use crate::error::AppError;
use crate::error_messages::localized;
use crate::i18n::Locale;

/// Each field's message of a refusal (the `details`), in `locale`.
pub fn field_errors(locale: Locale, err: &AppError) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Some(details) = err.details.as_ref().and_then(|d| d.as_object()) {
        for (field, list) in details {
            if let Some(text) = list.get(0).and_then(|x| x["description"].as_str()) {
                out.insert(field.clone(), localized(locale, text));
            }
        }
    }
    out
}

/// A refusal's one message for a form: `english` (what the page showed before) for an
/// English reader, else the first field's description or the error's own text, translated.
pub fn message(locale: Locale, err: &AppError, english: String) -> String {
    if locale == Locale::En {
        return english;
    }
    let first = err
        .details
        .as_ref()
        .and_then(|d| d.as_object())
        .and_then(|m| m.values().next())
        .and_then(|list| list.get(0))
        .and_then(|x| x["description"].as_str());
    let text = first.or(err.description.as_deref()).unwrap_or(&err.message);
    crate::error_messages::translate(locale, text).unwrap_or(english)
}

/// Messages already taken out of an error (by field), in `locale`.
pub fn localize_all(locale: Locale, errors: &mut HashMap<String, String>) {
    for text in errors.values_mut() {
        *text = localized(locale, text);
    }
}

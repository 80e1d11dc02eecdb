//! `/settings/profile`: display name, bio, profile fields, avatar and header, and the
//! account's flags, through `services::profile` (the functions behind `update_credentials`
//! and `DELETE /api/v1/profile/{avatar,header}`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{localized_errors, saved, settings_context, ticked, SavedQuery};
use crate::entities::CredentialAccount;
use crate::error::{AppError, AppResult};
use crate::services::profile::{self, ProfileChange, ProfileImage};
use crate::state::AppState;
use crate::web::form::CsrfUpload;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::templates::render_status;

/// What the form posts (the API's parameter names).
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    fields_attributes: Option<Value>,
    #[serde(default)]
    locked: Option<Value>,
    #[serde(default)]
    bot: Option<Value>,
    #[serde(default)]
    discoverable: Option<Value>,
    #[serde(default)]
    hide_collections: Option<Value>,
    /// One domain per line.
    #[serde(default)]
    attribution_domains: String,
}

#[derive(Debug, Serialize)]
struct FieldView {
    name: String,
    value: String,
}

/// What the form shows: the profile as saved, or as typed when a change was refused.
#[derive(Debug, Serialize)]
struct ProfileView {
    display_name: String,
    note: String,
    fields: Vec<FieldView>,
    locked: bool,
    bot: bool,
    discoverable: bool,
    hide_collections: bool,
    attribution_domains: String,
}

fn padded(mut fields: Vec<FieldView>, slots: usize) -> Vec<FieldView> {
    while fields.len() < slots {
        fields.push(FieldView {
            name: String::new(),
            value: String::new(),
        });
    }
    fields
}

fn view_of(c: &CredentialAccount, slots: usize) -> ProfileView {
    ProfileView {
        display_name: c.account.display_name.clone(),
        note: c.source.note.clone(),
        fields: padded(
            c.source
                .fields
                .iter()
                .map(|f| FieldView {
                    name: f.name.clone(),
                    value: f.value.clone(),
                })
                .collect(),
            slots,
        ),
        locked: c.account.locked,
        bot: c.account.bot,
        discoverable: c.source.discoverable,
        hide_collections: c.source.hide_collections,
        attribution_domains: c.source.attribution_domains.join("\n"),
    }
}

/// The fields as typed, in their slots (blank ones kept, so each stays where it was typed).
fn typed_fields(v: &Option<Value>, slots: usize) -> Vec<FieldView> {
    let get = |item: &Value, key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut out: Vec<FieldView> = Vec::new();
    if let Some(Value::Object(m)) = v {
        let mut entries: Vec<(&String, &Value)> = m.iter().collect();
        entries.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(u32::MAX));
        out = entries
            .into_iter()
            .map(|(_, item)| FieldView {
                name: get(item, "name"),
                value: get(item, "value"),
            })
            .collect();
    }
    padded(out, slots)
}

async fn draw(
    state: &AppState,
    me: &SignedIn,
    view: &ProfileView,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let creds = profile::credentials(state, me.account_id()).await?;
    let mut ctx = settings_context(state, me, "profile");
    ctx.insert("form", view);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    ctx.insert("avatar", &creds.account.avatar);
    ctx.insert("header", &creds.account.header);
    ctx.insert("has_avatar", &!me.me.account.avatar_file.is_empty());
    ctx.insert("has_header", &!me.me.account.header_file.is_empty());
    let limits = &state.config.limits;
    ctx.insert("max_display_name", &limits.max_display_name_length);
    ctx.insert("max_note", &limits.max_note_length);
    Ok(render_status(state, status, "settings/profile.html", &ctx))
}

/// `GET /settings/profile`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result = async {
        let creds = profile::credentials(&state, me.account_id()).await?;
        let view = view_of(&creds, state.config.limits.max_profile_fields as usize);
        draw(
            &state,
            &me,
            &view,
            &HashMap::new(),
            q.is_saved(),
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

/// `POST /settings/profile` (multipart): the same change `update_credentials` makes.
pub async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfUpload<ProfileForm>,
) -> Response {
    let slots = state.config.limits.max_profile_fields as usize;
    let f = form.data;
    let view = ProfileView {
        display_name: f.display_name.clone(),
        note: f.note.clone(),
        fields: typed_fields(&f.fields_attributes, slots),
        locked: ticked(&f.locked),
        bot: ticked(&f.bot),
        discoverable: ticked(&f.discoverable),
        hide_collections: ticked(&f.hide_collections),
        attribution_domains: f.attribution_domains.clone(),
    };
    let result: Result<(), (AppError, &str)> = async {
        // A file input left empty still posts a part with no name and no bytes.
        let mut images = Vec::new();
        for (field, which) in [
            ("avatar", ProfileImage::Avatar),
            ("header", ProfileImage::Header),
        ] {
            if let Some(file) = form
                .files
                .iter()
                .find(|f| f.field == field && !f.bytes.is_empty())
            {
                let prepared = profile::prepare_image(&state, which, file)
                    .await
                    .map_err(|e| (e, field))?;
                images.push(prepared);
            }
        }
        let fields = f
            .fields_attributes
            .map(profile::fields_from_attributes)
            .transpose()
            .map_err(|e| (e, "fields"))?;
        let change = ProfileChange {
            display_name: Some(f.display_name),
            note: Some(f.note),
            locked: Some(view.locked),
            bot: Some(view.bot),
            discoverable: Some(view.discoverable),
            fields: Some(fields.unwrap_or_default()),
            hide_collections: Some(view.hide_collections),
            attribution_domains: Some(f.attribution_domains.lines().map(str::to_string).collect()),
            images,
            ..ProfileChange::default()
        };
        profile::update(&state, &me.me, change)
            .await
            .map_err(|e| (e, "form"))
    }
    .await;
    match result {
        Ok(()) => saved("/settings/profile"),
        Err((e, field)) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = localized_errors(me.session.locale, &e, field);
            draw(
                &state,
                &me,
                &view,
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| me.error(&state, e))
        }
        Err((e, _)) => me.error(&state, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /settings/profile/{avatar,header}/delete`: back to the default image.
pub async fn remove_image(
    State(state): State<AppState>,
    me: SignedIn,
    Path(image): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let which = match image.as_str() {
        "avatar" => ProfileImage::Avatar,
        "header" => ProfileImage::Header,
        _ => return me.error(&state, AppError::not_found()),
    };
    match profile::remove_image(&state, &me.me, which).await {
        Ok(()) => saved("/settings/profile"),
        Err(e) => me.error(&state, e),
    }
}

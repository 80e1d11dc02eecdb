//! What the co-op's site adds outside the ledger (issue 15): standing for election and
//! withdrawing on `/proposals/ID`, moderators' internal notes on `/moderation/reports/ID`, and
//! on `/admin` the domain allows (each under a cited clause, as blocks are) and invites. Every
//! form is CSRF-checked and calls the service the API calls; a refusal shows the page again
//! with the message beside the form (422), or the error page when the viewer may not act.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use tera::Context;

use super::form::{CsrfForm, SignedIn};
use crate::error::{AppError, AppResult};
use crate::services::{candidacy, invites, moderation, report_notes};
use crate::state::AppState;

/// The routes of these forms, merged into `web::routes` with one line.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}/candidates", post(stand))
        .route("/proposals/{id}/candidates/withdraw", post(withdraw))
        .route("/moderation/reports/{id}/notes", post(add_note))
        .route(
            "/moderation/reports/{id}/notes/{note}/delete",
            post(delete_note),
        )
        .route("/admin/domain_allows", post(allow_domain))
        .route("/admin/domain_allows/{id}/delete", post(disallow_domain))
        .route("/admin/invites", post(create_invite))
        .route("/admin/invites/{id}/revoke", post(revoke_invite))
}

fn parse_id(id: &str) -> AppResult<i64> {
    id.trim().parse().map_err(|_| AppError::not_found())
}

fn back(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [("location", to.to_string())]).into_response()
}

/// A refusal's message: the field's (from the details) or the error's own.
fn message(e: &AppError) -> String {
    if let Some(details) = e.details.as_ref().and_then(|d| d.as_object()) {
        if let Some((field, list)) = details.iter().next() {
            if let Some(text) = list.get(0).and_then(|x| x["description"].as_str()) {
                return format!("{field} {text}");
            }
        }
    }
    e.description.clone().unwrap_or_else(|| e.message.clone())
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

// ---------------------------------------------------------------- standing for election

async fn candidacy_change(state: &AppState, s: &SignedIn, id: &str, stand: bool) -> Response {
    let done = async {
        let pid = parse_id(id)?;
        let r = if stand {
            candidacy::stand(state, s.account_id(), pid).await
        } else {
            candidacy::withdraw(state, s.account_id(), pid).await
        };
        Ok::<_, AppError>((pid, r))
    }
    .await;
    match done {
        Ok((pid, Ok(_))) => back(&format!("/proposals/{pid}#candidates-h")),
        Ok((pid, Err(e))) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            super::proposals::page_with_error(state, s, pid, "candidacy", message(&e))
                .await
                .unwrap_or_else(|e| s.error(state, e))
        }
        Ok((_, Err(e))) | Err(e) => s.error(state, e),
    }
}

/// `POST /proposals/ID/candidates`: the member stands in the election.
async fn stand(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    candidacy_change(&state, &s, &id, true).await
}

/// `POST /proposals/ID/candidates/withdraw`: the member withdraws their candidacy.
async fn withdraw(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    candidacy_change(&state, &s, &id, false).await
}

/// What the proposal page shows about candidacy: whether I stand.
pub fn candidacy_context(ctx: &mut Context, me: i64, options: &[String]) {
    ctx.insert("i_stand", &options.contains(&me.to_string()));
}

// ---------------------------------------------------------------- report notes

/// A note being written (kept after a refusal) and its message.
#[derive(Debug, Default, Serialize)]
pub struct NoteDraft {
    pub content: String,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    content: String,
}

/// The report's notes for the report page (none for a moderator who is a party to it).
pub async fn notes_context(
    state: &AppState,
    s: &SignedIn,
    report_id: i64,
    ctx: &mut Context,
    draft: &NoteDraft,
) {
    let notes = report_notes::list(state, s.account_id(), report_id)
        .await
        .ok();
    ctx.insert("report_notes", &notes);
    ctx.insert("note_max", &report_notes::MAX_CHARS);
    ctx.insert("note", draft);
}

/// `POST /moderation/reports/ID/notes`.
async fn add_note(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Response {
    let rid = match parse_id(&id) {
        Ok(rid) => rid,
        Err(e) => return s.error(&state, e),
    };
    match report_notes::add(&state, s.account_id(), rid, &form.content).await {
        Ok(_) => back(&format!("/moderation/reports/{rid}#notes-h")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let draft = NoteDraft {
                content: form.content,
                error: Some(message(&e)),
            };
            super::moderation::report_with_note(&state, &s, rid, &draft)
                .await
                .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

/// `POST /moderation/reports/ID/notes/NOTE/delete`.
async fn delete_note(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, note)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    let done = async {
        let rid = parse_id(&id)?;
        report_notes::delete(&state, s.account_id(), rid, parse_id(&note)?).await?;
        Ok::<_, AppError>(rid)
    }
    .await;
    match done {
        Ok(rid) => back(&format!("/moderation/reports/{rid}#notes-h")),
        Err(e) => s.error(&state, e),
    }
}

// ---------------------------------------------------------------- /admin

/// What the admin page's own forms hold after a refusal, and an invite's code once made.
#[derive(Debug, Default, Serialize)]
pub struct AdminDraft {
    /// Which form the errors belong to: `allow`, `disallow-ID`, `invite`, `revoke-ID`.
    pub form: String,
    pub errors: HashMap<String, String>,
    pub domain: String,
    pub policy_clause: String,
    pub max_uses: String,
    pub expires_in_days: String,
    /// A new invite's code and link, shown once.
    pub new_code: Option<String>,
    /// The instance settings as typed, when the settings form was refused (web::admin_settings).
    pub settings: Option<std::collections::BTreeMap<String, String>>,
}

/// The admin page's domain allows (for moderators) and invites (for admins only).
pub async fn admin_context(
    state: &AppState,
    s: &SignedIn,
    ctx: &mut Context,
    draft: &AdminDraft,
) -> AppResult<()> {
    let allows: Vec<serde_json::Value> = moderation::domain_allows(state, s.account_id())
        .await?
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id.to_string(),
                "domain": a.domain,
                "policy_clause": a.citation,
                "created_at": crate::time::iso(a.created_at),
            })
        })
        .collect();
    ctx.insert("domain_allows", &allows);
    let invite_list = invites::list(state, s.account_id()).await.ok();
    // The instance settings an admin may change (web::admin_settings), for admins only.
    match crate::services::instance_settings::for_admin(state, s.account_id()).await {
        Ok(current) => {
            let shown = draft
                .settings
                .clone()
                .unwrap_or_else(|| current.as_fields());
            ctx.insert("instance_settings", &shown);
            ctx.insert("instance_feeds", &crate::services::instance_settings::FEEDS);
            ctx.insert(
                "instance_registrations",
                state.config.registrations.mode.as_str(),
            );
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => {}
        Err(e) => return Err(e),
    }
    ctx.insert("invites", &invite_list);
    ctx.insert("invite_max_uses", &invites::MAX_USES);
    ctx.insert("invite_max_days", &invites::MAX_DAYS);
    ctx.insert("admin_draft", draft);
    let link = draft
        .new_code
        .as_ref()
        .map(|c| format!("{}/auth/sign_up?invite={c}", state.config.base_url()));
    ctx.insert("new_invite_link", &link);
    Ok(())
}

async fn admin_again(state: &AppState, s: &SignedIn, e: AppError, draft: AdminDraft) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return s.error(state, e);
    }
    let field = e
        .details
        .as_ref()
        .and_then(|d| d.as_object())
        .and_then(|m| m.keys().next().cloned())
        .unwrap_or_else(|| "policy_clause".to_string());
    let mut draft = draft;
    let text = super::admin_messages::message(s.session.locale, &e, message(&e));
    draft.errors.insert(field, text);
    super::moderation::admin_with(state, s, &draft, StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .unwrap_or_else(|e| s.error(state, e))
}

#[derive(Debug, Default, Deserialize)]
pub struct AllowForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    policy_clause: String,
}

fn clause(c: &str) -> Option<&str> {
    Some(c).filter(|c| !c.trim().is_empty())
}

/// `POST /admin/domain_allows`: the service behind `POST /api/v1/admin/domain_allows`.
async fn allow_domain(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm<AllowForm>,
) -> Response {
    let r = moderation::create_domain_allow(
        &state,
        s.account_id(),
        Some(form.domain.trim()),
        clause(&form.policy_clause),
    )
    .await;
    match r {
        Ok(_) => back("/admin#allows-h"),
        Err(e) => {
            let draft = AdminDraft {
                form: "allow".into(),
                domain: form.domain,
                policy_clause: form.policy_clause,
                ..AdminDraft::default()
            };
            admin_again(&state, &s, e, draft).await
        }
    }
}

/// `POST /admin/domain_allows/ID/delete`: lifts an allow under a cited clause.
async fn disallow_domain(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AllowForm>,
) -> Response {
    let r = match parse_id(&id) {
        Ok(aid) => {
            moderation::delete_domain_allow(
                &state,
                s.account_id(),
                aid,
                clause(&form.policy_clause),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => back("/admin#allows-h"),
        Err(e) => {
            let draft = AdminDraft {
                form: format!("disallow-{id}"),
                ..AdminDraft::default()
            };
            admin_again(&state, &s, e, draft).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    expires_in_days: String,
}

/// An optional whole number typed into a form field.
fn optional_number(field: &str, v: &str) -> AppResult<Option<i64>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::validation(field, "ERR_INVALID", "must be a whole number"))
}

/// `POST /admin/invites`: makes an invite and shows its code once (no redirect: the code is
/// not kept, so the page that shows it is this answer).
async fn create_invite(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Response {
    let made = async {
        let uses = optional_number("max_uses", &form.max_uses)?;
        let days = optional_number("expires_in_days", &form.expires_in_days)?;
        invites::create(&state, s.account_id(), uses, days).await
    }
    .await;
    match made {
        Ok(code) => {
            let draft = AdminDraft {
                new_code: Some(code),
                ..AdminDraft::default()
            };
            super::moderation::admin_with(&state, &s, &draft, StatusCode::OK)
                .await
                .map(crate::http::compression::one_time_secret)
                .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => {
            let draft = AdminDraft {
                form: "invite".into(),
                max_uses: form.max_uses,
                expires_in_days: form.expires_in_days,
                ..AdminDraft::default()
            };
            admin_again(&state, &s, e, draft).await
        }
    }
}

/// `POST /admin/invites/ID/revoke`.
async fn revoke_invite(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    let r = match parse_id(&id) {
        Ok(iid) => invites::revoke(&state, s.account_id(), iid).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => back("/admin#invites-h"),
        Err(e) => s.error(&state, e),
    }
}

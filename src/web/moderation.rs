//! The moderation pages (issue 15): the reports queue and a report, an account's moderation
//! record, the appeals queue, the moderation log, a member's own strikes, and the admin
//! dashboard (sign-ups, domain blocks). Each form posts the admin API's field names
//! (`type`, `policy_clause`, `text`), is CSRF-checked, and calls the service the API calls,
//! so the moderation gate decides for both: an action must cite a clause of a policy in force
//! that permits its sanction, else the form comes back (422) with the message beside the
//! field and nothing written. The action form offers only the clauses that permit the chosen
//! sanction (chosen with a plain GET form, so it works without scripts); a viewer the services
//! would refuse gets the error page, never the form.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use herd_governance::bylaws::Sanction;
use serde::{Deserialize, Serialize};
use tera::Context;

use super::form::{CsrfForm, SignedIn};
use super::templates::{error_page, error_page_in, page_context, render_status};
use crate::admin_queries::AccountOrigin;
use crate::error::{AppError, AppResult};
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::i18n::Locale;
use crate::services::moderation::{self as svc, AccountAction, ActionInput, DomainBlockInput};
use crate::services::moderation_desk as desk;
use crate::services::{admin, moderation};
use crate::state::AppState;

/// The routes of these pages, merged into `web::routes` with one line.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/moderation", get(queue))
        .route("/moderation/reports/{id}", get(report))
        .route("/moderation/reports/{id}/action", post(report_action))
        .route("/moderation/reports/{id}/{change}", post(report_change))
        .route("/moderation/accounts/{id}", get(account))
        .route("/moderation/accounts/{id}/action", post(account_action))
        .route("/moderation/accounts/{id}/lift/{reversal}", post(lift))
        .route("/moderation/appeals", get(appeals))
        .route("/moderation/appeals/{id}/{decision}", post(decide))
        .route("/moderation/log", get(log))
        .route("/strikes", get(strikes))
        .route("/strikes/{id}/appeal", post(appeal))
        .route("/admin", get(dashboard))
        .route("/admin/accounts/{id}/{decision}", post(signup_decision))
        .route("/admin/domain_blocks", post(block_domain))
        .route("/admin/domain_blocks/{id}/delete", post(unblock_domain))
}

/// The account sanctions, in the order the form lists them.
const ACCOUNT_SANCTIONS: [&str; 5] = ["warn", "sensitive", "silence", "suspend", "disable"];

type Errors = HashMap<String, String>;

/// The messages of a refusal by field (the API's `details`), else under `fallback`.
fn field_errors(err: &AppError, fallback: &str) -> Errors {
    let mut out = Errors::new();
    if let Some(details) = err.details.as_ref().and_then(|d| d.as_object()) {
        for (field, list) in details {
            if let Some(text) = list.get(0).and_then(|e| e["description"].as_str()) {
                out.insert(field.clone(), text.to_string());
            }
        }
    }
    if out.is_empty() {
        let text = err.description.as_deref().unwrap_or(&err.message);
        out.insert(fallback.to_string(), text.to_string());
    }
    out
}

fn parse_id(id: &str) -> AppResult<i64> {
    id.trim().parse().map_err(|_| AppError::not_found())
}

fn back(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [("location", to.to_string())]).into_response()
}

fn ctx_for(state: &AppState, s: &SignedIn) -> Context {
    let mut ctx = page_context(state, &s.session, Some(&s.me.account.username));
    ctx.insert("signed_in_id", &s.account_id().to_string());
    ctx
}

// ---------------------------------------------------------------- the action form

#[derive(Debug, Default, Deserialize)]
pub struct SanctionQuery {
    #[serde(default)]
    sanction: Option<String>,
}

/// What the action form holds (the admin API's names).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ActionForm {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    policy_clause: String,
    #[serde(default)]
    text: String,
}

/// The chosen sanction (warn unless a known one is asked for) and the clauses that permit it.
async fn action_context(
    state: &AppState,
    ctx: &mut Context,
    chosen: Option<&str>,
    form: &ActionForm,
    errors: &Errors,
) -> AppResult<()> {
    let chosen = chosen
        .filter(|k| ACCOUNT_SANCTIONS.contains(k))
        .unwrap_or("warn");
    let sanction = AccountAction::parse(chosen)?.sanction();
    ctx.insert("sanctions", &ACCOUNT_SANCTIONS);
    ctx.insert("sanction", chosen);
    ctx.insert("clauses", &desk::permitting(state, &[sanction]).await?);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    Ok(())
}

/// Takes an account action through the service behind `POST /api/v1/admin/accounts/:id/action`.
async fn act(
    state: &AppState,
    me: i64,
    target: i64,
    form: &ActionForm,
    report_id: Option<String>,
) -> AppResult<()> {
    let input = ActionInput {
        action: AccountAction::parse(&form.kind)?,
        report_id,
        text: form.text.trim().to_string(),
        policy_clause: Some(form.policy_clause.clone()).filter(|c| !c.trim().is_empty()),
    };
    svc::act_on_account(state, me, target, input)
        .await
        .map(drop)
}

// ---------------------------------------------------------------- reports

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// `GET /moderation`: the reports queue, open or resolved, by origin and category.
async fn queue(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<QueueQuery>,
) -> Response {
    let result = async {
        let resolved = q
            .resolved
            .as_deref()
            .is_some_and(|v| v == "1" || v == "true");
        let origin = match q.origin.as_deref().unwrap_or("") {
            "local" => Some(AccountOrigin::Local),
            "remote" => Some(AccountOrigin::Remote),
            "" => None,
            _ => return Err(AppError::not_found()),
        };
        let page = q.page.page(20, 40);
        let (reports, cursors) = desk::queue(
            &state,
            s.account_id(),
            resolved,
            origin,
            q.category.as_deref(),
            &page,
        )
        .await?;
        let mut ctx = ctx_for(&state, &s);
        // The pager keeps the filters.
        let mut filters = url::form_urlencoded::Serializer::new(String::new());
        if resolved {
            filters.append_pair("resolved", "1");
        }
        for (k, v) in [("origin", &q.origin), ("category", &q.category)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                filters.append_pair(k, v);
            }
        }
        let filters = filters.finish();
        super::public::pager(&mut ctx, "/moderation", &page, &cursors);
        if !filters.is_empty() {
            for key in ["older", "newer"] {
                if let Some(v) = ctx.get(key).and_then(|v| v.as_str()).map(String::from) {
                    if !v.is_empty() {
                        let sep = if v.contains('?') { '&' } else { '?' };
                        ctx.insert(key, &format!("{v}{sep}{filters}"));
                    }
                }
            }
        }
        ctx.insert("reports", &reports);
        ctx.insert("resolved", &resolved);
        ctx.insert("origin", q.origin.as_deref().unwrap_or(""));
        ctx.insert("category", q.category.as_deref().unwrap_or(""));
        ctx.insert("categories", moderation::CATEGORIES);
        Ok(render_status(
            &state,
            StatusCode::OK,
            "moderation/queue.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| s.error(&state, e))
}

async fn report_page(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    chosen: Option<&str>,
    form: &ActionForm,
    errors: &Errors,
    status: StatusCode,
) -> AppResult<Response> {
    report_page_with(
        state,
        s,
        id,
        chosen,
        form,
        errors,
        status,
        &Default::default(),
    )
    .await
}

/// The report page with a note being written and its message (from `web::govadmin`).
pub(super) async fn report_with_note(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    note: &super::govadmin::NoteDraft,
) -> AppResult<Response> {
    let id = id.to_string();
    let (form, errors) = (ActionForm::default(), Errors::new());
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    report_page_with(state, s, &id, None, &form, &errors, status, note).await
}

#[allow(clippy::too_many_arguments)]
async fn report_page_with(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    chosen: Option<&str>,
    form: &ActionForm,
    errors: &Errors,
    status: StatusCode,
    note: &super::govadmin::NoteDraft,
) -> AppResult<Response> {
    let id = parse_id(id)?;
    let report = admin::report(state, s.account_id(), id).await?;
    let mut ctx = ctx_for(state, s);
    let target = report["target_account"]["id"].as_str().unwrap_or("");
    // The gate refuses an action on one's own account: the form is not offered.
    ctx.insert("can_act", &(target != s.account_id().to_string()));
    let here = format!("/moderation/reports/{id}");
    ctx.insert("action_path", &format!("{here}/action"));
    ctx.insert("here", &here);
    ctx.insert("report", &report);
    action_context(state, &mut ctx, chosen, form, errors).await?;
    super::govadmin::notes_context(state, s, id, &mut ctx, note).await;
    Ok(render_status(state, status, "moderation/report.html", &ctx))
}

/// `GET /moderation/reports/{id}`: the report, its posts and rules, and the action form.
async fn report(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SanctionQuery>,
) -> Response {
    let form = ActionForm::default();
    report_page(
        &state,
        &s,
        &id,
        q.sanction.as_deref(),
        &form,
        &Errors::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| s.error(&state, e))
}

/// `POST /moderation/reports/{id}/action`: a sanction on the reported account, resolving the
/// report (as the admin API's action with `report_id`).
async fn report_action(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    let done = async {
        let rid = parse_id(&id)?;
        let r = svc::get_report(&state, s.account_id(), rid).await?;
        act(
            &state,
            s.account_id(),
            r.target_account_id,
            &form,
            Some(rid.to_string()),
        )
        .await
    }
    .await;
    match done {
        Ok(()) => back(&format!("/moderation/reports/{id}")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = field_errors(&e, "policy_clause");
            report_page(
                &state,
                &s,
                &id,
                Some(&form.kind),
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// `POST /moderation/reports/{id}/{assign_to_self|unassign|resolve|reopen}`.
async fn report_change(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, change)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    let done = async {
        let change = match change.as_str() {
            "assign_to_self" => svc::ReportChange::AssignToSelf,
            "unassign" => svc::ReportChange::Unassign,
            "resolve" => svc::ReportChange::Resolve,
            "reopen" => svc::ReportChange::Reopen,
            _ => return Err(AppError::not_found()),
        };
        svc::change_report(&state, s.account_id(), parse_id(&id)?, change).await
    }
    .await;
    match done {
        Ok(_) => back(&format!("/moderation/reports/{id}")),
        Err(e) => s.error(&state, e),
    }
}

// ---------------------------------------------------------------- accounts

/// The sanctions a moderator can lift from an account's page: (Admin::Account flag, the
/// reversal's name, the sanction it lifts).
const LIFTS: [(&str, &str, Sanction); 4] = [
    ("suspended", "unsuspend", Sanction::Suspend),
    ("silenced", "unsilence", Sanction::Silence),
    ("sensitized", "unsensitive", Sanction::Sensitive),
    ("disabled", "enable", Sanction::Disable),
];

#[derive(Serialize)]
struct Lift {
    name: &'static str,
    clauses: Vec<desk::ClauseOption>,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    chosen: Option<&str>,
    form: &ActionForm,
    errors: &Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let id = parse_id(id)?;
    let record = desk::account_record(state, s.account_id(), id).await?;
    let mut ctx = ctx_for(state, s);
    ctx.insert("can_act", &(id != s.account_id()));
    let here = format!("/moderation/accounts/{id}");
    ctx.insert("action_path", &format!("{here}/action"));
    ctx.insert("here", &here);
    // A form to lift each sanction in effect, offering the clauses that govern it (lifting
    // cites a clause in force; the service checks it).
    let mut lifts = Vec::new();
    for (flag, name, sanction) in LIFTS {
        if record.account[flag] == true && id != s.account_id() {
            lifts.push(Lift {
                name,
                clauses: desk::permitting(state, &[sanction]).await?,
                error: errors.get(&format!("lift-{name}")).cloned(),
            });
        }
    }
    ctx.insert("lifts", &lifts);
    ctx.insert("record", &record);
    action_context(state, &mut ctx, chosen, form, errors).await?;
    Ok(render_status(
        state,
        status,
        "moderation/account.html",
        &ctx,
    ))
}

/// `GET /moderation/accounts/{id}`: strikes, reports about it, previous actions, the form.
async fn account(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SanctionQuery>,
) -> Response {
    let form = ActionForm::default();
    account_page(
        &state,
        &s,
        &id,
        q.sanction.as_deref(),
        &form,
        &Errors::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| s.error(&state, e))
}

/// `POST /moderation/accounts/{id}/action`.
async fn account_action(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    let done = async { act(&state, s.account_id(), parse_id(&id)?, &form, None).await }.await;
    match done {
        Ok(()) => back(&format!("/moderation/accounts/{id}")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = field_errors(&e, "policy_clause");
            account_page(
                &state,
                &s,
                &id,
                Some(&form.kind),
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

/// `POST /moderation/accounts/{id}/lift/{unsuspend|unsilence|unsensitive|enable}`: the
/// service behind the admin API's reversals.
async fn lift(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CitedForm>,
) -> Response {
    let done = async {
        let reversal = match name.as_str() {
            "unsuspend" => svc::Reversal::Unsuspend,
            "unsilence" => svc::Reversal::Unsilence,
            "unsensitive" => svc::Reversal::Unsensitive,
            "enable" => svc::Reversal::Enable,
            _ => return Err(AppError::not_found()),
        };
        let clause = Some(form.policy_clause.as_str()).filter(|c| !c.trim().is_empty());
        svc::reverse(
            &state,
            s.account_id(),
            parse_id(&id)?,
            reversal,
            clause,
            form.text.trim(),
        )
        .await
    }
    .await;
    match done {
        Ok(()) => back(&format!("/moderation/accounts/{id}")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let text = field_errors(&e, "policy_clause")
                .into_values()
                .collect::<Vec<_>>()
                .join(" ");
            let mut errors = Errors::new();
            errors.insert(format!("lift-{name}"), text);
            account_page(
                &state,
                &s,
                &id,
                None,
                &ActionForm::default(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

// ---------------------------------------------------------------- appeals

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn appeals_page(
    state: &AppState,
    s: &SignedIn,
    p: &PageParams,
    errors: &HashMap<String, Errors>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = p.page(20, 40);
    let (list, cursors) = svc::appeals(state, s.account_id(), Some("pending"), &page).await?;
    let mut ctx = ctx_for(state, s);
    super::public::pager(&mut ctx, "/moderation/appeals", &page, &cursors);
    ctx.insert("appeals", &list);
    ctx.insert("me", &s.account_id().to_string());
    ctx.insert("errors", errors);
    Ok(render_status(
        state,
        status,
        "moderation/appeals.html",
        &ctx,
    ))
}

/// `GET /moderation/appeals`: the pending appeals; an appeal of one's own action is listed
/// without the decision form (the service refuses that moderator).
async fn appeals(
    State(state): State<AppState>,
    s: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    appeals_page(&state, &s, &p, &HashMap::new(), StatusCode::OK)
        .await
        .unwrap_or_else(|e| s.error(&state, e))
}

/// `POST /moderation/appeals/{id}/{approve|reject}`.
async fn decide(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Response {
    let done = async {
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::not_found()),
        };
        svc::decide_appeal(
            &state,
            s.account_id(),
            parse_id(&id)?,
            approve,
            form.reason.trim(),
        )
        .await
    }
    .await;
    match done {
        Ok(_) => back("/moderation/appeals"),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            errors.insert(id.clone(), field_errors(&e, "reason"));
            appeals_page(
                &state,
                &s,
                &PageParams::default(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

// ---------------------------------------------------------------- the log and strikes

/// `GET /moderation/log`: whoever the moderation policy lets read it (the service decides:
/// members, or anyone when the policy makes it public).
async fn log(
    State(state): State<AppState>,
    session: WebSession,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let page = p.page(40, 80);
        // A session's member is checked as everywhere (a disabled login or a suspended
        // account reads nothing but its strikes), as the API checks a user's token.
        let viewer = match session.account_id {
            Some(id) => Some(
                crate::services::accounts::session_user(&state, id)
                    .await?
                    .account
                    .id,
            ),
            None => None,
        };
        let (entries, cursors) = match svc::log(&state, viewer, &page).await {
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                return Ok(
                    Redirect::to("/auth/sign_in?return_to=%2Fmoderation%2Flog").into_response()
                )
            }
            other => other?,
        };
        let name = super::auth::username_of(&state, &session).await?;
        let mut ctx = page_context(&state, &session, name.as_deref());
        super::public::pager(&mut ctx, "/moderation/log", &page, &cursors);
        ctx.insert("entries", &entries);
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "moderation/log.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AppealForm {
    #[serde(default)]
    text: String,
}

#[derive(Serialize)]
struct StrikeView {
    #[serde(flatten)]
    strike: crate::entities::coop::Strike,
    can_appeal: bool,
}

async fn strikes_page(
    state: &AppState,
    s: &SignedIn,
    p: &PageParams,
    errors: &HashMap<String, Errors>,
    typed: &HashMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = p.page(20, 40);
    let (list, cursors) = svc::my_strikes(state, s.account_id(), &page).await?;
    let now = crate::time::iso(state.clock.now_micros());
    // The form is offered only while an appeal can be made (the service re-checks); ISO
    // times of one format compare as strings.
    let list: Vec<StrikeView> = list
        .into_iter()
        .map(|strike| StrikeView {
            can_appeal: strike.appeal.is_none()
                && strike.overruled_at.is_none()
                && strike
                    .appealable_until
                    .as_deref()
                    .is_none_or(|until| until > now.as_str()),
            strike,
        })
        .collect();
    let mut ctx = ctx_for(state, s);
    super::public::pager(&mut ctx, "/strikes", &page, &cursors);
    ctx.insert("strikes", &list);
    ctx.insert("errors", errors);
    ctx.insert("typed", typed);
    Ok(render_status(
        state,
        status,
        "moderation/strikes.html",
        &ctx,
    ))
}

/// The signed-in member for `/strikes`, who may be disabled or suspended (the service says
/// who may read their strikes); without a session, the sign-in page that comes back here.
pub struct StrikesReader(SignedIn);

impl FromRequestParts<AppState> for StrikesReader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = WebSession::from_request_parts(parts, state)
            .await
            .map_err(|e| error_page_in(state, Locale::from_headers(&parts.headers), "", e))?;
        let Some(id) = session.account_id else {
            return Err(Redirect::to("/auth/sign_in?return_to=%2Fstrikes").into_response());
        };
        match desk::strikes_reader(state, id).await {
            Ok(me) => Ok(StrikesReader(SignedIn { session, me })),
            Err(e) => Err(error_page(state, &session, e)),
        }
    }
}

/// `GET /strikes`: my strikes, each with the clause it cites and, while appealable, a form.
async fn strikes(
    State(state): State<AppState>,
    StrikesReader(s): StrikesReader,
    Query(p): Query<PageParams>,
) -> Response {
    strikes_page(
        &state,
        &s,
        &p,
        &HashMap::new(),
        &HashMap::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| s.error(&state, e))
}

/// `POST /strikes/{id}/appeal`: the service behind `POST moderation/strikes/:id/appeal`.
async fn appeal(
    State(state): State<AppState>,
    StrikesReader(s): StrikesReader,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AppealForm>,
) -> Response {
    let done =
        async { svc::appeal(&state, s.account_id(), parse_id(&id)?, &form.text).await }.await;
    match done {
        Ok(_) => back("/strikes"),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            errors.insert(id.clone(), field_errors(&e, "text"));
            let mut typed = HashMap::new();
            typed.insert(id.clone(), form.text.clone());
            strikes_page(
                &state,
                &s,
                &PageParams::default(),
                &errors,
                &typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| s.error(&state, e))
        }
        Err(e) => s.error(&state, e),
    }
}

// ---------------------------------------------------------------- admin

#[derive(Debug, Default, Deserialize)]
pub struct SeverityQuery {
    #[serde(default)]
    severity: Option<String>,
}

/// What the domain block form holds (the admin API's names).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct BlockForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    policy_clause: String,
    #[serde(default)]
    public_comment: String,
    #[serde(default)]
    private_comment: String,
    #[serde(default)]
    obfuscate: Option<String>,
}

/// What a sign-up decision or a block's removal posts.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CitedForm {
    #[serde(default)]
    policy_clause: String,
    #[serde(default)]
    text: String,
}

fn block_sanction(severity: &str) -> Sanction {
    if severity == "suspend" {
        Sanction::DomainBlock
    } else {
        Sanction::DomainSilence
    }
}

/// Which form an error belongs to on the dashboard: `block`, or an account or block id.
struct DashboardErrors<'a> {
    form: &'a str,
    errors: Errors,
}

/// The admin page with the state of `web::govadmin`'s forms (allows, invites).
pub(super) async fn admin_with(
    state: &AppState,
    s: &SignedIn,
    draft: &super::govadmin::AdminDraft,
    status: StatusCode,
) -> AppResult<Response> {
    dashboard_page_with(state, s, None, &BlockForm::default(), None, status, draft).await
}

async fn dashboard_page(
    state: &AppState,
    s: &SignedIn,
    severity: Option<&str>,
    block: &BlockForm,
    failed: Option<DashboardErrors<'_>>,
    status: StatusCode,
) -> AppResult<Response> {
    let draft = Default::default();
    dashboard_page_with(state, s, severity, block, failed, status, &draft).await
}

async fn dashboard_page_with(
    state: &AppState,
    s: &SignedIn,
    severity: Option<&str>,
    block: &BlockForm,
    failed: Option<DashboardErrors<'_>>,
    status: StatusCode,
    draft: &super::govadmin::AdminDraft,
) -> AppResult<Response> {
    let board = desk::dashboard(state, s.account_id()).await?;
    let severity = match severity {
        Some("suspend") => "suspend",
        _ => "silence",
    };
    let mut ctx = ctx_for(state, s);
    ctx.insert("board", &board);
    ctx.insert("severity", severity);
    ctx.insert("block", block);
    ctx.insert(
        "block_clauses",
        &desk::permitting(state, &[block_sanction(severity)]).await?,
    );
    ctx.insert(
        "approve_clauses",
        &desk::permitting(state, &[Sanction::ApproveSignup]).await?,
    );
    ctx.insert(
        "reject_clauses",
        &desk::permitting(state, &[Sanction::RejectSignup]).await?,
    );
    // Lifting a block is a decision under any clause in force; the form offers those that
    // govern domain blocks.
    let mut lift = desk::permitting(state, &[Sanction::DomainBlock]).await?;
    for c in desk::permitting(state, &[Sanction::DomainSilence]).await? {
        if !lift.iter().any(|l| l.citation == c.citation) {
            lift.push(c);
        }
    }
    ctx.insert("lift_clauses", &lift);
    let (form, errors) = match failed {
        Some(f) => (f.form.to_string(), f.errors),
        None => (String::new(), Errors::new()),
    };
    ctx.insert("failed_form", &form);
    ctx.insert("errors", &errors);
    super::govadmin::admin_context(state, s, &mut ctx, draft).await?;
    Ok(render_status(state, status, "moderation/admin.html", &ctx))
}

/// `GET /admin`: pending sign-ups, domain blocks, counts.
async fn dashboard(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<SeverityQuery>,
) -> Response {
    let block = BlockForm::default();
    dashboard_page(
        &state,
        &s,
        q.severity.as_deref(),
        &block,
        None,
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| s.error(&state, e))
}

async fn dashboard_refused(
    state: &AppState,
    s: &SignedIn,
    e: AppError,
    form: &str,
    severity: Option<&str>,
    block: &BlockForm,
) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return s.error(state, e);
    }
    let mut errors = field_errors(&e, "policy_clause");
    super::admin_messages::localize_all(s.session.locale, &mut errors);
    let failed = DashboardErrors { form, errors };
    dashboard_page(
        state,
        s,
        severity,
        block,
        Some(failed),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap_or_else(|e| s.error(state, e))
}

/// `POST /admin/accounts/{id}/{approve|reject}`: a sign-up decision under a cited clause.
async fn signup_decision(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CitedForm>,
) -> Response {
    let done = async {
        let target = parse_id(&id)?;
        let clause = Some(form.policy_clause.as_str()).filter(|c| !c.trim().is_empty());
        match decision.as_str() {
            "approve" => {
                svc::approve(&state, s.account_id(), target, clause, form.text.trim()).await
            }
            "reject" => svc::reject(&state, s.account_id(), target, clause, form.text.trim()).await,
            _ => Err(AppError::not_found()),
        }
    }
    .await;
    match done {
        Ok(()) => back("/admin"),
        Err(e) => {
            let key = format!("{decision}-{id}");
            dashboard_refused(&state, &s, e, &key, None, &BlockForm::default()).await
        }
    }
}

/// `POST /admin/domain_blocks`: the service behind `POST /api/v1/admin/domain_blocks`.
async fn block_domain(
    State(state): State<AppState>,
    s: SignedIn,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> Response {
    let input = DomainBlockInput {
        domain: Some(form.domain.clone()),
        severity: Some(form.severity.clone()).filter(|v| !v.is_empty()),
        reject_media: false,
        reject_reports: false,
        private_comment: form.private_comment.trim().to_string(),
        public_comment: form.public_comment.trim().to_string(),
        obfuscate: form.obfuscate.as_deref().is_some_and(|v| !v.is_empty()),
        policy_clause: Some(form.policy_clause.clone()).filter(|c| !c.trim().is_empty()),
    };
    match svc::create_domain_block(&state, s.account_id(), input).await {
        Ok(_) => back("/admin"),
        Err(e) => {
            let severity = form.severity.clone();
            dashboard_refused(&state, &s, e, "block", Some(&severity), &form).await
        }
    }
}

/// `POST /admin/domain_blocks/{id}/delete`: lifts a block, citing the clause it is lifted under.
async fn unblock_domain(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CitedForm>,
) -> Response {
    let done = async {
        let clause = Some(form.policy_clause.as_str()).filter(|c| !c.trim().is_empty());
        svc::delete_domain_block(&state, s.account_id(), parse_id(&id)?, clause).await
    }
    .await;
    match done {
        Ok(_) => back("/admin"),
        Err(e) => {
            let key = format!("unblock-{id}");
            dashboard_refused(&state, &s, e, &key, None, &BlockForm::default()).await
        }
    }
}

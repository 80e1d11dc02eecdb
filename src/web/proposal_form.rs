//! `/proposals/new`: one form per kind the API accepts (general; policy and bylaws amendment
//! with the text in force prefilled and a clause-level preview computed on the server; role
//! election with its candidates; expense; membership admit or expel). The form posts the
//! API's names (`kind`, `title`, `body`, `options[]`, `payload[…]`), is read by the API's
//! `CreateProposal` and opens the proposal through the service the API calls.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::form::{CsrfForm, SignedIn};
use super::proposals::KINDS;
use super::templates::{page_context, render_status};
use crate::api::coop::proposals::CreateProposal;
use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::services::{amendment_preview, membership, policies, proposals as svc};
use crate::state::AppState;

/// How many option fields the general form offers.
const OPTION_FIELDS: usize = 6;

/// The form as typed, to show again.
#[derive(Debug, Default, Serialize)]
struct Typed {
    kind: String,
    title: String,
    body: String,
    urgent: bool,
    urgent_reason: String,
    hide_results: bool,
    secret: bool,
    options: Vec<String>,
    policy: String,
    text: String,
    role: String,
    seats: String,
    candidates: Vec<String>,
    expense_id: String,
    account_id: String,
    action: String,
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().map(|x| s(Some(x))).collect(),
        Some(Value::Object(m)) => {
            let mut keyed: Vec<(usize, String)> = m
                .iter()
                .map(|(k, x)| (k.parse().unwrap_or(usize::MAX), s(Some(x))))
                .collect();
            keyed.sort_by_key(|(i, _)| *i);
            keyed.into_iter().map(|(_, x)| x).collect()
        }
        Some(Value::String(x)) => vec![x.clone()],
        _ => Vec::new(),
    }
}

fn checked(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|x| !x.is_empty())
}

impl Typed {
    fn from_form(f: &Map<String, Value>) -> Typed {
        let payload = f.get("payload").cloned().unwrap_or(Value::Null);
        let p = |k: &str| s(payload.get(k));
        Typed {
            kind: s(f.get("kind")),
            title: s(f.get("title")),
            body: s(f.get("body")),
            urgent: checked(f.get("urgent")),
            urgent_reason: s(f.get("urgent_reason")),
            hide_results: checked(f.get("hide_results")),
            secret: checked(f.get("secret")),
            options: strings(f.get("options")),
            policy: p("policy"),
            text: p("text"),
            role: p("role"),
            seats: p("seats"),
            candidates: strings(payload.get("candidates")),
            expense_id: p("expense_id"),
            account_id: p("account_id"),
            action: p("action"),
        }
    }

    /// The API's body for this kind: blanks left out, the payload the kind takes.
    fn body(&self) -> Value {
        let mut b = Map::new();
        b.insert("kind".into(), self.kind.clone().into());
        b.insert("title".into(), self.title.clone().into());
        b.insert("body".into(), self.body.clone().into());
        if self.urgent {
            b.insert("urgent".into(), true.into());
            b.insert("urgent_reason".into(), self.urgent_reason.clone().into());
        }
        if self.hide_results {
            b.insert("hide_results".into(), true.into());
        }
        if self.secret {
            b.insert("secret".into(), true.into());
        }
        let options: Vec<Value> = self
            .options
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| Value::String(o.trim().to_string()))
            .collect();
        let payload = match self.kind.as_str() {
            "general" => {
                if !options.is_empty() {
                    b.insert("options".into(), Value::Array(options));
                }
                None
            }
            "policy_amendment" | "bylaws_amendment" => Some(serde_json::json!({
                "policy": if self.kind == "bylaws_amendment" { "bylaws" } else { self.policy.as_str() },
                "text": self.text,
            })),
            "role_election" => Some(serde_json::json!({
                "role": self.role,
                "seats": if self.seats.is_empty() { "1" } else { self.seats.as_str() },
                "candidates": self.candidates,
            })),
            "expense" => Some(serde_json::json!({ "expense_id": self.expense_id })),
            "membership" => Some(serde_json::json!({
                "account_id": self.account_id,
                "action": self.action,
            })),
            _ => None,
        };
        if let Some(p) = payload {
            b.insert("payload".into(), p);
        }
        Value::Object(b)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    policy: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn form_page(
    state: &AppState,
    signed: &SignedIn,
    typed: &Typed,
    errors: &HashMap<String, String>,
    preview: Option<Value>,
    status: StatusCode,
) -> AppResult<Response> {
    let me = signed.account_id();
    membership::require_reader(state, me).await?;
    let policies: Vec<Choice> = policies::list_in_force(state)
        .await?
        .into_iter()
        .filter(|p| p.row.slug != "bylaws")
        .map(|p| Choice {
            value: p.row.slug.clone(),
            label: p.doc.title.clone(),
        })
        .collect();
    let (roster, _) = membership::roster(state, me, Some("active"), &Page::first(80)).await?;
    let members: Vec<Choice> = roster
        .iter()
        .map(|m| Choice {
            value: m.id.clone(),
            label: format!("@{}", m.account.acct),
        })
        .collect();
    let mut typed_options = typed.options.clone();
    typed_options.resize(typed_options.len().max(OPTION_FIELDS), String::new());
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("here", "/proposals/new");
    ctx.insert("form", typed);
    ctx.insert("option_values", &typed_options);
    ctx.insert("errors", errors);
    ctx.insert("kinds", &KINDS);
    ctx.insert("policies", &policies);
    ctx.insert("members", &members);
    ctx.insert("roles", &crate::services::accounts::ROLES);
    ctx.insert("preview", &preview);
    ctx.insert(
        "can_propose",
        &membership::require_active(state, me, "propose")
            .await
            .is_ok(),
    );
    Ok(render_status(state, status, "proposals/new.html", &ctx))
}

/// `GET /proposals/new?kind=K` (`&policy=SLUG` prefills an amendment with the text in force).
pub async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<NewQuery>,
) -> Response {
    let result = async {
        let kind = q
            .kind
            .filter(|k| KINDS.contains(&k.as_str()))
            .unwrap_or_else(|| "general".into());
        let mut typed = Typed {
            kind: kind.clone(),
            seats: "1".into(),
            action: "admit".into(),
            ..Typed::default()
        };
        if kind == "policy_amendment" || kind == "bylaws_amendment" {
            let slug = if kind == "bylaws_amendment" {
                "bylaws".to_string()
            } else {
                q.policy.unwrap_or_else(|| "code-of-conduct".into())
            };
            if let Ok(current) = policies::version(&state, &slug, None).await {
                typed.text = current.row.source.clone();
            }
            typed.policy = slug;
        }
        form_page(
            &state,
            &signed,
            &typed,
            &HashMap::new(),
            None,
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// The field of the form a service error is about (`payload` errors name the kind's field).
fn field_of(e: &AppError, kind: &str) -> (String, String) {
    let (field, text) = e
        .details
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| m.iter().next())
        .map(|(k, v)| {
            (
                k.clone(),
                v[0]["description"].as_str().unwrap_or_default().to_string(),
            )
        })
        .unwrap_or_else(|| ("form".into(), e.message.clone()));
    let field = match (field.as_str(), kind) {
        ("payload", "policy_amendment" | "bylaws_amendment") => "text".to_string(),
        ("payload", "role_election") => "candidates".to_string(),
        ("payload", "expense") => "expense_id".to_string(),
        ("payload", "membership") => "account_id".to_string(),
        (f, _) if f.starts_with("options") => "options".to_string(),
        (f, _) => f.to_string(),
    };
    let message = if field == "form" {
        text
    } else {
        format!("{field} {text}")
    };
    (field, message)
}

/// `POST /proposals/new`: `preview` re-renders an amendment with its clause-level diff;
/// otherwise opens the proposal and goes to its page.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<Map<String, Value>>,
) -> Response {
    let result = async {
        let typed = Typed::from_form(&form);
        let amendment = typed.kind == "policy_amendment" || typed.kind == "bylaws_amendment";
        if form.contains_key("preview") && amendment {
            let slug = if typed.kind == "bylaws_amendment" {
                "bylaws"
            } else {
                typed.policy.as_str()
            };
            return match amendment_preview::preview(&state, signed.account_id(), slug, &typed.text)
                .await
            {
                Ok(diff) => {
                    form_page(
                        &state,
                        &signed,
                        &typed,
                        &HashMap::new(),
                        Some(diff),
                        StatusCode::OK,
                    )
                    .await
                }
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    let (f, m) = field_of(&e, &typed.kind);
                    form_page(
                        &state,
                        &signed,
                        &typed,
                        &HashMap::from([(f, m)]),
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
        }
        let opened = async {
            let body: CreateProposal = serde_json::from_value(typed.body())
                .map_err(|e| AppError::validation("form", "ERR_INVALID", &e.to_string()))?;
            svc::propose(&state, signed.account_id(), body.validate()?).await
        }
        .await;
        match opened {
            Ok(p) => Ok(Redirect::to(&format!("/proposals/{}", p.id)).into_response()),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                let (f, m) = field_of(&e, &typed.kind);
                form_page(
                    &state,
                    &signed,
                    &typed,
                    &HashMap::from([(f, m)]),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

//! The quarterly report (bylaws 5.4) as pages: `/ledger/reports` (the recent quarters and
//! which were published), `/ledger/reports/YYYY-QN` (income statement, balance sheet, budget
//! against actual, notable expenses; printable) and its "publish to the members" form for
//! treasurers. Who reads them is the ledger's rule (`services::quarterly_reports`).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::coop_site::{error_text, public_context};
use super::form::{CsrfForm, SignedIn};
use super::ledger_pages::{public_error, report_view};
use super::templates::{render, render_status};
use crate::error::{AppError, AppResult};
use crate::http::session::WebSession;
use crate::services::coop_site::money;
use crate::services::quarterly_reports::{self, QuarterReport};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger/reports", get(list))
        .route("/ledger/reports/{quarter}", get(show))
        .route("/ledger/reports/{quarter}/publish", post(publish))
}

/// `GET /ledger/reports`.
pub async fn list(State(state): State<AppState>, session: WebSession) -> Response {
    let result = async {
        let quarters = quarterly_reports::list(&state, session.account_id).await?;
        let mut ctx = public_context(&state, &session).await?;
        ctx.insert("quarters", &quarters);
        Ok::<_, AppError>(render(&state, "treasurer/reports.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| public_error(&state, &session, "/ledger/reports", e))
}

fn amounts(m: &BTreeMap<String, i64>) -> String {
    if m.values().all(|v| *v == 0) {
        return "0".into();
    }
    m.iter()
        .filter(|(_, v)| **v != 0)
        .map(|(c, v)| format!("{} {c}", money(*v, c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The balance sheet and the notable expenses with their amounts formatted.
fn view(r: &QuarterReport) -> Value {
    let b = &r.report.balance_sheet;
    let lines = |ls: &[herd_governance::ledger::Line]| -> Vec<Value> {
        ls.iter()
            .map(|l| json!({ "code": l.code, "name": l.name, "amount": amounts(&l.amounts) }))
            .collect()
    };
    let notable: Vec<Value> = r
        .notable
        .iter()
        .map(|n| {
            let date = crate::time::iso(n.occurred_at);
            json!({
                "id": n.transaction_id.to_string(),
                "date": date.get(..10).unwrap_or(&date),
                "memo": n.memo,
                "counterparty": n.counterparty,
                "account": n.account,
                "amount": format!("{} {}", money(n.amount, &n.currency), n.currency),
            })
        })
        .collect();
    json!({
        "assets": lines(&b.assets),
        "liabilities": lines(&b.liabilities),
        "equity": lines(&b.equity),
        "total_assets": amounts(&b.total_assets),
        "total_liabilities": amounts(&b.total_liabilities),
        "total_equity": amounts(&b.total_equity),
        "retained": amounts(&b.retained_earnings),
        "balanced": b.balanced,
        "notable": notable,
    })
}

async fn report_page(
    state: &AppState,
    session: &WebSession,
    quarter: &str,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let r = quarterly_reports::show(state, session.account_id, quarter).await?;
    let mut ctx = public_context(state, session).await?;
    let mut period = report_view(&r.report);
    // The quarter's last day, as people write a period (the report's `to` is exclusive).
    if let Some((_, to)) = r.quarter.span() {
        let last = crate::time::iso(to - 1);
        period["last"] = json!(last.get(..10).unwrap_or(&last));
    }
    ctx.insert("quarter", &r.quarter.key());
    ctx.insert("report", &period);
    ctx.insert("sheet", &view(&r));
    ctx.insert("ended", &r.ended);
    ctx.insert("published", &r.published);
    ctx.insert("can_publish", &r.can_publish);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "treasurer/report.html", &ctx))
}

/// `GET /ledger/reports/YYYY-QN`.
pub async fn show(
    State(state): State<AppState>,
    session: WebSession,
    Path(quarter): Path<String>,
) -> Response {
    report_page(&state, &session, &quarter, &HashMap::new(), StatusCode::OK)
        .await
        .unwrap_or_else(|e| {
            public_error(&state, &session, &format!("/ledger/reports/{quarter}"), e)
        })
}

/// `POST /ledger/reports/YYYY-QN/publish`: a treasurer publishes the report to the members
/// (a post by `@coop` and a mail to each), once; a second try shows why beside the button.
pub async fn publish(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(quarter): Path<String>,
    CsrfForm(_): CsrfForm<Value>,
) -> Response {
    match quarterly_reports::publish(&state, signed.account_id(), &quarter).await {
        Ok(_) => Redirect::to(&format!("/ledger/reports/{quarter}")).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            errors.insert("publish", error_text(&e));
            report_page(
                &state,
                &signed.session,
                &quarter,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| signed.error(&state, e))
        }
        Err(e) => signed.error(&state, e),
    }
}

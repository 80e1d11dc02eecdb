//! Roles held for a term (bylaws 3.2, 3.3). A grant (by the bootstrap or an election) ends at
//! the end of its term: a `RoleTermEnd` job queued with the grant ends it, and a
//! `RoleTermNotice` job mails the holder and the members `roles.notice_days` before. A role
//! never falls to zero holders by expiry: its last holder keeps it, holding over, until an
//! election fills the seat. A recall (an enacted `general` proposal with
//! `payload.recall = {account_id, role}`) ends a grant at once. `governance::terms` decides;
//! this module persists, logging every change in the governance log.

use herd_governance::bylaws::{self, RoleRules};
use herd_governance::terms::{self, Grant, TermEnd};
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::jobs::{self, Job};
use crate::state::AppState;
use crate::storage::governance::{self as gov_store, RoleGrantRow};
use crate::storage::proposals as store;
use crate::storage::WriteTx;
use crate::time::{self, MICROS_PER_DAY};

/// A role an account holds, for the member entity's `role_terms`.
pub struct RoleTerm {
    pub role: String,
    pub since: i64,
    /// `None` for a grant made before terms existed that has not been given one yet.
    pub until: Option<i64>,
    pub holding_over: bool,
}

impl From<&RoleGrantRow> for RoleTerm {
    fn from(g: &RoleGrantRow) -> Self {
        RoleTerm {
            role: g.role.clone(),
            since: g.granted_at,
            until: g.term_ends_at,
            holding_over: g.holding_over != 0,
        }
    }
}

/// The role rules of the bylaws in force, read inside `tx`.
pub async fn rules_in(tx: &mut WriteTx, now: i64) -> AppResult<RoleRules> {
    let row = gov_store::policy_in_force(&mut ***tx, bylaws::BYLAWS_SLUG, now)
        .await?
        .ok_or_else(|| AppError::internal_msg("no bylaws in force"))?;
    let doc = bylaws::parse_document(&row.source).map_err(AppError::internal)?;
    Ok(doc.roles.unwrap_or_default())
}

/// A governance log entry about the holder `subject` (no acting member: the bylaws or a
/// proposal act).
async fn log(
    tx: &mut WriteTx,
    kind: &str,
    subject: i64,
    proposal_id: Option<i64>,
    detail: Value,
    now: i64,
) -> AppResult<()> {
    super::proposals::log(tx, kind, None, Some(subject), proposal_id, detail, now).await
}

/// Queues the notice and the end of a grant's term, in the grant's transaction.
async fn schedule(
    tx: &mut WriteTx,
    rules: &RoleRules,
    grant_id: i64,
    since: i64,
    until: i64,
    now: i64,
) -> AppResult<()> {
    if rules.notice_days > 0 {
        let at = terms::notice_at(rules, since, until);
        jobs::enqueue_at(tx, &Job::RoleTermNotice { grant_id }, at, now).await?;
    }
    jobs::enqueue_at(tx, &Job::RoleTermEnd { grant_id }, until, now).await?;
    Ok(())
}

/// Grants `role` to `account_id` for a term, inside `tx`: logs `role.granted` (with the
/// term's end) and queues the term's notice and end. An account that holds the role already
/// (a re-election) gets a new term: its current grant ends and the new one starts now.
/// Returns the term's end.
#[allow(clippy::too_many_arguments)]
pub async fn grant(
    tx: &mut WriteTx,
    rules: &RoleRules,
    account_id: i64,
    role: &str,
    source: &str,
    kind: Grant,
    proposal_id: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let days = terms::term_days(rules, kind);
    let until = terms::term_end(now, days);
    let mut renewed = false;
    for g in gov_store::active_grants_of(&mut ***tx, account_id).await? {
        if g.role == role {
            gov_store::revoke_grant(&mut ***tx, g.id, now).await?;
            renewed = true;
        }
    }
    let id = ids::next_id_at(now / 1000);
    gov_store::insert_role_grant_until(&mut ***tx, id, account_id, role, source, now, Some(until))
        .await?;
    let mut detail = json!({ "role": role, "source": source, "term_days": days,
                             "until": time::iso(until) });
    if renewed {
        detail["renewed"] = json!(true);
    }
    log(tx, "role.granted", account_id, proposal_id, detail, now).await?;
    schedule(tx, rules, id, now, until, now).await?;
    Ok(until)
}

/// An election's winners take their seats (inside the closing transaction): each gets the role
/// for `term_days`; the other holders keep theirs, except one holding over, whose seat is now
/// filled (unless re-elected). Returns the effect for the proposal's result.
pub async fn elect(
    tx: &mut WriteTx,
    proposal_id: i64,
    role: &str,
    term_days: Option<u32>,
    winners: &[i64],
    now: i64,
) -> AppResult<Value> {
    let rules = rules_in(tx, now).await?;
    let source = format!("proposal:{proposal_id}");
    gov_store::lock_role(&mut ***tx, role).await?;
    let mut granted = Vec::new();
    let mut skipped = Vec::new();
    let mut until = None;
    for w in winners {
        let active =
            matches!(store::membership(&mut ***tx, *w).await?, Some(m) if m.state == "active");
        if !active {
            skipped.push(w.to_string());
            continue;
        }
        let end = grant(
            tx,
            &rules,
            *w,
            role,
            &source,
            Grant::Election { term_days },
            Some(proposal_id),
            now,
        )
        .await?;
        until = Some(end);
        granted.push(*w);
    }
    let mut ended = Vec::new();
    if !granted.is_empty() {
        for g in gov_store::active_grants_of_role(&mut ***tx, role).await? {
            if g.holding_over != 0 && !granted.contains(&g.account_id) {
                gov_store::revoke_grant(&mut ***tx, g.id, now).await?;
                log(
                    tx,
                    "role.revoked",
                    g.account_id,
                    Some(proposal_id),
                    json!({ "role": role, "reason": "held over until an election filled the seat",
                            "source": source }),
                    now,
                )
                .await?;
                ended.push(g.account_id.to_string());
            }
        }
    }
    Ok(json!({
        "kind": "role_election",
        "role": role,
        "granted": granted.iter().map(i64::to_string).collect::<Vec<_>>(),
        "term_days": terms::term_days(&rules, Grant::Election { term_days }),
        "until": until.map(time::iso),
        "revoked": ended,
        "skipped_not_active": skipped,
    }))
}

/// The recall of a `general` proposal, checked when it opens: `{account_id, role}`, an account
/// that holds that role now. Returns the payload as stored.
pub async fn check_recall(state: &AppState, recall: &Value) -> AppResult<Value> {
    let bad = |m: &str| AppError::validation("payload", "ERR_INVALID", m);
    let account_id = match recall.get("account_id") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .filter(|n| *n > 0)
    .ok_or_else(|| bad("recall needs `account_id`: an id"))?;
    let role = recall
        .get("role")
        .and_then(Value::as_str)
        .map(str::trim)
        .ok_or_else(|| bad("recall needs `role`: the role to revoke"))?;
    if !crate::services::accounts::ROLES.contains(&role) {
        return Err(bad(&format!(
            "recall: role must be one of {}",
            crate::services::accounts::ROLES.join(", ")
        )));
    }
    let holds = gov_store::active_roles(&state.db.pool, account_id)
        .await?
        .iter()
        .any(|r| r == role);
    if !holds {
        return Err(bad(&format!(
            "recall: account {account_id} does not hold the {role} role"
        )));
    }
    Ok(json!({ "account_id": account_id.to_string(), "role": role }))
}

/// Enacts a recall inside the closing transaction: the holder's grant of the role ends, logged.
/// The inner error says why it could not be (the role ended meanwhile).
pub async fn enact_recall(
    tx: &mut WriteTx,
    proposal_id: i64,
    recall: &Value,
    now: i64,
) -> AppResult<Result<Value, String>> {
    let account_id: i64 = recall["account_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let role = recall["role"].as_str().unwrap_or_default();
    gov_store::lock_role(&mut ***tx, role).await?;
    let grants: Vec<RoleGrantRow> = gov_store::active_grants_of(&mut ***tx, account_id)
        .await?
        .into_iter()
        .filter(|g| g.role == role)
        .collect();
    if grants.is_empty() {
        return Ok(Err(format!(
            "account {account_id} no longer holds the {role} role"
        )));
    }
    for g in &grants {
        gov_store::revoke_grant(&mut ***tx, g.id, now).await?;
    }
    log(
        tx,
        "role.revoked",
        account_id,
        Some(proposal_id),
        json!({ "role": role, "reason": "recalled", "source": format!("proposal:{proposal_id}") }),
        now,
    )
    .await?;
    Ok(Ok(json!({ "kind": "general", "recall": {
        "account_id": account_id.to_string(), "role": role, "revoked": true } })))
}

/// The `RoleTermEnd` job: the grant's term has ended. It expires, unless nobody else holds the
/// role: then its holder keeps it, holding over. Both are logged as `role.expired`.
pub async fn end_term_job(state: &AppState, grant_id: i64) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    end_term(&mut tx, grant_id, now)
        .await
        .map_err(|e| anyhow::anyhow!("ending the term of grant {grant_id}: {e}"))?;
    tx.commit().await?;
    Ok(())
}

async fn end_term(tx: &mut WriteTx, grant_id: i64, now: i64) -> AppResult<()> {
    let Some(g) = gov_store::role_grant(&mut ***tx, grant_id).await? else {
        return Ok(());
    };
    // The role's grants are locked first, then read again: two terms ending together are
    // decided one after the other, so they never both expire.
    gov_store::lock_role(&mut ***tx, &g.role).await?;
    let Some(g) = gov_store::role_grant(&mut ***tx, grant_id).await? else {
        return Ok(());
    };
    let Some(until) = g.term_ends_at else {
        return Ok(());
    };
    if g.revoked_at.is_some() || g.holding_over != 0 || until > now {
        return Ok(());
    }
    let others = gov_store::active_grants_of_role(&mut ***tx, &g.role)
        .await?
        .iter()
        .filter(|o| o.account_id != g.account_id)
        .count();
    let outcome = terms::at_term_end(others);
    match outcome {
        TermEnd::Expires => {
            gov_store::revoke_grant(&mut ***tx, g.id, now).await?;
        }
        TermEnd::HoldsOver => gov_store::set_holding_over(&mut ***tx, g.id).await?,
    }
    log(
        tx,
        "role.expired",
        g.account_id,
        None,
        json!({ "role": g.role, "since": time::iso(g.granted_at), "until": time::iso(until),
                "holding_over": outcome == TermEnd::HoldsOver }),
        now,
    )
    .await?;
    Ok(())
}

/// The `RoleTermNotice` job (row `job_id`): mails the holder and the members (those who take
/// the co-op's mails) that the term ends, and deletes itself in the same transaction, so the
/// notice goes out once. Nothing is sent for a grant that ended or holds over meanwhile.
pub async fn notice_job(
    state: &AppState,
    job_id: i64,
    claim_token: i64,
    grant_id: i64,
) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let grant = gov_store::role_grant(&mut **tx, grant_id).await?;
    let mut mails = Vec::new();
    if let Some(g) = grant.filter(|g| g.revoked_at.is_none() && g.holding_over == 0) {
        if let Some(until) = g.term_ends_at {
            let holder = crate::storage::accounts::account_by_id(&mut **tx, g.account_id).await?;
            let username = holder.map(|a| a.username).unwrap_or_default();
            let date = time::iso(until);
            let date = date.get(..10).unwrap_or(&date);
            let link = format!("{}/api/v1/coop/members/{}", state.base_url(), g.account_id);
            let render = |to_holder: bool| {
                crate::mail::render(
                    state,
                    "mail/role_term_ending.txt",
                    &[
                        ("to_holder", if to_holder { "yes" } else { "" }),
                        ("username", &username),
                        ("role", &g.role),
                        ("until", date),
                        ("link", &link),
                        ("title", &crate::services::instance_settings::title(state)),
                    ],
                )
            };
            let members = store::active_members(&mut **tx).await?;
            let mut recipients: Vec<i64> = members
                .iter()
                .filter(|m| m.email_proposals != 0 && m.account_id != g.account_id)
                .map(|m| m.account_id)
                .collect();
            recipients.push(g.account_id);
            let holder_subject = format!("Your term as {} ends on {date}", g.role);
            let members_subject = format!("@{username}'s term as {} ends on {date}", g.role);
            let (to_holder, to_members) = (render(true), render(false));
            for (account_id, email) in store::emails_of(&mut **tx, &recipients).await? {
                let (subject, body) = if account_id == g.account_id {
                    (holder_subject.clone(), to_holder.clone())
                } else {
                    (members_subject.clone(), to_members.clone())
                };
                mails.push(Job::Mail {
                    to: email,
                    subject,
                    body,
                    mail_kind: Some("roles".into()),
                });
            }
        }
    }
    jobs::enqueue_many(&mut tx, &mails, now).await?;
    // Fenced: a node whose lease ran out (another node has the job now) sends nothing.
    if !crate::storage::jobs::finish(&mut **tx, job_id, claim_token).await? {
        anyhow::bail!("the notice's job is another node's now");
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// At start-up: a grant made before terms existed gets one (from its grant, under the bylaws
/// in force, but ending no sooner than the notice allows), and a term whose end job was lost
/// ends now. Returns how many grants it changed.
pub async fn catch_up(state: &AppState) -> anyhow::Result<usize> {
    catch_up_inner(state)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn catch_up_inner(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now_micros();
    let mut changed = 0;
    for g in gov_store::grants_without_term(&state.db.pool).await? {
        let mut tx = state.db.begin_write().await?;
        let rules = rules_in(&mut tx, now).await?;
        let kind = if g.source == "bootstrap" {
            Grant::Founding
        } else {
            Grant::Election { term_days: None }
        };
        let earliest = now + (i64::from(rules.notice_days) + 1) * MICROS_PER_DAY;
        let until = terms::term_end(g.granted_at, terms::term_days(&rules, kind)).max(earliest);
        if gov_store::set_term_end(&mut **tx, g.id, until).await? {
            schedule(&mut tx, &rules, g.id, now, until, now).await?;
            log(
                &mut tx,
                "role.term_set",
                g.account_id,
                None,
                json!({ "role": g.role, "since": time::iso(g.granted_at), "until": time::iso(until) }),
                now,
            )
            .await?;
            changed += 1;
        }
        tx.commit().await?;
    }
    for g in gov_store::grants_past_term(&state.db.pool, now).await? {
        let mut tx = state.db.begin_write().await?;
        end_term(&mut tx, g.id, now).await?;
        tx.commit().await?;
        changed += 1;
    }
    state.jobs.wake();
    Ok(changed)
}

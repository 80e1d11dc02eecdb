//! Membership: applications, admission (as the bylaws in force say), withdrawal, the roster, and
//! the member's mail preference. Every change is written to the governance log in the same
//! transaction.

use herd_governance::Admission;
use serde_json::json;

use crate::entities::coop;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::paging::Page;
use crate::state::AppState;
use crate::storage::accounts::{self as account_store, AccountRow};
use crate::storage::governance as gov_store;
use crate::storage::proposals::{self as store, MembershipRow, NewProposalEvent};

/// A roster entry: the membership with its account, roles and their terms.
pub struct Member {
    pub membership: MembershipRow,
    pub account: AccountRow,
    pub roles: Vec<String>,
    pub role_terms: Vec<crate::services::roles::RoleTerm>,
}

/// An account and its active co-op roles (the submitter of an expense, as shown).
pub async fn account_with_roles(
    state: &AppState,
    account_id: i64,
) -> AppResult<(AccountRow, Vec<String>)> {
    let account = account_store::account_by_id(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let roles = gov_store::active_roles(&state.db.pool, account.id).await?;
    Ok((account, roles))
}

/// Until when the account's dues are paid, if it is a member who paid any.
pub async fn dues_paid_until(state: &AppState, account_id: i64) -> AppResult<Option<i64>> {
    let m = store::membership(&state.db.pool, account_id).await?;
    Ok(m.and_then(|m| m.dues_paid_until))
}

/// Whether the account may read the co-op's internal records (roster, proposals, log): active
/// and lapsed members may (a lapsed member can still follow what happens, not vote).
pub async fn require_reader(state: &AppState, account_id: i64) -> AppResult<()> {
    match store::membership(&state.db.pool, account_id).await? {
        Some(m) if m.state == "active" || m.state == "lapsed" => Ok(()),
        _ => Err(AppError::forbidden(
            "Only members of the co-op can see this",
        )),
    }
}

/// Whether the account may propose and vote: active members only, with a message that says why not.
pub async fn require_active(state: &AppState, account_id: i64, doing: &str) -> AppResult<()> {
    match store::membership(&state.db.pool, account_id).await? {
        Some(m) if m.state == "active" => Ok(()),
        Some(m) => Err(AppError::forbidden(format!(
            "Only active members of the co-op may {doing}; your membership is {}",
            m.state
        ))),
        None => Err(AppError::forbidden(format!(
            "Only active members of the co-op may {doing}; you are not a member"
        ))),
    }
}

async fn load(state: &AppState, membership: MembershipRow) -> AppResult<Member> {
    let account = account_store::account_by_id(&state.db.pool, membership.account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let grants = gov_store::active_grants_of(&state.db.pool, account.id).await?;
    let mut roles: Vec<String> = grants.iter().map(|g| g.role.clone()).collect();
    roles.dedup();
    Ok(Member {
        membership,
        account,
        roles,
        role_terms: grants.iter().map(Into::into).collect(),
    })
}

pub async fn get(state: &AppState, account_id: i64) -> AppResult<Member> {
    let m = store::membership(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    load(state, m).await
}

/// One page of the roster for a member (active or lapsed) or an officer, in the given state or
/// all; with the page's cursor ids.
pub async fn roster(
    state: &AppState,
    viewer: i64,
    filter: Option<&str>,
    page: &Page,
) -> AppResult<(Vec<coop::Member>, Vec<i64>)> {
    require_reader(state, viewer).await?;
    if let Some(f) = filter {
        if !MEMBERSHIP_STATES.contains(&f) {
            return Err(AppError::unprocessable(format!(
                "Unknown membership state {f:?}: use one of {}",
                MEMBERSHIP_STATES.join(", ")
            )));
        }
    }
    let rows = store::list_memberships(&state.db.pool, filter, page).await?;
    let cursors = rows.iter().map(|r| r.account_id).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(coop::Member::from_data(state, &load(state, r).await?));
    }
    Ok((out, cursors))
}

/// One member as another member (or an officer) sees them.
pub async fn member(state: &AppState, viewer: i64, account_id: i64) -> AppResult<coop::Member> {
    require_reader(state, viewer).await?;
    Ok(coop::Member::from_data(
        state,
        &get(state, account_id).await?,
    ))
}

pub const MEMBERSHIP_STATES: &[&str] = &["applicant", "active", "lapsed", "withdrawn", "expelled"];

/// An account applies to join. Applying again while an applicant changes nothing; a member who
/// withdrew or lapsed applies anew; an expelled member can only come back by proposal.
pub async fn apply(state: &AppState, account_id: i64, note: &str) -> AppResult<Member> {
    if note.chars().count() > 1000 {
        return Err(AppError::validation(
            "note",
            "ERR_TOO_LONG",
            "is too long (maximum is 1000 characters)",
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let current = store::membership(&mut **tx, account_id).await?;
    match current.as_ref().map(|m| m.state.as_str()) {
        Some("applicant") => {
            drop(tx);
            return get(state, account_id).await;
        }
        Some("active") => {
            return Err(AppError::unprocessable(
                "You are already an active member of the co-op",
            ))
        }
        Some("expelled") => {
            return Err(AppError::forbidden(
                "An expelled member can only be readmitted by a membership proposal",
            ))
        }
        _ => {}
    }
    store::apply(&mut **tx, account_id, note, now).await?;
    store::insert_event(
        &mut **tx,
        &NewProposalEvent {
            id: ids::next_id_at(now / 1000),
            kind: "membership.applied",
            actor_account_id: Some(account_id),
            subject_account_id: Some(account_id),
            proposal_id: None,
            detail_json: json!({ "previous": current.map(|m| m.state) }).to_string(),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    get(state, account_id).await
}

/// An admin admits an applicant, when the bylaws in force leave admission to admins.
pub async fn admit_by_admin(state: &AppState, admin_id: i64, account_id: i64) -> AppResult<Member> {
    let roles = gov_store::active_roles(&state.db.pool, admin_id).await?;
    if !roles.iter().any(|r| r == "admin") {
        return Err(AppError::forbidden("Only an admin may admit members"));
    }
    require_active(state, admin_id, "admit members").await?;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let admission = bylaws.membership.as_ref().map(|m| m.admission);
    if admission != Some(Admission::Admin) {
        return Err(AppError::unprocessable(
            "The bylaws in force admit members by a membership proposal, not by an admin",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let current = store::membership(&mut **tx, account_id)
        .await?
        .ok_or_else(|| AppError::unprocessable("This account has not applied for membership"))?;
    if current.state != "applicant" {
        return Err(AppError::unprocessable(format!(
            "Only applicants can be admitted; this membership is {}",
            current.state
        )));
    }
    change_state(
        &mut tx,
        account_id,
        "active",
        "membership.admitted",
        Some(admin_id),
        None,
        json!({ "source": "admin", "bylaws": format!("bylaws@{}", bylaws.version) }),
        now,
    )
    .await?;
    tx.commit().await?;
    get(state, account_id).await
}

/// A member leaves the co-op. Their roles end with their membership.
pub async fn withdraw(state: &AppState, account_id: i64) -> AppResult<Member> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let current = store::membership(&mut **tx, account_id)
        .await?
        .ok_or_else(|| AppError::unprocessable("You are not a member of the co-op"))?;
    if !matches!(current.state.as_str(), "applicant" | "active" | "lapsed") {
        return Err(AppError::unprocessable(format!(
            "This membership is already {}",
            current.state
        )));
    }
    change_state(
        &mut tx,
        account_id,
        "withdrawn",
        "membership.withdrawn",
        Some(account_id),
        None,
        json!({ "previous": current.state }),
        now,
    )
    .await?;
    revoke_all_roles(&mut tx, account_id, None, "membership ended", now).await?;
    tx.commit().await?;
    get(state, account_id).await
}

/// Changes a membership's state and logs it (inside the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub async fn change_state(
    tx: &mut crate::storage::WriteTx,
    account_id: i64,
    to: &str,
    kind: &str,
    actor: Option<i64>,
    proposal_id: Option<i64>,
    detail: serde_json::Value,
    now: i64,
) -> AppResult<()> {
    store::set_membership_state(&mut ***tx, account_id, to, to == "active", now).await?;
    // Active members follow the co-op's account: proposals and results reach their homes;
    // when its posts are members-only, those who are no longer active stop following it.
    crate::services::proposal_posts::membership_changed(tx, account_id, to == "active", now)
        .await?;
    store::insert_event(
        &mut ***tx,
        &NewProposalEvent {
            id: ids::next_id_at(now / 1000),
            kind,
            actor_account_id: actor,
            subject_account_id: Some(account_id),
            proposal_id,
            detail_json: detail.to_string(),
            now,
        },
    )
    .await?;
    Ok(())
}

/// Revokes every role the account holds, logging each revocation.
pub async fn revoke_all_roles(
    tx: &mut crate::storage::WriteTx,
    account_id: i64,
    proposal_id: Option<i64>,
    why: &str,
    now: i64,
) -> AppResult<()> {
    for role in gov_store::active_roles(&mut ***tx, account_id).await? {
        store::revoke_role(&mut ***tx, account_id, &role, now).await?;
        store::insert_event(
            &mut ***tx,
            &NewProposalEvent {
                id: ids::next_id_at(now / 1000),
                kind: "role.revoked",
                actor_account_id: None,
                subject_account_id: Some(account_id),
                proposal_id,
                detail_json: json!({ "role": role, "reason": why }).to_string(),
                now,
            },
        )
        .await?;
    }
    Ok(())
}

/// The member's mail preference (members and applicants have one).
pub async fn set_email_proposals(state: &AppState, account_id: i64, on: bool) -> AppResult<Member> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if store::set_email_proposals(&mut **tx, account_id, on, now).await? == 0 {
        return Err(AppError::unprocessable(
            "Only members and applicants have co-op mail preferences",
        ));
    }
    tx.commit().await?;
    get(state, account_id).await
}

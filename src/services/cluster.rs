//! This process as one node of several on one database (DESIGN §11): its name, its node id,
//! the node slot its ids carry (leased from the database under that id, renewed while it
//! runs), and periodic work that runs once per cluster whichever node gets to it first.
//!
//! The node id is decided once, here (`claim_node`), and is the one value every cross-node
//! mechanism uses: it holds the id slot and periodic claims, tags the job wake-ups and the
//! live events this node publishes (so it skips its own), and names the events listener's
//! connection. Job leases are fenced by claim tokens drawn from the id generator, so they
//! carry the slot claimed under the same id.

use std::time::Duration;

use crate::storage::cluster as store;
use crate::storage::Db;
use crate::time::MICROS_PER_MINUTE;

/// A node slot is leased for this long and renewed every `RENEW_EVERY`; a node that stops
/// renewing (it crashed) frees its slot after the lease.
const SLOT_LEASE: i64 = 10 * MICROS_PER_MINUTE;
pub const RENEW_EVERY: Duration = Duration::from_secs(60);

/// A new node id: the node's name, its process id and a random part, so two processes on
/// one host, a restarted one, or two nodes a test runs in one process are different nodes.
/// Leaked once per node (an `App` lives as long as its process, tests aside).
fn new_node_id(node_name: &str) -> &'static str {
    Box::leak(
        format!(
            "{node_name}/{}/{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        )
        .into_boxed_str(),
    )
}

/// Decides this node's id and leases the id generator's node slot under it (at start, before
/// anything is written): the one place a node's identity comes from. Logged, and shown on
/// `/metrics` as `herd_node_info`.
pub async fn claim_node(db: &Db, node_name: &str) -> anyhow::Result<&'static str> {
    let id = new_node_id(node_name);
    let slot = lease_node(db, id).await?;
    tracing::info!(
        node = node_name,
        node_id = id,
        slot,
        "node identity claimed"
    );
    Ok(id)
}

/// Leases a node slot for this process's ids: the one it already has when it can keep it,
/// else the first free one from a random start. Fails when every slot is held.
pub async fn lease_node(db: &Db, holder: &str) -> anyhow::Result<u64> {
    if let Some(slot) = crate::ids::leased_node() {
        if store::take_slot(db, slot as i64, holder, SLOT_LEASE).await? {
            return Ok(slot);
        }
    }
    let start = rand::Rng::gen_range(&mut rand::thread_rng(), 0..store::SLOTS);
    for i in 0..store::SLOTS {
        let slot = (start + i) % store::SLOTS;
        if store::take_slot(db, slot, holder, SLOT_LEASE).await? {
            if crate::ids::leased_node() != Some(slot as u64) {
                crate::ids::set_node(slot as u64);
                tracing::info!(slot, "node slot leased for ids");
            }
            return Ok(slot as u64);
        }
    }
    anyhow::bail!(
        "all {} node slots are held: more herd processes share this database than ids allow",
        store::SLOTS
    )
}

/// Keeps this process's node slot leased while the server runs (`herd serve`).
pub fn spawn_renewal(db: Db, holder: &'static str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RENEW_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = lease_node(&db, holder).await {
                tracing::error!(error = %e, "renewing the node slot failed");
            }
        }
    })
}

/// Gives the node slot back on a clean shutdown, so a restart need not wait out the lease.
pub async fn release_node(db: &Db, holder: &str) {
    if let Some(slot) = crate::ids::leased_node() {
        let _ = store::release_slot(&db.pool, slot as i64, holder).await;
    }
}

/// True for the one node that runs the periodic task `name` in this period of `every`
/// (the others skip it until the period has passed). The database's clock decides.
pub async fn claim_periodic(
    db: &Db,
    name: &str,
    every: Duration,
    holder: &str,
) -> anyhow::Result<bool> {
    let every = i64::try_from(every.as_micros()).unwrap_or(i64::MAX);
    Ok(store::claim_periodic(db, name, every, holder).await?)
}

/// Runs `task` every `every` until the process ends, on one node of the cluster per period:
/// the first node to tick does it (a tenth of slack, so nodes whose ticks drift apart do not
/// skip a period). `what` names it in the claim and in logs.
pub fn spawn_periodic<F, Fut>(
    state: crate::state::AppState,
    what: &'static str,
    every: Duration,
    task: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(crate::state::AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match claim_periodic(&state.db, what, every.mul_f64(0.9), state.holder).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::error!(task = what, error = %e, "claiming a periodic run failed");
                    continue;
                }
            }
            if let Err(e) = task(state.clone()).await {
                tracing::error!(task = what, error = %e, "a periodic task failed");
            }
        }
    })
}

/// Due jobs per kind: (kind, how many, age of the oldest in microseconds), for metrics.
pub async fn queue_depth(
    state: &crate::state::AppState,
) -> anyhow::Result<Vec<(String, i64, i64)>> {
    Ok(crate::storage::jobs::depth_by_kind(&state.db.pool, state.clock.now_micros()).await?)
}

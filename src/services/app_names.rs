//! The name and website of the apps statuses were posted from. Apps are never edited, so their
//! entities are kept per process: rendering a page then costs no round trip for them.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::entities::StatusApplication;
use crate::error::AppResult;
use crate::state::AppState;
use crate::storage::oauth;

/// Enough for every app in use on a large instance; past it the cache starts over.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct AppNames(RwLock<HashMap<i64, StatusApplication>>);

impl AppNames {
    /// The entities of these apps (ids that name no app are left out).
    pub async fn of(
        &self,
        state: &AppState,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, StatusApplication>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = self.0.read().unwrap_or_else(|e| e.into_inner());
            for id in ids {
                match cache.get(id) {
                    Some(app) => {
                        found.insert(*id, app.clone());
                    }
                    None => missing.push(*id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let rows = oauth::apps_by_ids(&state.db.pool, &missing).await?;
        let mut cache = self.0.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() + rows.len() > CAPACITY {
            cache.clear();
        }
        for app in rows {
            let entity = StatusApplication {
                name: app.name,
                website: app.website,
            };
            cache.insert(app.id, entity.clone());
            found.insert(app.id, entity);
        }
        Ok(found)
    }
}

//! The audit budget of requests without a session: entries per client per window, counted in
//! `delivery_counters` (like the other per-client limits), so every node shares it.

use super::{Store, StoreResult};

const SCOPE: &str = "audit/unauthenticated/client/hour";

impl Store {
    /// Counts one more audit entry asked for by the client (a keyed hash of its address) in
    /// `window`, and returns how many it has asked for there, this one included. The upsert
    /// counts concurrent requests on every node exactly; the count goes on past the budget,
    /// so the caller knows the first entry over it.
    pub async fn charge_audit_budget(&self, client_hash: &[u8], window: i64) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let count = super::sessions::count_request(&mut tx, SCOPE, client_hash, window).await?;
        tx.commit().await?;
        Ok(count)
    }
}

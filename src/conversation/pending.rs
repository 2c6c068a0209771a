//! Keeping what the bot asked and is waiting for across a restart: an
//! offer such as "还没有保存 … ① 记为【恒力集团】的拜访" is saved durably, so the
//! rep's "1" after the bot restarted still records the note. A pending
//! offer holds for the user's next message only, and for at most
//! [`PENDING_HOURS`].

use async_trait::async_trait;
use chrono::{DateTime, Duration, Local};
use serde::{Deserialize, Serialize};

use super::offer::Offer;
use crate::deals::StorageError;
use crate::user::UserKey;

/// An offer older than this is forgotten.
pub const PENDING_HOURS: i64 = 24;

/// Where a user's pending offer is kept: implemented by the store.
#[async_trait]
pub trait PendingStore: Send + Sync {
    /// Keep `state` for `user`, replacing any earlier; durable when it returns.
    async fn save_pending(&self, user: &UserKey, state: &[u8]) -> Result<(), StorageError>;
    /// Take `user`'s kept state, removing it.
    async fn take_pending(&self, user: &UserKey) -> Result<Option<Vec<u8>>, StorageError>;
}

/// An offer with the time it was made.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    at: DateTime<Local>,
    offer: Offer,
}

/// Save `offer` for `user`; a failure is logged (the offer still holds in
/// memory until a restart).
pub async fn save(store: &dyn PendingStore, user: &UserKey, offer: &Offer) {
    let kept = Kept {
        at: Local::now(),
        offer: offer.clone(),
    };
    let result = match serde_json::to_vec(&kept) {
        Ok(bytes) => store.save_pending(user, &bytes).await,
        Err(e) => Err(StorageError::Io(e.to_string())),
    };
    if let Err(e) = result {
        tracing::warn!(user = %user, error = %e, "keeping the pending offer failed");
    }
}

/// Take `user`'s kept offer if it is recent; an unreadable one is dropped
/// with a log line.
pub async fn take(store: &dyn PendingStore, user: &UserKey) -> Option<Offer> {
    let bytes = match store.take_pending(user).await {
        Ok(b) => b?,
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "reading the pending offer failed");
            return None;
        }
    };
    match serde_json::from_slice::<Kept>(&bytes) {
        Ok(k) if Local::now() - k.at <= Duration::hours(PENDING_HOURS) => Some(k.offer),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "a pending offer could not be read; dropped");
            None
        }
    }
}

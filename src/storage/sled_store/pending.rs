//! The conversation's pending offers on sled: tree `pending`, keyed by
//! enc(user) like the deals, one record per user.

use async_trait::async_trait;

use super::{io_error, user_prefix, SledStore};
use crate::conversation::PendingStore;
use crate::deals::StorageError;
use crate::user::UserKey;

#[async_trait]
impl PendingStore for SledStore {
    async fn save_pending(&self, user: &UserKey, state: &[u8]) -> Result<(), StorageError> {
        self.pending
            .insert(user_prefix(user), state)
            .map_err(io_error)?;
        self.flush().await
    }

    async fn take_pending(&self, user: &UserKey) -> Result<Option<Vec<u8>>, StorageError> {
        // Not flushed: a taken offer that comes back after a crash is
        // still bounded by its age and used only by a bare number.
        Ok(self
            .pending
            .remove(user_prefix(user))
            .map_err(io_error)?
            .map(|v| v.to_vec()))
    }
}

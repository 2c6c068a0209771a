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
        let (this, key, state) = (self.clone(), user_prefix(user), state.to_vec());
        super::blocking("write", move || {
            this.write(|h| h.pending.insert(key, state).map(|_| ()).map_err(io_error))
        })
        .await
    }

    async fn take_pending(&self, user: &UserKey) -> Result<Option<Vec<u8>>, StorageError> {
        // Not flushed: a taken offer that comes back after a crash is
        // still bounded by its age and used only by a bare number.
        let (this, key) = (self.clone(), user_prefix(user));
        super::blocking("write", move || {
            Ok(this
                .handles()?
                .pending
                .remove(key)
                .map_err(io_error)?
                .map(|v| v.to_vec()))
        })
        .await
    }
}

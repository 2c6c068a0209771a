//! The store a deal service works through: [`DealStore`], a trait of
//! *domain* operations (append a visit, remove my last visit, list my deals
//! …), not of keys and bytes, so another backend (PostgreSQL for several bot
//! instances) can be added without touching the service or the engine. The
//! trait and its errors belong here, with the code that uses them; the
//! backends in `storage` implement it. Its behaviour is pinned by the
//! reusable tests in `tests/it/support/contract.rs`, which every backend must
//! pass.
//!
//! Architecture invariant: every operation takes the [`UserKey`] that owns
//! the data, and a backend must never return or change another user's
//! records.
//!
//! Architecture invariant: an operation that writes returns only once the
//! write is durable.

use std::path::PathBuf;

use async_trait::async_trait;

use super::model::{Deal, Visit};
use crate::user::UserKey;

/// Re-derives a deal's computed fields after its visits or settings change.
/// Called inside the atomic update, possibly more than once (on retry).
pub type Recompute<'a> = &'a (dyn Fn(&mut Deal) + Send + Sync);

/// A change to one deal, applied atomically. Gets the current deal and
/// returns `false` to leave it unchanged. May run more than once.
pub type Change<'a> = &'a (dyn Fn(&mut Deal) -> bool + Send + Sync);

/// What `/undo` removed.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedVisit {
    /// The removed visit.
    pub visit: Visit,
    /// The deal after removal, or `None` when that visit started the deal
    /// and the deal is gone with it.
    pub deal: Option<Deal>,
    /// The customer's display name.
    pub customer: String,
}

/// Storage failures. Opening errors say which directory and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Another process holds the data directory.
    #[error("{path}: the deal store is locked by another running ussbot; stop it or use another --data directory")]
    Locked {
        /// The data directory.
        path: PathBuf,
    },
    /// The store's files are damaged (found when the store opens, which
    /// reads every record, or by a later read).
    #[error("{path}: the deal store is corrupt ({detail}); stop ussbot and restore your deals from a backup: `ussbot --data NEW_DIR import BACKUP.json` into a new, empty --data directory, then start ussbot with that directory")]
    Corrupt {
        /// The data directory.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// The directory cannot be read or written.
    #[error("{path}: cannot open the deal store: {source}")]
    Unreadable {
        /// The data directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A stored record could not be decoded.
    #[error("deal record {key}: {detail}")]
    Record {
        /// The record's key, printable.
        key: String,
        /// Why.
        detail: String,
    },
    /// The disk is full: the write was not saved. Writes work again once
    /// space is freed, without a restart.
    #[error("the disk holding the deal store is full (no space left on the device); free some space, then try again")]
    NoSpace,
    /// The visit counter has no number left: a visit (from an import) is
    /// numbered at or next to the counter's limit. The counter never wraps.
    #[error("visit numbers are used up (a visit is numbered {at}, the highest a visit can have); nothing was saved. Restore a backup whose visit numbers are below {limit}")]
    SequenceExhausted {
        /// The highest number in use.
        at: u64,
        /// The first number that cannot be used.
        limit: u64,
    },
    /// A read or write failed while running; the text is plain words.
    #[error("deal store I/O error: {0}")]
    Io(String),
}

/// Domain operations on deal records. Every writing operation is atomic per
/// deal and durable when it returns.
#[async_trait]
pub trait DealStore: Send + Sync {
    /// All of `user`'s deals, in id order.
    async fn deals(&self, user: &UserKey) -> Result<Vec<Deal>, StorageError>;

    /// One of `user`'s deals.
    async fn deal(&self, user: &UserKey, id: &str) -> Result<Option<Deal>, StorageError>;

    /// Create or replace a deal as given.
    async fn put_deal(&self, user: &UserKey, deal: &Deal) -> Result<(), StorageError>;

    /// Append `visit` to the deal with `template.id`, creating it from
    /// `template` when absent, then `recompute` — atomically, so concurrent
    /// appends to one deal all land. Returns the deal after the append.
    async fn append_visit(
        &self,
        user: &UserKey,
        template: &Deal,
        visit: &Visit,
        recompute: Recompute<'_>,
    ) -> Result<Deal, StorageError>;

    /// Apply `change` to one deal atomically. `None` when there is no such deal.
    async fn update_deal(
        &self,
        user: &UserKey,
        id: &str,
        change: Change<'_>,
    ) -> Result<Option<Deal>, StorageError>;

    /// Remove `user`'s most recently logged visit (highest `seq`) from its
    /// deal and `recompute`; a deal left without visits is deleted.
    async fn remove_last_visit(
        &self,
        user: &UserKey,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError>;

    /// Remove `user`'s visit numbered `seq`, wherever it is, likewise.
    /// `None` when the user has no such visit.
    async fn remove_visit(
        &self,
        user: &UserKey,
        seq: u64,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError>;

    /// Create or replace many deals of one user (imports). Durable when it
    /// returns; the default puts them one by one.
    async fn put_deals(&self, user: &UserKey, deals: &[Deal]) -> Result<(), StorageError> {
        for d in deals {
            self.put_deal(user, d).await?;
        }
        Ok(())
    }

    /// A number larger than every one returned before, for [`Visit::seq`].
    async fn next_seq(&self) -> Result<u64, StorageError>;

    /// Make every later [`DealStore::next_seq`] larger than `n` (after an
    /// import brings visits numbered elsewhere).
    async fn reserve_seq(&self, n: u64) -> Result<(), StorageError>;

    /// Every user that has deals.
    async fn users(&self) -> Result<Vec<UserKey>, StorageError>;
}

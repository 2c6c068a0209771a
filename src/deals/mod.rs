//! Deals: each salesperson's pipeline, kept from the visits they log.
//!
//! - [`model`]: the deal and visit records (versioned by the store).
//! - [`parse`]: deal commands and free-text visit logs → facts.
//! - [`program`]: the USS rules: derive stage, activities and MAN from the
//!   visits; next steps from the mode's visit program; acceptance warnings.
//! - [`DealService`]: message in, reply out, through a [`DealStore`].
//! - [`store`]: the [`DealStore`] trait the service works through and its
//!   errors; `storage` implements it.
//! - [`backup`]: export and import (JSON round-trips everything).
//!
//! Architecture invariant: nothing here imports sled; storage is reached
//! only through the [`DealStore`] trait.
//!

pub mod backup;
mod dates;
pub mod model;
pub mod parse;
pub mod program;
mod service;
pub mod store;
mod views;

use std::sync::Arc;

use chrono::{DateTime, Local};

pub use backup::{ExportFormat, ImportOptions, ImportSummary, UserImport, MAX_IMPORTED_SEQ};
pub use service::DealService;
pub use store::{Change, DealStore, Recompute, RemovedVisit, StorageError};

/// Deal settings from `config.toml`.
#[derive(Debug, Clone)]
pub struct DealSettings {
    /// Days without a visit after which a deal is stale.
    pub stale_days: u32,
}

/// A view of the rep's deals as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum View {
    /// Every open deal, longest without a visit first.
    All,
    /// Deals without a visit for `stale_days` or more.
    Stale,
    /// Planned follow-ups: overdue, today, this week.
    Plans,
}

/// The clock the service reads "now" from (injected in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Local> + Send + Sync>;

/// Deal failures.
#[derive(Debug, thiserror::Error)]
pub enum DealError {
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An export could not be written.
    #[error("cannot write the export: {0}")]
    Export(String),
    /// An import file is not valid.
    #[error("cannot import: {0}")]
    Import(String),
}

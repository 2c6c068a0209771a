//! Storage of deal records: the only module that touches sled.
//!
//! [`SledStore`] implements the deal service's store trait
//! ([`crate::deals::DealStore`], owned by `deals`) and the conversation's
//! [`crate::conversation::PendingStore`]. In [`SledStore`] each user's
//! records live under a prefix-free encoding of their key, so one user's
//! prefix scan cannot see another's.

mod sled_store;

pub use sled_store::{decode as decode_record, open_sled, SledStore};

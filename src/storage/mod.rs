//! Storage (placeholder): the only module that touches sled.

/// Domain operations on deal records.
pub trait DealStore: Send + Sync {}

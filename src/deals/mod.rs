//! Deals: each salesperson's pipeline (placeholder).

use std::sync::Arc;

use crate::knowledge::Knowledge;
use crate::reply::Reply;
use crate::storage::DealStore;
use crate::user::UserKey;

/// Deal settings from `config.toml`.
#[derive(Debug, Clone)]
pub struct DealSettings {
    /// Days without a visit after which a deal is stale.
    pub stale_days: u32,
}

/// Handles deal commands and visit logs.
pub struct DealService {
    _store: Arc<dyn DealStore>,
    _knowledge: Arc<Knowledge>,
    _settings: DealSettings,
}

impl DealService {
    /// A service over a store.
    pub fn new(store: Arc<dyn DealStore>, knowledge: Arc<Knowledge>, settings: DealSettings) -> Self {
        DealService { _store: store, _knowledge: knowledge, _settings: settings }
    }

    /// Handle the message if it is a deal matter; `None` otherwise.
    pub async fn try_handle(&self, _user: &UserKey, _raw: &str, _normalized: &str) -> Option<Reply> {
        None
    }

    /// The user's customer names, for autocomplete.
    pub async fn customers(&self, _user: &UserKey) -> Vec<String> {
        Vec::new()
    }
}

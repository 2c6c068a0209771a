//! Who is talking: the owner of every deal record.

use serde::{Deserialize, Serialize};

/// A chat user: platform plus that platform's user id. All deal data is
/// keyed by it, so one user's deals are never visible to another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserKey {
    /// `terminal`, `discord` …
    pub platform: String,
    /// The platform's id for the user.
    pub id: String,
}

impl UserKey {
    /// A user key.
    pub fn new(platform: impl Into<String>, id: impl Into<String>) -> Self {
        UserKey {
            platform: platform.into(),
            id: id.into(),
        }
    }
}

impl std::fmt::Display for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

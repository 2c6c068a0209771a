//! One message in, one reply out: the platform-neutral core every front
//! end (terminal, Discord) calls.

use std::sync::Arc;

use crate::deals::DealService;
use crate::engine::Engine;
use crate::reply::Reply;
use crate::user::UserKey;

/// Longest message handled; longer input is cut (a chat message, not a file).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// The bot: answer engine plus deal service.
pub struct Bot {
    engine: Arc<Engine>,
    deals: DealService,
}

impl Bot {
    /// A bot over an engine and a deal service.
    pub fn new(engine: Arc<Engine>, deals: DealService) -> Self {
        Bot { engine, deals }
    }

    /// The answer engine (for autocomplete of case and method names).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Handle one message from `user`. Never fails: problems become an
    /// error reply.
    pub async fn handle(&self, user: &UserKey, text: &str) -> Reply {
        let text = cut(text);
        let normalized = self.engine.normalizer().normalize(text);
        if let Some(reply) = self.deals.try_handle(user, text, &normalized).await {
            return reply;
        }
        self.engine.answer(text)
    }

    /// The user's own customer names, for autocomplete.
    pub async fn customers(&self, user: &UserKey) -> Vec<String> {
        self.deals.customers(user).await
    }
}

/// The first [`MAX_MESSAGE_CHARS`] characters.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

//! One message in, one reply out: the platform-neutral core every front
//! end (terminal, Discord) calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::deals::DealService;
use crate::engine::{Engine, Lang};
use crate::reply::Reply;
use crate::user::UserKey;

/// Longest message handled; longer input is cut (a chat message, not a file).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// The bot: answer engine plus deal service.
pub struct Bot {
    engine: Arc<Engine>,
    deals: DealService,
    /// The choices each user was last offered ("您是想问：① …"), so that a
    /// bare number opens one. Held only between two messages of a user and
    /// never across an `.await`; losing it on restart only means the user
    /// asks again.
    offered: Mutex<HashMap<UserKey, Offer>>,
}

/// Entries offered to a user, in the language they asked in.
#[derive(Debug, Clone)]
struct Offer {
    ids: Vec<String>,
    lang: Lang,
}

impl Bot {
    /// A bot over an engine and a deal service.
    pub fn new(engine: Arc<Engine>, deals: DealService) -> Self {
        Bot {
            engine,
            deals,
            offered: Mutex::new(HashMap::new()),
        }
    }

    /// The answer engine (for autocomplete of case and method names).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Handle one message from `user`. Never fails: problems become an
    /// error reply.
    pub async fn handle(&self, user: &UserKey, text: &str) -> Reply {
        let text = cut(text);
        let offer = self.take_offer(user);
        if let Some(reply) = offer.as_ref().and_then(|o| self.pick(o, text)) {
            return reply;
        }
        let normalized = self.engine.normalizer().normalize(text);
        if let Some(reply) = self.deals.try_handle(user, text, &normalized).await {
            if reply.kind != "log_unclear" {
                return reply;
            }
            // Maybe a log without a customer, maybe a question: answer the
            // question if the handbook has one, and say the log was not saved.
            let mut answer = self.answer(user, text);
            if answer.kind == "none" {
                return reply;
            }
            let note = reply.text();
            answer.footer = Some(match answer.footer.take() {
                Some(f) => format!("{f}\n{note}"),
                None => note,
            });
            return answer;
        }
        self.answer(user, text)
    }

    /// The engine's answer; choices it offers are remembered for a number.
    fn answer(&self, user: &UserKey, text: &str) -> Reply {
        let reply = self.engine.answer(text);
        if reply.kind == "choices" {
            self.remember_offer(user, &reply, Lang::of(text));
        }
        reply
    }

    /// Open the entry the user picked by number from an offer, if `text`
    /// is such a number (`2`, `②`, `第2个`).
    fn pick(&self, offer: &Offer, text: &str) -> Option<Reply> {
        let n = choice_number(text)?;
        let id = offer.ids.get(n.checked_sub(1)?)?;
        self.engine.open(id, offer.lang)
    }

    fn take_offer(&self, user: &UserKey) -> Option<Offer> {
        self.offered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(user)
    }

    fn remember_offer(&self, user: &UserKey, reply: &Reply, lang: Lang) {
        let ids = reply.items.iter().map(|i| i.id.clone()).collect();
        self.offered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user.clone(), Offer { ids, lang });
    }

    /// The user's own customer names, for autocomplete.
    pub async fn customers(&self, user: &UserKey) -> Vec<String> {
        self.deals.customers(user).await
    }
}

/// The number a user typed to pick a choice: `2`, `２`, `②`, `第2个`, `#2`.
fn choice_number(text: &str) -> Option<usize> {
    let t = text.trim();
    let t = t.strip_prefix('第').unwrap_or(t);
    let t = t.strip_prefix('#').unwrap_or(t);
    let t = t
        .strip_suffix('个')
        .or_else(|| t.strip_suffix('條'))
        .or_else(|| t.strip_suffix('条'))
        .unwrap_or(t)
        .trim();
    let mut chars = t.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c {
        '1'..='5' => Some(c as usize - '0' as usize),
        '１'..='５' => Some(c as usize - '１' as usize + 1),
        '①'..='⑤' => Some(c as usize - '①' as usize + 1),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        _ => None,
    }
}

/// The first [`MAX_MESSAGE_CHARS`] characters.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

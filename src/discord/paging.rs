//! Pages of long replies, kept in memory for the "previous / next" buttons.
//!
//! A [`PageStore`] is a bounded map behind a std `Mutex`: every operation is
//! a short map update, and the lock is never held across `.await`, so an
//! async mutex would only add cost. Entries expire after [`PAGES_TTL`] (the
//! same 15 minutes an interaction token lives) or when [`PAGES_MAX`] newer
//! sets push them out; a click on an expired set gets a short notice.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serenity::all::ButtonStyle;
use serenity::builder::{CreateActionRow, CreateButton};

use super::render::Page;

/// How long pages stay available for the buttons.
pub const PAGES_TTL: Duration = Duration::from_secs(15 * 60);
/// How many paged replies are kept at most.
pub const PAGES_MAX: usize = 2000;
/// Prefix of the buttons' custom ids.
const ID_PREFIX: &str = "ussbot:page:";

/// Why a page could not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    /// The set expired or the bot restarted since.
    #[error("这些分页已过期，请重新提问。\nThese pages have expired; please ask again.")]
    Expired,
    /// Private pages of someone else.
    #[error("这是别人的私密内容。\nThese pages belong to someone else.")]
    NotYours,
}

struct Stored {
    owner: u64,
    private: bool,
    pages: Arc<Vec<Page>>,
    at: Instant,
}

#[derive(Default)]
struct Inner {
    next: u64,
    sets: HashMap<u64, Stored>,
    order: VecDeque<u64>,
}

/// Paged replies awaiting button clicks.
#[derive(Default)]
pub struct PageStore {
    inner: Mutex<Inner>,
}

impl PageStore {
    /// Keep `pages` for `owner`; returns the key the buttons carry.
    pub fn insert(&self, owner: u64, private: bool, pages: Vec<Page>) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        while let Some(&old) = g.order.front() {
            let expired = g
                .sets
                .get(&old)
                .is_none_or(|s| now.duration_since(s.at) > PAGES_TTL);
            if expired || g.sets.len() >= PAGES_MAX {
                g.order.pop_front();
                g.sets.remove(&old);
            } else {
                break;
            }
        }
        g.next += 1;
        let key = g.next;
        g.sets.insert(
            key,
            Stored {
                owner,
                private,
                pages: Arc::new(pages),
                at: now,
            },
        );
        g.order.push_back(key);
        key
    }

    /// The pages under `key`, for `requester`.
    pub fn get(&self, key: u64, requester: u64) -> Result<Arc<Vec<Page>>, PagingError> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let s = g.sets.get(&key).ok_or(PagingError::Expired)?;
        if s.at.elapsed() > PAGES_TTL {
            return Err(PagingError::Expired);
        }
        if s.private && s.owner != requester {
            return Err(PagingError::NotYours);
        }
        Ok(Arc::clone(&s.pages))
    }
}

/// The "previous / next" buttons for page `index` of `count`, or nothing
/// for a single page.
pub fn buttons(key: u64, index: usize, count: usize) -> Vec<CreateActionRow> {
    if count <= 1 {
        return Vec::new();
    }
    let prev = CreateButton::new(format!("{ID_PREFIX}{key}:{}", index.saturating_sub(1)))
        .label("◀ 上一页 Prev")
        .style(ButtonStyle::Secondary)
        .disabled(index == 0);
    let next = CreateButton::new(format!("{ID_PREFIX}{key}:{}", index + 1))
        .label("下一页 Next ▶")
        .style(ButtonStyle::Primary)
        .disabled(index + 1 >= count);
    vec![CreateActionRow::Buttons(vec![prev, next])]
}

/// Parse a button's custom id into (key, page index).
pub fn parse_button(custom_id: &str) -> Option<(u64, usize)> {
    let rest = custom_id.strip_prefix(ID_PREFIX)?;
    let (key, index) = rest.split_once(':')?;
    Some((key.parse().ok()?, index.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_pages_are_only_for_their_owner() {
        let store = PageStore::default();
        let key = store.insert(
            7,
            true,
            vec![Page::Text("a".into()), Page::Text("b".into())],
        );
        assert_eq!(store.get(key, 7).expect("owner").len(), 2);
        assert_eq!(store.get(key, 8).expect_err("other"), PagingError::NotYours);
        assert_eq!(
            store.get(key + 1, 7).expect_err("unknown"),
            PagingError::Expired
        );
        let public = store.insert(7, false, vec![Page::Text("a".into())]);
        assert!(store.get(public, 8).is_ok());
    }

    #[test]
    fn button_ids_round_trip() {
        assert_eq!(parse_button("ussbot:page:42:3"), Some((42, 3)));
        assert_eq!(parse_button("other:1:2"), None);
        assert!(buttons(1, 0, 1).is_empty());
    }
}

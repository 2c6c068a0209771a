//! What a user was last offered to pick by number ("您是想问：① …",
//! "① 记为【恒力集团】的拜访 ② 看【恒力集团】的商机"), and reading the
//! number they type back.

use serde::{Deserialize, Serialize};

use crate::deals::View;
use crate::engine::Lang;
use crate::reply::{Item, Reply};

/// One thing a number can open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Choice {
    /// A handbook entry, by id.
    Entry(String),
    /// Record `text` as a log for the deal of customer `customer`.
    Log {
        /// The deal's customer name.
        customer: String,
        /// The message to record.
        text: String,
    },
    /// Show the deal of customer `customer`.
    Show {
        /// The deal's customer name.
        customer: String,
    },
    /// Answer `text` as a handbook question.
    Ask {
        /// The message.
        text: String,
    },
    /// Show a view of the rep's deals.
    Overview(View),
    /// Undo the log numbered `seq`, if it is still the latest.
    Undo {
        /// The log's number.
        seq: u64,
    },
    /// Leave things as they are.
    Keep,
}

/// The choices a user was offered, in the language they wrote in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Offer {
    /// In the order shown.
    pub choices: Vec<Choice>,
    /// The language of the message the offer answered.
    pub lang: Lang,
}

/// Circled numbers for choices shown as a list.
pub const CIRCLED: [&str; 5] = ["①", "②", "③", "④", "⑤"];

/// A reply offering `options` (label, choice) to pick by number; buttons on
/// Discord. Returns the reply and the offer to remember.
pub fn offer(head: String, options: Vec<(String, Choice)>, lang: Lang) -> (Reply, Offer) {
    let mut r = Reply::new("choices", None);
    let lines: Vec<String> = options
        .iter()
        .zip(CIRCLED)
        .map(|((label, _), n)| format!("{n} {label}"))
        .collect();
    r.push(None, format!("{head}\n{}", lines.join("\n")));
    r.footer = Some(
        match lang {
            Lang::Zh => "回复数字。",
            Lang::En => "Reply with a number.",
        }
        .to_string(),
    );
    r.items = options
        .iter()
        .map(|(label, _)| Item {
            id: String::new(),
            kind: "action".into(),
            title: label.clone(),
            title_zh: label.clone(),
            score: 0.0,
        })
        .collect();
    r.private = true;
    let choices = options.into_iter().map(|(_, c)| c).collect();
    (r, Offer { choices, lang })
}

/// The number a user typed to pick a choice: `2`, `２`, `②`, `第2个`, `#2`.
pub fn choice_number(text: &str) -> Option<usize> {
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

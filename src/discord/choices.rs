//! Buttons for a "您是想问：① … ② …" reply: one per offered entry. A click
//! is the same as typing the number, so the core decides what it opens.

use serenity::all::ButtonStyle;
use serenity::builder::{CreateActionRow, CreateButton};

use crate::reply::Reply;

const ID_PREFIX: &str = "ussbot:pick:";
/// Discord's limit for a button label.
const LABEL_MAX: usize = 80;
const CIRCLED: [&str; 5] = ["①", "②", "③", "④", "⑤"];

/// One button per offered item of a `choices` reply, or nothing.
pub fn buttons(reply: &Reply) -> Vec<CreateActionRow> {
    if reply.kind != "choices" || reply.items.is_empty() {
        return Vec::new();
    }
    let row = reply
        .items
        .iter()
        .zip(CIRCLED)
        .enumerate()
        .map(|(i, (item, n))| {
            let label: String = format!("{n} {}", item.title_zh)
                .chars()
                .take(LABEL_MAX)
                .collect();
            CreateButton::new(format!("{ID_PREFIX}{}", i + 1))
                .label(label)
                .style(ButtonStyle::Secondary)
        })
        .collect();
    vec![CreateActionRow::Buttons(row)]
}

/// The choice number a button stands for.
pub fn parse(custom_id: &str) -> Option<usize> {
    custom_id.strip_prefix(ID_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_ids_round_trip() {
        assert_eq!(parse("ussbot:pick:2"), Some(2));
        assert_eq!(parse("ussbot:page:1:2"), None);
    }
}

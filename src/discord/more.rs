//! The brief first: a card is posted as its three-line brief with a
//! "详细 / More" button; a click turns the message into the full card in
//! place (its pages kept in the [`super::paging::PageStore`]).

use serenity::all::ButtonStyle;
use serenity::builder::{CreateActionRow, CreateButton};

const ID_PREFIX: &str = "ussbot:more:";

/// The "详细 / More" button for the full card kept under `key`.
pub fn button(key: u64, zh: bool) -> Vec<CreateActionRow> {
    let label = if zh { "详细" } else { "More" };
    vec![CreateActionRow::Buttons(vec![CreateButton::new(format!(
        "{ID_PREFIX}{key}"
    ))
    .label(label)
    .style(ButtonStyle::Primary)])]
}

/// The key of a "More" button's custom id.
pub fn parse(custom_id: &str) -> Option<u64> {
    custom_id.strip_prefix(ID_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_ids_round_trip() {
        assert_eq!(parse("ussbot:more:42"), Some(42));
        assert_eq!(parse("ussbot:page:42:1"), None);
    }
}

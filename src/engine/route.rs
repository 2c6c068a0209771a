//! Routing: explicit commands (`/case 餐饮`) or free text. The commands
//! and the kinds each one searches come from [`crate::commands`].

use crate::commands::{self, Action};
use crate::knowledge::Kind;

/// What a message asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Route<'a> {
    /// `/help` or an empty message.
    Help,
    /// A slash command that does not exist.
    Unknown(&'a str),
    /// Search, optionally restricted to kinds; `command` names the command used.
    Search {
        kinds: Option<&'static [Kind]>,
        command: Option<&'static str>,
        query: &'a str,
    },
}

/// Route a raw message.
pub fn route(text: &str) -> Route<'_> {
    let t = text.trim();
    if t.is_empty() {
        return Route::Help;
    }
    let Some((cmd, arg)) = commands::split(t) else {
        return Route::Search {
            kinds: None,
            command: None,
            query: t,
        };
    };
    let Some(c) = commands::find(cmd) else {
        return Route::Unknown(cmd);
    };
    match c.action {
        Action::Ask if !arg.is_empty() => Route::Search {
            kinds: None,
            command: None,
            query: arg,
        },
        _ if c.topic().is_some() => Route::Search {
            kinds: Some(c.kinds),
            command: Some(c.name),
            query: arg,
        },
        // Help, a bare /ask, and deal commands (the deal service answers
        // those before the engine sees them).
        _ => Route::Help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_commands_and_free_text() {
        assert_eq!(route("  "), Route::Help);
        assert_eq!(route("/help"), Route::Help);
        assert_eq!(route("/帮助"), Route::Help);
        assert!(matches!(
            route("/case 餐饮"),
            Route::Search {
                command: Some("case"),
                query: "餐饮",
                ..
            }
        ));
        assert!(matches!(
            route("/案例 餐饮"),
            Route::Search {
                command: Some("case"),
                ..
            }
        ));
        assert!(matches!(
            route("/CLOSE"),
            Route::Search {
                command: Some("close"),
                query: "",
                ..
            }
        ));
        assert_eq!(route("/weather x"), Route::Unknown("weather"));
        assert!(matches!(
            route("客户说太贵了"),
            Route::Search { command: None, .. }
        ));
    }
}

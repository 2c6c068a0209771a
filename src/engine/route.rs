//! Routing: explicit commands (`/case 餐饮`) or free text.

use crate::knowledge::Kind;

/// The answer commands and the kinds each one searches.
pub const COMMANDS: &[(&str, &[Kind], &str, &str)] = &[
    ("case", &[Kind::Case], "参考案例", "reference cases"),
    ("point", &[Kind::SellingPoint], "产品卖点", "selling points"),
    (
        "objection",
        &[Kind::Objection],
        "异议处理方法",
        "objection handling",
    ),
    ("close", &[Kind::Closing], "成交方法", "closing methods"),
    ("skill", &[Kind::Skill], "专业销售技巧", "selling skills"),
    (
        "stage",
        &[Kind::Step, Kind::Activity],
        "五大核心步骤与关键活动",
        "USS steps and key activities",
    ),
    (
        "mode",
        &[Kind::Mode, Kind::Visit],
        "快刀/顾问/战略模式",
        "sales modes and visit programs",
    ),
    ("man", &[Kind::Man], "MAN 商机评价", "MAN qualification"),
];

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
    let Some(rest) = t.strip_prefix('/').or_else(|| t.strip_prefix('／')) else {
        return Route::Search {
            kinds: None,
            command: None,
            query: t,
        };
    };
    let (cmd, arg) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let lower = cmd.to_ascii_lowercase();
    if matches!(lower.as_str(), "help" | "start" | "帮助" | "?") {
        return Route::Help;
    }
    if lower == "ask" {
        return if arg.is_empty() {
            Route::Help
        } else {
            Route::Search {
                kinds: None,
                command: None,
                query: arg,
            }
        };
    }
    match COMMANDS.iter().find(|(name, ..)| *name == lower) {
        Some((name, kinds, ..)) => Route::Search {
            kinds: Some(kinds),
            command: Some(name),
            query: arg,
        },
        None => Route::Unknown(cmd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_commands_and_free_text() {
        assert_eq!(route("  "), Route::Help);
        assert_eq!(route("/help"), Route::Help);
        assert!(matches!(
            route("/case 餐饮"),
            Route::Search {
                command: Some("case"),
                query: "餐饮",
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

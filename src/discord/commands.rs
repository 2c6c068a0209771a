//! The slash commands of the command table ([`crate::commands`]) on
//! Discord: their definitions (typed options, English descriptions, Chinese
//! localizations, autocomplete), their translation into the text commands
//! the core understands, and autocomplete suggestions.
//!
//! Architecture invariant: a slash command is only another way to type a
//! text command. Every invocation becomes exactly the text a terminal user
//! would type (`/visit 金鹰国际 见了财务总监`), so Discord and the terminal can
//! never answer differently. The owner of a request is never an option: it
//! is the user who invoked the command.

use serenity::all::{CommandData, CommandDataOptionValue, CommandOptionType};
use serenity::builder::{CreateCommand, CreateCommandOption};

use crate::commands::{self, Action, Arg, ArgKind, COMMANDS};
use crate::knowledge::{Kind, Knowledge};

/// Locale used for the Chinese names and descriptions.
const ZH: &str = "zh-CN";
/// Longest text option (the core cuts messages at 2,000 characters).
const TEXT_MAX: u16 = 1900;
/// Autocomplete answers at most this many choices (Discord's limit).
pub const CHOICES_MAX: usize = 25;
/// Choice names and values are at most this long (Discord's limit).
const CHOICE_LEN_MAX: usize = 100;
/// Descriptions are at most this long (Discord's limit).
const DESCRIPTION_MAX: usize = 100;

/// What a slash command invocation turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The text command for the core (`/case 金鹰`).
    pub text: String,
    /// Touches the user's deal store: defer at once, reply privately.
    pub deal: bool,
}

/// A slash command that cannot be turned into a text command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The command is not one of ours (stale registration, another bot's).
    #[error(
        "未知命令 /{0}。输入 /help 查看全部命令。\nUnknown command /{0}. Type /help for the list."
    )]
    Unknown(String),
    /// A required option is missing or empty.
    #[error("/{command} 缺少选项 `{option}`。\n/{command} needs the option `{option}`.")]
    Missing {
        /// Command name (with subcommand).
        command: String,
        /// The option that is missing.
        option: String,
    },
}

/// Every slash command of the command table, with the loaded knowledge's
/// sales modes as the choices of a mode option.
pub fn definitions(knowledge: &Knowledge) -> Vec<CreateCommand> {
    COMMANDS
        .iter()
        .map(|c| {
            let mut out = CreateCommand::new(c.name)
                .description(clip(c.about.1, DESCRIPTION_MAX))
                .description_localized(ZH, clip(c.about.0, DESCRIPTION_MAX));
            if c.zh != c.name {
                out = out.name_localized(ZH, c.zh);
            }
            match c.form(None) {
                Some(form) => {
                    for a in form.args {
                        out = out.add_option(option(knowledge, a));
                    }
                }
                None => {
                    for form in c.forms {
                        let Some(sub) = form.sub else { continue };
                        let mut o = CreateCommandOption::new(
                            CommandOptionType::SubCommand,
                            sub.name,
                            clip(form.about.1, DESCRIPTION_MAX),
                        )
                        .name_localized(ZH, sub.zh)
                        .description_localized(ZH, clip(form.about.0, DESCRIPTION_MAX));
                        for a in form.args {
                            o = o.add_sub_option(option(knowledge, a));
                        }
                        out = out.add_option(o);
                    }
                }
            }
            out
        })
        .collect()
}

/// The Discord option for one argument of the table.
fn option(knowledge: &Knowledge, a: &Arg) -> CreateCommandOption {
    let mut o = CreateCommandOption::new(CommandOptionType::String, a.name, a.about.1)
        .name_localized(ZH, a.zh)
        .description_localized(ZH, a.about.0)
        .required(a.required);
    match a.kind {
        ArgKind::Query => o = o.set_autocomplete(true).max_length(TEXT_MAX),
        ArgKind::Text => o = o.max_length(TEXT_MAX),
        ArgKind::Customer => o = o.set_autocomplete(true).max_length(CHOICE_LEN_MAX as u16),
        ArgKind::Mode => {
            for e in knowledge.of_kind(Kind::Mode).take(CHOICES_MAX) {
                o = o.add_string_choice_localized(
                    clip(&e.title, CHOICE_LEN_MAX),
                    clip(&e.title_zh, CHOICE_LEN_MAX),
                    [(ZH, clip(&e.title_zh, CHOICE_LEN_MAX))],
                );
            }
        }
        ArgKind::YesNo => {
            o = o
                .add_string_choice_localized("yes", "yes", [(ZH, "有")])
                .add_string_choice_localized("no", "no", [(ZH, "无")])
                .add_string_choice_localized("unknown", "unknown", [(ZH, "未知")]);
        }
    }
    o
}

/// The command path and string options of an invocation, serenity-free.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    /// Command name.
    pub name: String,
    /// Subcommand name, if any.
    pub sub: Option<String>,
    /// String options (name, value), empty values dropped.
    pub options: Vec<(String, String)>,
}

impl Parts {
    /// Extract from serenity's command data.
    pub fn from_data(data: &CommandData) -> Parts {
        let mut parts = Parts {
            name: data.name.clone(),
            ..Parts::default()
        };
        let mut opts = &data.options;
        if let Some(first) = data.options.first() {
            if let CommandDataOptionValue::SubCommand(inner) = &first.value {
                parts.sub = Some(first.name.clone());
                opts = inner;
            }
        }
        for o in opts {
            let v = match &o.value {
                CommandDataOptionValue::String(s) => s.trim().to_string(),
                CommandDataOptionValue::Autocomplete { value, .. } => value.trim().to_string(),
                CommandDataOptionValue::Integer(i) => i.to_string(),
                CommandDataOptionValue::Boolean(b) => b.to_string(),
                _ => continue,
            };
            if !v.is_empty() {
                parts.options.push((o.name.clone(), v));
            }
        }
        parts
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn path(&self) -> String {
        match &self.sub {
            Some(s) => format!("{} {s}", self.name),
            None => self.name.clone(),
        }
    }

    fn need(&self, name: &str) -> Result<&str, CommandError> {
        self.get(name).ok_or_else(|| CommandError::Missing {
            command: self.path(),
            option: name.to_string(),
        })
    }
}

/// The text command a terminal user would type for this invocation: the
/// command's form in the table, then its arguments in order (a customer
/// quoted when needed, `key=value` for keyed ones). `/ask` sends the
/// question itself, so it is understood exactly as typed free text.
pub fn to_text(p: &Parts) -> Result<Invocation, CommandError> {
    let unknown = || CommandError::Unknown(p.path());
    let spec = commands::named(&p.name).ok_or_else(unknown)?;
    let form = spec.form(p.sub.as_deref()).ok_or_else(unknown)?;
    let mut words = Vec::new();
    for a in form.args {
        let value = match p.get(a.name) {
            Some(v) => v,
            None if a.required => p.need(a.name)?,
            None => continue,
        };
        words.push(match (a.kind, a.keyed) {
            (ArgKind::Customer, _) => customer(value),
            (_, true) => format!("{}={value}", a.name),
            _ => value.to_string(),
        });
    }
    let text = match spec.action {
        Action::Ask => words.join(" "),
        _ if words.is_empty() => format!("/{}", spec.name),
        _ => format!("/{} {}", spec.name, words.join(" ")),
    };
    Ok(Invocation {
        text,
        deal: form.deal,
    })
}

/// A customer name as the first argument of a text command: quoted when
/// it holds a space or a separator, so the deal parser reads it whole.
fn customer(name: &str) -> String {
    let plain = !name
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, ',' | '，' | ':' | '：' | '"' | '“' | '「'));
    if plain {
        name.to_string()
    } else if !name.contains('"') {
        format!("\"{name}\"")
    } else {
        format!("「{name}」")
    }
}

/// Whether the focused option of this command completes customer names.
pub fn completes_customers(option: &str) -> bool {
    option == "customer"
}

/// Knowledge suggestions for the focused `query` option of `command`:
/// (shown name, value sent: the entry id), best first, at most [`CHOICES_MAX`].
pub fn knowledge_choices(k: &Knowledge, command: &str, partial: &str) -> Vec<(String, String)> {
    let Some(kinds) = commands::named(command).map(|c| c.kinds) else {
        return Vec::new();
    };
    let needle = partial.trim().to_lowercase();
    let mut hits: Vec<(usize, String, String)> = kinds
        .iter()
        .flat_map(|&kind| k.of_kind(kind))
        .filter_map(|e| {
            let zh = e.title_zh.to_lowercase();
            let en = e.title.to_lowercase();
            let rank = if needle.is_empty() {
                2
            } else if zh.starts_with(&needle) || en.starts_with(&needle) {
                0
            } else if zh.contains(&needle)
                || en.contains(&needle)
                || e.id.as_str().contains(&needle)
            {
                1
            } else {
                return None;
            };
            let shown = clip(&format!("{} · {}", e.title_zh, e.title), CHOICE_LEN_MAX);
            // The value sent is the entry's id, which opens exactly this
            // entry (a title such as "M+A+N 有望客户" would be read as words).
            Some((rank, shown, e.id.as_str().to_string()))
        })
        .collect();
    hits.sort_by_key(|h| h.0);
    hits.into_iter()
        .take(CHOICES_MAX)
        .map(|(_, n, v)| (n, v))
        .collect()
}

/// Customer suggestions from the user's own deals.
pub fn customer_choices(customers: &[String], partial: &str) -> Vec<(String, String)> {
    let needle = partial.trim().to_lowercase();
    customers
        .iter()
        .filter(|c| needle.is_empty() || c.to_lowercase().contains(&needle))
        .take(CHOICES_MAX)
        .map(|c| (clip(c, CHOICE_LEN_MAX), clip(c, CHOICE_LEN_MAX)))
        .collect()
}

/// At most `max` characters.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str, sub: Option<&str>, opts: &[(&str, &str)]) -> Parts {
        Parts {
            name: name.into(),
            sub: sub.map(Into::into),
            options: opts
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn every_command_becomes_the_terminal_text() {
        let cases: &[(Parts, &str, bool)] = &[
            (
                parts("ask", None, &[("question", "客户说太贵")]),
                "客户说太贵",
                false,
            ),
            (
                parts("case", None, &[("query", "金鹰")]),
                "/case 金鹰",
                false,
            ),
            (parts("close", None, &[]), "/close", false),
            (
                parts("stage", None, &[("query", "立项")]),
                "/stage 立项",
                false,
            ),
            (
                parts("mode", Some("about"), &[("query", "快刀")]),
                "/mode 快刀",
                false,
            ),
            (
                parts(
                    "mode",
                    Some("set"),
                    &[("customer", "金鹰"), ("mode", "快刀模式")],
                ),
                "/mode 金鹰 快刀模式",
                true,
            ),
            (
                parts(
                    "man",
                    Some("set"),
                    &[
                        ("customer", "金鹰"),
                        ("money", "yes"),
                        ("authority", "no"),
                        ("need", "unknown"),
                    ],
                ),
                "/man 金鹰 money=yes authority=no need=unknown",
                true,
            ),
            (parts("man", Some("about"), &[]), "/man", false),
            (parts("help", None, &[]), "/help", false),
            (
                parts("visit", None, &[("customer", "金鹰"), ("notes", "见了CFO")]),
                "/visit 金鹰 见了CFO",
                true,
            ),
            (
                parts("deal", None, &[("customer", "金鹰")]),
                "/deal 金鹰",
                true,
            ),
            (parts("deals", None, &[]), "/deals", true),
            (
                parts("deal", None, &[("customer", "Golden Eagle, Ltd")]),
                "/deal \"Golden Eagle, Ltd\"",
                true,
            ),
            (parts("undo", None, &[]), "/undo", true),
            (
                parts("won", None, &[("customer", "金鹰")]),
                "/won 金鹰",
                true,
            ),
            (
                parts("lost", None, &[("customer", "金鹰"), ("reason", "价格")]),
                "/lost 金鹰 价格",
                true,
            ),
        ];
        for (p, text, deal) in cases {
            let inv = to_text(p).expect("valid");
            assert_eq!(inv.text, *text);
            assert_eq!(inv.deal, *deal, "{text}");
        }
    }

    #[test]
    fn missing_and_unknown_are_errors_that_name_the_problem() {
        let e = to_text(&parts("visit", None, &[("customer", "金鹰")])).expect_err("missing");
        assert!(e.to_string().contains("notes"), "{e}");
        let e = to_text(&parts("frobnicate", None, &[])).expect_err("unknown");
        assert!(e.to_string().contains("/frobnicate"), "{e}");
    }

    #[test]
    fn customer_choices_filter_and_cap() {
        let names: Vec<String> = (0..40).map(|i| format!("客户{i}")).collect();
        assert_eq!(customer_choices(&names, "").len(), CHOICES_MAX);
        assert_eq!(customer_choices(&names, "客户39").len(), 1);
    }
}

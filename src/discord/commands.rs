//! The slash commands: their definitions (typed options, English
//! descriptions, Chinese localizations, autocomplete), their translation
//! into the text commands the core understands, and autocomplete
//! suggestions.
//!
//! Architecture invariant: a slash command is only another way to type a
//! text command. Every invocation becomes exactly the text a terminal user
//! would type (`/visit 金鹰国际 见了财务总监`), so Discord and the terminal can
//! never answer differently. The owner of a request is never an option: it
//! is the user who invoked the command.

use serenity::all::{CommandData, CommandDataOptionValue, CommandOptionType};
use serenity::builder::{CreateCommand, CreateCommandOption};

use crate::knowledge::{Kind, Knowledge};

/// Locale used for the Chinese names and descriptions.
const ZH: &str = "zh-CN";
/// Longest text option (the core cuts messages at 2,000 characters).
const TEXT_MAX: u16 = 1900;
/// Autocomplete answers at most this many choices (Discord's limit).
pub const CHOICES_MAX: usize = 25;
/// Choice names and values are at most this long (Discord's limit).
const CHOICE_LEN_MAX: usize = 100;

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

/// One option: name, Chinese name, description, Chinese description.
struct Opt {
    name: &'static str,
    zh: &'static str,
    desc: &'static str,
    desc_zh: &'static str,
}

const QUERY: Opt = Opt {
    name: "query",
    zh: "关键词",
    desc: "What to look up (leave empty for the list)",
    desc_zh: "要查找的内容（留空列出全部）",
};
const CUSTOMER: Opt = Opt {
    name: "customer",
    zh: "客户",
    desc: "Customer name (one of your deals, or a new one)",
    desc_zh: "客户名称（你的商机之一，或新客户）",
};

/// The knowledge commands: name, Chinese name, description, Chinese
/// description, and the entry kinds their query autocompletes from.
const KNOWLEDGE_COMMANDS: &[(&str, &str, &str, &str, &[Kind])] = &[
    (
        "case",
        "案例",
        "Find a reference case to tell the customer",
        "查找可讲给客户的参考案例",
        &[Kind::Case],
    ),
    (
        "point",
        "卖点",
        "Selling points: value and benefits by role",
        "卖点：按角色的价值与利益",
        &[Kind::SellingPoint],
    ),
    (
        "objection",
        "异议",
        "How to handle a customer objection",
        "如何处理客户异议",
        &[Kind::Objection],
    ),
    (
        "close",
        "成交",
        "Closing methods and what to say",
        "成交方法与话术",
        &[Kind::Closing],
    ),
    (
        "skill",
        "技巧",
        "Selling skills and prospecting, approach and assessment methods",
        "销售技巧，以及寻找、接近、评估客户的方法",
        &[Kind::Skill, Kind::Method],
    ),
    (
        "stage",
        "阶段",
        "The USS steps and key activities",
        "USS 核心步骤与关键活动",
        &[Kind::Step, Kind::Activity],
    ),
];

/// Every slash command, built from the loaded knowledge (mode choices come
/// from it).
pub fn definitions(knowledge: &Knowledge) -> Vec<CreateCommand> {
    let mut out = vec![command(
        "ask",
        "提问",
        "Ask anything about USS selling",
        "任意提问：USS 销售的方法、案例、话术",
    )
    .add_option(text_opt(
        Opt {
            name: "question",
            zh: "问题",
            desc: "Your question, in Chinese or English",
            desc_zh: "你的问题（中文或英文）",
        },
        true,
    ))];
    for &(name, zh, desc, desc_zh, _) in KNOWLEDGE_COMMANDS {
        out.push(
            command(name, zh, desc, desc_zh)
                .add_option(text_opt(QUERY, false).set_autocomplete(true)),
        );
    }

    let mut mode_choice = text_opt(
        Opt {
            name: "mode",
            zh: "模式",
            desc: "The sales mode for this deal",
            desc_zh: "该商机的销售模式",
        },
        true,
    );
    for e in knowledge.of_kind(Kind::Mode).take(CHOICES_MAX) {
        mode_choice = mode_choice.add_string_choice_localized(
            clip(&e.title, CHOICE_LEN_MAX),
            clip(&e.title_zh, CHOICE_LEN_MAX),
            [(ZH, clip(&e.title_zh, CHOICE_LEN_MAX))],
        );
    }
    out.push(
        command(
            "mode",
            "模式",
            "Sales modes, or set the mode of a deal",
            "销售模式，或设置商机的模式",
        )
        .add_option(
            sub(
                "about",
                "了解",
                "Explain a sales mode and its visits",
                "讲解销售模式及其拜访程序",
            )
            .add_sub_option(text_opt(QUERY, false).set_autocomplete(true)),
        )
        .add_option(
            sub(
                "set",
                "设置",
                "Set the sales mode of one of your deals",
                "设置你的某个商机的销售模式",
            )
            .add_sub_option(customer_opt())
            .add_sub_option(mode_choice),
        ),
    );

    let yn = |o: Opt| {
        text_opt(o, true)
            .add_string_choice_localized("yes", "yes", [(ZH, "有")])
            .add_string_choice_localized("no", "no", [(ZH, "无")])
            .add_string_choice_localized("unknown", "unknown", [(ZH, "未知")])
    };
    out.push(
        command(
            "man",
            "man",
            "The MAN rule (Money, Authority, Need)",
            "MAN 原则（资金、决策权、需求）",
        )
        .add_option(
            sub("about", "了解", "Explain MAN combinations", "讲解 MAN 组合")
                .add_sub_option(text_opt(QUERY, false).set_autocomplete(true)),
        )
        .add_option(
            sub(
                "set",
                "设置",
                "Record MAN for one of your deals",
                "记录你的某个商机的 MAN 情况",
            )
            .add_sub_option(customer_opt())
            .add_sub_option(yn(Opt {
                name: "money",
                zh: "资金",
                desc: "Does the customer have the money?",
                desc_zh: "客户有资金吗？",
            }))
            .add_sub_option(yn(Opt {
                name: "authority",
                zh: "决策权",
                desc: "Are you talking to the decision maker?",
                desc_zh: "对接人有决策权吗？",
            }))
            .add_sub_option(yn(Opt {
                name: "need",
                zh: "需求",
                desc: "Does the customer have the need?",
                desc_zh: "客户有需求吗？",
            })),
        ),
    );
    out.push(command(
        "help",
        "帮助",
        "What this bot can do",
        "本机器人能做什么",
    ));

    out.push(
        command(
            "visit",
            "拜访",
            "Log a customer visit (private)",
            "记录一次客户拜访（仅自己可见）",
        )
        .add_option(customer_opt())
        .add_option(text_opt(
            Opt {
                name: "notes",
                zh: "纪要",
                desc: "What happened: who you met, what was agreed",
                desc_zh: "拜访纪要：见了谁，谈成了什么",
            },
            true,
        )),
    );
    out.push(
        command(
            "deal",
            "商机",
            "Show one of your deals (private)",
            "查看你的某个商机（仅自己可见）",
        )
        .add_option(customer_opt()),
    );
    out.push(command(
        "deals",
        "商机列表",
        "List your deals (private)",
        "列出你的全部商机（仅自己可见）",
    ));
    out.push(command(
        "undo",
        "撤销",
        "Undo your last deal change",
        "撤销你上一次的商机修改",
    ));
    out.push(
        command("won", "赢单", "Mark a deal as won", "将商机标记为赢单").add_option(customer_opt()),
    );
    out.push(
        command(
            "lost",
            "丢单",
            "Mark a deal as lost, with the reason",
            "将商机标记为丢单并记录原因",
        )
        .add_option(customer_opt())
        .add_option(text_opt(
            Opt {
                name: "reason",
                zh: "原因",
                desc: "Why the deal was lost",
                desc_zh: "丢单原因",
            },
            true,
        )),
    );
    out
}

fn command(name: &str, zh: &str, desc: &str, desc_zh: &str) -> CreateCommand {
    CreateCommand::new(name)
        .name_localized(ZH, zh)
        .description(desc)
        .description_localized(ZH, desc_zh)
}

fn sub(name: &str, zh: &str, desc: &str, desc_zh: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, desc)
        .name_localized(ZH, zh)
        .description_localized(ZH, desc_zh)
}

fn text_opt(o: Opt, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, o.name, o.desc)
        .name_localized(ZH, o.zh)
        .description_localized(ZH, o.desc_zh)
        .required(required)
        .max_length(TEXT_MAX)
}

fn customer_opt() -> CreateCommandOption {
    text_opt(CUSTOMER, true)
        .set_autocomplete(true)
        .max_length(CHOICE_LEN_MAX as u16)
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

/// Turn an invocation into the text command the core understands.
pub fn to_text(p: &Parts) -> Result<Invocation, CommandError> {
    let answer = |text: String| Ok(Invocation { text, deal: false });
    let deal = |text: String| Ok(Invocation { text, deal: true });
    let with_query = |cmd: &str| match p.get("query") {
        Some(q) => format!("/{cmd} {q}"),
        None => format!("/{cmd}"),
    };
    match (p.name.as_str(), p.sub.as_deref()) {
        ("ask", None) => answer(p.need("question")?.to_string()),
        (name, None) if KNOWLEDGE_COMMANDS.iter().any(|c| c.0 == name) => answer(with_query(name)),
        ("mode" | "man", Some("about")) => answer(with_query(&p.name)),
        ("mode", Some("set")) => deal(format!(
            "/mode {} {}",
            customer(p.need("customer")?),
            p.need("mode")?
        )),
        ("man", Some("set")) => deal(format!(
            "/man {} money={} authority={} need={}",
            customer(p.need("customer")?),
            p.need("money")?,
            p.need("authority")?,
            p.need("need")?
        )),
        ("help", None) => answer("/help".to_string()),
        ("visit", None) => deal(format!(
            "/visit {} {}",
            customer(p.need("customer")?),
            p.need("notes")?
        )),
        ("deal", None) => deal(format!("/deal {}", customer(p.need("customer")?))),
        ("deals", None) => deal("/deals".to_string()),
        ("undo", None) => deal("/undo".to_string()),
        ("won", None) => deal(format!("/won {}", customer(p.need("customer")?))),
        ("lost", None) => deal(format!(
            "/lost {} {}",
            customer(p.need("customer")?),
            p.need("reason")?
        )),
        _ => Err(CommandError::Unknown(p.path())),
    }
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
    let kinds: &[Kind] = match command {
        "mode" => &[Kind::Mode, Kind::Visit],
        "man" => &[Kind::Man],
        other => match KNOWLEDGE_COMMANDS.iter().find(|c| c.0 == other) {
            Some(c) => c.4,
            None => return Vec::new(),
        },
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

//! The one command table: every slash command, its aliases, its help in
//! Chinese and English, its arguments and whether it touches the user's
//! deals. Routing (`engine::route`, `deals::parse`), `/help`, usage
//! messages, the unknown-command reply and the Discord registration are all
//! read from [`COMMANDS`]; nothing else lists the commands.
//!
//! Pure data plus lookups: no IO, no platform types.

use crate::knowledge::Kind;

/// A text in Chinese and in English: `(zh, en)`.
pub type Text = (&'static str, &'static str);

/// What a command does once routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// What the bot can do.
    Help,
    /// A free question (`/ask 客户说太贵了`).
    Ask,
    /// Look up the handbook within [`Command::kinds`] only.
    Search,
    /// Log a visit.
    Visit,
    /// Show one deal.
    Deal,
    /// List the user's deals.
    Deals,
    /// Take back the last change.
    Undo,
    /// Mark a deal won.
    Won,
    /// Mark a deal lost.
    Lost,
    /// Explain a sales mode, or set a deal's mode.
    Mode,
    /// Explain MAN, or record a deal's MAN.
    Man,
}

/// What an argument holds; front ends pick their widget from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Words to look up in the command's kinds (autocompleted from them).
    Query,
    /// One of the user's customers, or a new one (autocompleted from the deals).
    Customer,
    /// Free text.
    Text,
    /// One of the knowledge's sales modes.
    Mode,
    /// yes / no / unknown.
    YesNo,
}

/// One argument of a command form.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Option name on Discord (`customer`).
    pub name: &'static str,
    /// Its Chinese name (`客户`).
    pub zh: &'static str,
    /// What to put there, (zh, en).
    pub about: Text,
    /// How help and usage show it (`客户`, `CUSTOMER`).
    pub shown: Text,
    /// Written `key=value` in the text command (`money=yes`).
    pub keyed: bool,
    /// Which values it takes.
    pub kind: ArgKind,
    /// Whether the form needs it.
    pub required: bool,
}

/// A Discord subcommand: name, Chinese name.
#[derive(Debug, Clone, Copy)]
pub struct Sub {
    /// Name (`set`).
    pub name: &'static str,
    /// Chinese name (`设置`).
    pub zh: &'static str,
}

/// One way to use a command (`/mode 快刀` explains, `/mode 客户 快刀` sets).
#[derive(Debug, Clone, Copy)]
pub struct Form {
    /// The Discord subcommand, when the command has several forms.
    pub sub: Option<Sub>,
    /// Arguments, in the order the text command takes them.
    pub args: &'static [Arg],
    /// What this form does, (zh, en): the help line and Discord description.
    pub about: Text,
    /// An example of the arguments, (zh, en), for usage messages and lists.
    pub example: Text,
    /// Reads or changes the user's deals: private, and deferred on Discord.
    pub deal: bool,
}

/// One command.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// Name (`visit`).
    pub name: &'static str,
    /// Chinese name (`拜访`); typing it works like the name.
    pub zh: &'static str,
    /// Other names that work when typed (`log`).
    pub aliases: &'static [&'static str],
    /// What it is about, (zh, en): the Discord description and list titles.
    pub about: Text,
    /// What it does.
    pub action: Action,
    /// The handbook kinds it looks up (empty for deal-only commands).
    pub kinds: &'static [Kind],
    /// Its forms; the first is the one help shows first.
    pub forms: &'static [Form],
}

impl Command {
    /// The form for a Discord subcommand (`None`: the command's only form).
    pub fn form(&self, sub: Option<&str>) -> Option<&'static Form> {
        match sub {
            None => (self.forms.len() == 1).then(|| &self.forms[0]),
            Some(s) => self
                .forms
                .iter()
                .find(|f| f.sub.is_some_and(|x| x.name == s)),
        }
    }

    /// The handbook form (what the command looks up), for commands with kinds.
    pub fn topic(&self) -> Option<&'static Form> {
        if self.kinds.is_empty() {
            return None;
        }
        self.forms.iter().find(|f| !f.deal)
    }

    /// The deal-changing form, if the command has one.
    pub fn deal_form(&self) -> Option<&'static Form> {
        self.forms.iter().find(|f| f.deal)
    }

    /// `/name` followed by the form's arguments as help shows them.
    pub fn synopsis(&self, form: &Form, zh: bool) -> String {
        let mut s = format!("/{}", self.name);
        for a in form.args {
            s.push(' ');
            let shown = if zh { a.shown.0 } else { a.shown.1 };
            if a.required {
                s.push_str(shown);
            } else {
                s.push('[');
                s.push_str(shown);
                s.push(']');
            }
        }
        s
    }

    /// The usage message for `form`, with its example.
    pub fn usage(&self, form: &Form, zh: bool) -> String {
        let synopsis = self.synopsis(form, zh);
        let (about, example) = if zh {
            (form.about.0, form.example.0)
        } else {
            (form.about.1, form.example.1)
        };
        let example = if example.is_empty() {
            String::new()
        } else if zh {
            format!("，例如 /{} {example}", self.name)
        } else {
            format!(", e.g. /{} {example}", self.name)
        };
        if zh {
            format!("用法：{synopsis}（{about}）{example}")
        } else {
            format!("Usage: {synopsis} ({about}){example}")
        }
    }
}

/// The command a typed name means: its name, Chinese name or an alias,
/// case-insensitive.
pub fn find(typed: &str) -> Option<&'static Command> {
    let t = typed.trim().to_lowercase();
    COMMANDS
        .iter()
        .find(|c| c.name == t || c.zh == t || c.aliases.contains(&t.as_str()))
}

/// The command called `name` exactly (its canonical name).
pub fn named(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Split `/name rest` into the name and its argument text; `None` when
/// the message is not a slash command.
pub fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim().strip_prefix(['/', '／'])?;
    Some(match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    })
}

const QUERY: Arg = Arg {
    name: "query",
    zh: "关键词",
    about: (
        "要查找的内容（留空列出全部）",
        "What to look up (leave empty for the list)",
    ),
    shown: ("关键词", "words"),
    keyed: false,
    kind: ArgKind::Query,
    required: false,
};

const CUSTOMER: Arg = Arg {
    name: "customer",
    zh: "客户",
    about: (
        "客户名称（你的商机之一，或新客户）",
        "Customer name (one of your deals, or a new one)",
    ),
    shown: ("客户", "CUSTOMER"),
    keyed: false,
    kind: ArgKind::Customer,
    required: true,
};

const fn yes_no(name: &'static str, zh: &'static str, about: Text, shown: &'static str) -> Arg {
    Arg {
        name,
        zh,
        about,
        shown: (shown, shown),
        keyed: true,
        kind: ArgKind::YesNo,
        required: true,
    }
}

/// A free-text argument.
const fn text(
    name: &'static str,
    zh: &'static str,
    about: Text,
    shown: Text,
    required: bool,
) -> Arg {
    Arg {
        name,
        zh,
        about,
        shown,
        keyed: false,
        kind: ArgKind::Text,
        required,
    }
}

/// A handbook lookup command: one optional query.
const fn search(about: Text, example: &'static str) -> [Form; 1] {
    [Form {
        sub: None,
        args: &[QUERY],
        about,
        example: (example, example),
        deal: false,
    }]
}

const CASE: [Form; 1] = search(("参考案例", "reference cases"), "餐饮");
const POINT: [Form; 1] = search(("产品卖点", "selling points"), "审批流");
const OBJECTION: [Form; 1] = search(("异议处理方法", "objection handling"), "太贵");
const CLOSE: [Form; 1] = search(("成交方法", "closing methods"), "最后障碍");
const SKILL: [Form; 1] = search(
    ("专业销售技巧与方法", "selling skills and methods"),
    "开场白",
);
const STAGE: [Form; 1] = search(
    ("五大核心步骤与关键活动", "USS steps and key activities"),
    "方案呈现",
);

/// Every command, in the order help lists them.
pub static COMMANDS: &[Command] = &[
    Command {
        name: "ask",
        zh: "提问",
        aliases: &[],
        about: (
            "任意提问：USS 销售的方法、案例、话术",
            "Ask anything about USS selling",
        ),
        action: Action::Ask,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[text(
                "question",
                "问题",
                (
                    "你的问题（中文或英文）",
                    "Your question, in Chinese or English",
                ),
                ("问题", "QUESTION"),
                true,
            )],
            about: ("任意提问", "ask anything"),
            example: ("客户说太贵了", "the customer says it is too expensive"),
            deal: false,
        }],
    },
    Command {
        name: "case",
        zh: "案例",
        aliases: &[],
        about: (
            "参考案例：可讲给客户的成功故事",
            "Reference cases to tell the customer",
        ),
        action: Action::Search,
        kinds: &[Kind::Case],
        forms: &CASE,
    },
    Command {
        name: "point",
        zh: "卖点",
        aliases: &[],
        about: (
            "卖点：按角色的价值与利益",
            "Selling points: value and benefits by role",
        ),
        action: Action::Search,
        kinds: &[Kind::SellingPoint],
        forms: &POINT,
    },
    Command {
        name: "objection",
        zh: "异议",
        aliases: &[],
        about: ("如何处理客户异议", "How to handle a customer objection"),
        action: Action::Search,
        kinds: &[Kind::Objection],
        forms: &OBJECTION,
    },
    Command {
        name: "close",
        zh: "成交",
        aliases: &[],
        about: ("成交方法与话术", "Closing methods and what to say"),
        action: Action::Search,
        kinds: &[Kind::Closing],
        forms: &CLOSE,
    },
    Command {
        name: "skill",
        zh: "技巧",
        aliases: &[],
        about: (
            "销售技巧，以及寻找、接近、评估客户的方法",
            "Selling skills and prospecting, approach and assessment methods",
        ),
        action: Action::Search,
        kinds: &[Kind::Skill, Kind::Method],
        forms: &SKILL,
    },
    Command {
        name: "stage",
        zh: "阶段",
        aliases: &[],
        about: ("USS 核心步骤与关键活动", "The USS steps and key activities"),
        action: Action::Search,
        kinds: &[Kind::Step, Kind::Activity],
        forms: &STAGE,
    },
    Command {
        name: "mode",
        zh: "模式",
        aliases: &[],
        about: (
            "销售模式，或设置商机的模式",
            "Sales modes, or set the mode of a deal",
        ),
        action: Action::Mode,
        kinds: &[Kind::Mode, Kind::Visit],
        forms: &[
            Form {
                sub: Some(Sub {
                    name: "about",
                    zh: "了解",
                }),
                args: &[QUERY],
                about: (
                    "快刀/顾问/战略模式与拜访程序",
                    "sales modes and visit programs",
                ),
                example: ("快刀", "quick"),
                deal: false,
            },
            Form {
                sub: Some(Sub {
                    name: "set",
                    zh: "设置",
                }),
                args: &[
                    CUSTOMER,
                    Arg {
                        name: "mode",
                        zh: "模式",
                        about: ("该商机的销售模式", "The sales mode for this deal"),
                        shown: ("快刀|顾问|战略", "quick|consultant|strategic"),
                        keyed: false,
                        kind: ArgKind::Mode,
                        required: true,
                    },
                ],
                about: (
                    "改一个商机的销售模式",
                    "set the sales mode of one of your deals",
                ),
                example: ("金鹰国际 顾问", "Acme consultant"),
                deal: true,
            },
        ],
    },
    Command {
        name: "man",
        zh: "man",
        aliases: &[],
        about: (
            "MAN 原则（资金、决策权、需求）",
            "The MAN rule (Money, Authority, Need)",
        ),
        action: Action::Man,
        kinds: &[Kind::Man],
        forms: &[
            Form {
                sub: Some(Sub {
                    name: "about",
                    zh: "了解",
                }),
                args: &[QUERY],
                about: (
                    "MAN 商机评价与组合",
                    "MAN qualification and its combinations",
                ),
                example: ("M+a+N", "M+a+N"),
                deal: false,
            },
            Form {
                sub: Some(Sub {
                    name: "set",
                    zh: "设置",
                }),
                args: &[
                    CUSTOMER,
                    yes_no(
                        "money",
                        "资金",
                        ("客户有资金吗？", "Does the customer have the money?"),
                        "money=yes",
                    ),
                    yes_no(
                        "authority",
                        "决策权",
                        (
                            "对接人有决策权吗？",
                            "Are you talking to the decision maker?",
                        ),
                        "authority=no",
                    ),
                    yes_no(
                        "need",
                        "需求",
                        ("客户有需求吗？", "Does the customer have the need?"),
                        "need=unknown",
                    ),
                ],
                about: (
                    "记一个商机的 MAN（也可写 /man 客户 M+a+N）",
                    "record MAN for one of your deals (or /man CUSTOMER M+a+N)",
                ),
                example: (
                    "金鹰国际 money=yes authority=no need=yes",
                    "Acme money=yes authority=no need=yes",
                ),
                deal: true,
            },
        ],
    },
    Command {
        name: "visit",
        zh: "拜访",
        aliases: &["log"],
        about: (
            "记录一次客户拜访（仅自己可见）",
            "Log a customer visit (private)",
        ),
        action: Action::Visit,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[
                CUSTOMER,
                text(
                    "notes",
                    "纪要",
                    (
                        "拜访纪要：见了谁，谈成了什么",
                        "What happened: who you met, what was agreed",
                    ),
                    ("拜访内容", "NOTES"),
                    true,
                ),
            ],
            about: ("记一次拜访", "log a visit"),
            example: (
                "金鹰国际 见了小王总，确认了需求范围，下周做方案呈现",
                "Acme met John, confirmed the need scope (确认需求范围)",
            ),
            deal: true,
        }],
    },
    Command {
        name: "deal",
        zh: "商机",
        aliases: &[],
        about: (
            "查看你的某个商机（仅自己可见）",
            "Show one of your deals (private)",
        ),
        action: Action::Deal,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[CUSTOMER],
            about: ("看一个商机", "one deal"),
            example: ("金鹰国际", "Acme"),
            deal: true,
        }],
    },
    Command {
        name: "deals",
        zh: "商机列表",
        aliases: &["pipeline"],
        about: (
            "列出你的全部商机（仅自己可见）",
            "List your deals (private)",
        ),
        action: Action::Deals,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[],
            about: ("我的全部商机", "my pipeline"),
            example: ("", ""),
            deal: true,
        }],
    },
    Command {
        name: "undo",
        zh: "撤销",
        aliases: &[],
        about: ("撤销你上一次的商机记录", "Undo your last deal change"),
        action: Action::Undo,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[],
            about: ("撤销我上一次拜访记录", "remove my last visit"),
            example: ("", ""),
            deal: true,
        }],
    },
    Command {
        name: "won",
        zh: "赢单",
        aliases: &[],
        about: ("将商机标记为赢单", "Mark a deal as won"),
        action: Action::Won,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[
                CUSTOMER,
                text(
                    "note",
                    "备注",
                    ("备注（可不填）", "A note (optional)"),
                    ("备注", "NOTE"),
                    false,
                ),
            ],
            about: ("赢单", "mark it won"),
            example: ("金鹰国际 合同已签", "Acme contract signed"),
            deal: true,
        }],
    },
    Command {
        name: "lost",
        zh: "丢单",
        aliases: &[],
        about: (
            "将商机标记为丢单并记录原因",
            "Mark a deal as lost, with the reason",
        ),
        action: Action::Lost,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[
                CUSTOMER,
                text(
                    "reason",
                    "原因",
                    ("丢单原因", "Why the deal was lost"),
                    ("原因", "REASON"),
                    true,
                ),
            ],
            about: ("丢单，记下原因", "mark it lost, with the reason"),
            example: ("金鹰国际 预算取消", "Acme budget cancelled"),
            deal: true,
        }],
    },
    Command {
        name: "help",
        zh: "帮助",
        aliases: &["start", "?", "？"],
        about: ("本机器人能做什么", "What this bot can do"),
        action: Action::Help,
        kinds: &[],
        forms: &[Form {
            sub: None,
            args: &[],
            about: ("本说明", "this help"),
            example: ("", ""),
            deal: false,
        }],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_chinese_names_find_their_command() {
        assert_eq!(find("VISIT").map(|c| c.name), Some("visit"));
        assert_eq!(find("log").map(|c| c.name), Some("visit"));
        assert_eq!(find("拜访").map(|c| c.name), Some("visit"));
        assert_eq!(find("帮助").map(|c| c.name), Some("help"));
        assert_eq!(find("pipeline").map(|c| c.name), Some("deals"));
        assert!(find("weather").is_none());
    }

    #[test]
    fn no_two_commands_answer_to_the_same_word() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            for w in std::iter::once(c.name)
                .chain((c.zh != c.name).then_some(c.zh))
                .chain(c.aliases.iter().copied())
            {
                assert!(seen.insert(w), "{w} names two commands");
            }
        }
    }

    #[test]
    fn every_form_can_be_chosen() {
        for c in COMMANDS {
            assert!(!c.forms.is_empty(), "/{}", c.name);
            if c.forms.len() > 1 {
                assert!(c.forms.iter().all(|f| f.sub.is_some()), "/{}", c.name);
            } else {
                assert!(c.form(None).is_some(), "/{}", c.name);
            }
        }
    }

    #[test]
    fn usage_shows_the_arguments_and_an_example() {
        let visit = find("visit").unwrap();
        let u = visit.usage(&visit.forms[0], true);
        assert!(u.starts_with("用法：/visit 客户 拜访内容"), "{u}");
        assert!(u.contains("例如 /visit 金鹰国际"), "{u}");
        let won = find("won").unwrap();
        assert!(won.usage(&won.forms[0], false).contains("[NOTE]"));
    }
}

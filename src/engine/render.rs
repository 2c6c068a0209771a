//! Writing answers for a chat window: best answer first, the words to say,
//! then alternatives by name. Chinese terms always; headings in the
//! language of the question. Content not from the handbook says so.

use super::{Hit, Lang};
use crate::commands::{self, COMMANDS};
use crate::knowledge::{Action, Body, Entry, Kind, Knowledge, Section as KSection, Source, Stall};
use crate::reply::Reply;

/// Heading in the reply language, with the Chinese term kept in English replies.
fn h(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => format!("{en} ({zh})"),
    }
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("• {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn numbered(items: &[String]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(n, i)| format!("{}. {i}", n + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn arrows(items: &[String]) -> String {
    items.join(" → ")
}

fn actions(list: &[Action]) -> String {
    list.iter()
        .map(|a| {
            let mut s = format!("• {}", a.name);
            if let Some(r) = &a.roles {
                s.push_str(&format!("（{r}）"));
            }
            if let Some(t) = &a.tool {
                s.push_str(&format!("〔{t}〕"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sections(r: &mut Reply, secs: &[KSection]) {
    for s in secs {
        r.push(Some(&s.title), bullets(&s.items));
    }
}

/// Title line: kind label · Chinese title (English title).
fn title(e: &Entry, lang: Lang) -> String {
    let label = e.kind().label_zh();
    match lang {
        Lang::Zh => format!("【{label}】{}（{}）", e.title_zh, e.title),
        Lang::En => format!("{} — {} [{label}]", e.title, e.title_zh),
    }
}

/// Footer warning for content that is not the handbook's.
fn provenance(e: &Entry, lang: Lang) -> Option<String> {
    match e.source {
        Source::Handbook => None,
        Source::Drafted => Some(match lang {
            Lang::Zh => "⚠ 本内容由 ussbot 起草，不是手册原文（手册缺失此部分）。".to_string(),
            Lang::En => {
                "⚠ Drafted by ussbot: NOT from the handbook (the handbook lacks it). 非手册原文。"
                    .to_string()
            }
        }),
        Source::External => Some(match lang {
            Lang::Zh => "⚠ 本内容来自业界通行说法，不是手册原文。".to_string(),
            Lang::En => {
                "⚠ Common industry knowledge, NOT from the handbook. 非手册原文。".to_string()
            }
        }),
    }
}

/// Render the best entry of a search, with alternatives; a stall the
/// message says puts its drafted words to say first.
pub fn entry(k: &Knowledge, idx: usize, hits: &[Hit], lang: Lang, stall: Option<&Stall>) -> Reply {
    let e = &k.entries()[idx];
    let mut r = Reply::new(e.kind().reply_kind(), Some(title(e, lang)));
    r.brief = Some(match stall {
        Some(s) => super::brief::stall(s, lang),
        None => super::brief::brief(e, lang),
    });
    if let Some(s) = stall {
        opener(&mut r, s, e, lang);
    }
    if lang == Lang::En {
        r.push(None, e.summary.clone());
    }
    body(&mut r, k, e, lang);
    if !e.notes.is_empty() {
        r.push(Some(&h(lang, "注意", "Notes")), bullets(&e.notes));
    }
    let alts = alternatives(k, e, hits);
    let mut footer = Vec::new();
    if stall.is_some() {
        footer.push(lang.pick(
            "⚠ 开头的话术由 ussbot 按手册的思路拟写，不是手册原文；其后是手册的内容。".to_string(),
            "⚠ The opening words are drafted by ussbot in the handbook's spirit, NOT from the handbook; what follows is the handbook's. 非手册原文。".to_string(),
        ));
    }
    if let Some(p) = provenance(e, lang) {
        footer.push(p);
    }
    if !alts.is_empty() {
        let names: Vec<String> = alts
            .iter()
            .map(|a| match lang {
                Lang::Zh => a.title_zh.clone(),
                Lang::En => format!("{} ({})", a.title_zh, a.title),
            })
            .collect();
        footer.push(match lang {
            Lang::Zh => format!("也可以看看：{}", names.join(" · ")),
            Lang::En => format!("Also consider: {}", names.join(" · ")),
        });
    }
    // Alternatives not from the handbook are flagged too.
    if alts.iter().any(|a| !a.source.is_handbook()) && provenance(e, lang).is_none() {
        footer.push(match lang {
            Lang::Zh => "（其中标注为起草/通行说法的条目不是手册原文）".to_string(),
            Lang::En => {
                "(some alternatives are drafted or common knowledge, not from the handbook)"
                    .to_string()
            }
        });
    }
    if !footer.is_empty() {
        r.footer = Some(footer.join("\n"));
    }
    r
}

/// The drafted words for a stall, first in the card, with the handbook
/// entry they rest on named.
fn opener(r: &mut Reply, s: &Stall, e: &Entry, lang: Lang) {
    let (heading, body) = match lang {
        Lang::Zh => (
            format!("{}：先这样说（ussbot 拟写，非手册原文）", s.title_zh),
            format!("“{}”\n然后：{}\n手册依据：{}", s.say, s.then, e.title_zh),
        ),
        Lang::En => (
            format!(
                "{}: say this first (drafted by ussbot, not from the handbook)",
                s.title
            ),
            format!(
                "\"{}\"\nThen: {}\nFrom the handbook: {} ({})",
                s.say_en, s.then_en, e.title, e.title_zh
            ),
        ),
    };
    r.push(Some(&heading), body);
}

/// Up to two alternatives: the entry's own `related` first, then the next
/// ranked entries of the same kind.
fn alternatives<'a>(k: &'a Knowledge, e: &Entry, hits: &[Hit]) -> Vec<&'a Entry> {
    let mut out: Vec<&Entry> = Vec::new();
    for h in hits.iter().skip(1).take(4) {
        let c = &k.entries()[h.entry];
        if c.kind() == e.kind() && c.id != e.id && out.len() < 2 {
            out.push(c);
        }
    }
    for id in &e.related {
        if out.len() >= 2 {
            break;
        }
        if let Some(c) = k.get(id.as_str()) {
            if !out.iter().any(|o| o.id == c.id) && c.id != e.id {
                out.push(c);
            }
        }
    }
    out
}

fn body(r: &mut Reply, k: &Knowledge, e: &Entry, lang: Lang) {
    match &e.body {
        Body::Closing(c) => {
            r.push(
                Some(&h(lang, "何时使用", "When to use")),
                c.when_to_use.clone(),
            );
            r.push(Some(&h(lang, "这样说", "Say this")), c.phrase.clone());
            r.push(Some(&h(lang, "定义", "What it is")), c.definition.clone());
        }
        Body::Objection(o) => {
            r.push(
                Some(&h(lang, "何时使用", "When to use")),
                o.when_to_use.clone(),
            );
            let lines: Vec<String> = o
                .dialogue
                .iter()
                .map(|l| format!("{}：{}", l.speaker, l.text))
                .collect();
            r.push(Some(&h(lang, "这样说", "Say this")), lines.join("\n"));
            let steps = k
                .get("skill.objection")
                .and_then(|s| match &s.body {
                    Body::Skill(s) => Some(arrows(&s.steps)),
                    _ => None,
                })
                .unwrap_or_default();
            let mut line = o.timing.clone();
            if !steps.is_empty() {
                line.push_str(&match lang {
                    Lang::Zh => format!("\n处理步骤：{steps}"),
                    Lang::En => format!("\nSteps (处理步骤): {steps}"),
                });
            }
            r.push(Some(&h(lang, "时机与步骤", "Timing and steps")), line);
        }
        Body::Case(c) => {
            let contacts: Vec<String> = c
                .contacts
                .iter()
                .map(|p| match &p.role {
                    Some(role) => format!("{}（{role}）", p.name),
                    None => p.name.clone(),
                })
                .collect();
            let mut who = format!("{} · {}", c.customer, c.industry);
            if !contacts.is_empty() {
                who.push_str(&format!(" · {}", contacts.join("、")));
            }
            r.push(Some(&h(lang, "客户", "Customer")), who);
            r.push(Some(&h(lang, "痛点", "Pain")), c.pain.clone());
            r.push(Some(&h(lang, "原因", "Causes")), numbered(&c.causes));
            let by = c.capabilities_by.clone().unwrap_or_default();
            r.push(
                Some(&h(
                    lang,
                    &format!(
                        "所需能力{}",
                        if by.is_empty() {
                            String::new()
                        } else {
                            format!("（{by}）")
                        }
                    ),
                    "Capabilities needed",
                )),
                numbered(&c.capabilities),
            );
            r.push(
                Some(&h(lang, "我们提供了", "What we provided")),
                format!("{}（{}）", c.provided, c.products.join("、")),
            );
            r.push(Some(&h(lang, "结果", "Results")), numbered(&c.results));
            r.push(Some(&h(lang, "供稿", "Contributed by")), c.branch.clone());
        }
        Body::SellingPoint(p) => {
            r.push(
                Some(&h(lang, "卖点描述", "Description")),
                format!("{}（{}）", p.description, p.area),
            );
            r.push(
                Some(&h(lang, "带来好处（对企业）", "Benefits to the company")),
                numbered(&p.benefits),
            );
            let vals: Vec<String> = p
                .values
                .iter()
                .map(|v| format!("{}：{}", v.role, v.text))
                .collect();
            r.push(
                Some(&h(lang, "对应价值（对个人）", "Value per role")),
                bullets(&vals),
            );
            let needs: Vec<String> = p
                .needs
                .iter()
                .map(|v| format!("{}：“{}”", v.role, v.text))
                .collect();
            r.push(
                Some(&h(
                    lang,
                    "典型需求（客户原话）",
                    "Typical needs, in the customer's words",
                )),
                bullets(&needs),
            );
            match &p.demo {
                Ok(d) => r.push(Some(&h(lang, "操作指南（演示）", "Demo guide")), d.clone()),
                Err(m) => r.push(
                    Some(&h(lang, "操作指南（演示）", "Demo guide")),
                    format!(
                        "{}{}",
                        match lang {
                            Lang::Zh => "手册缺失：",
                            Lang::En => "Not in the handbook: ",
                        },
                        m
                    ),
                ),
            };
        }
        Body::Skill(s) => {
            r.push(Some(&h(lang, "定义", "What it is")), s.definition.clone());
            r.push(Some(&h(lang, "目的", "Goals")), bullets(&s.goals));
            r.push(Some(&h(lang, "步骤", "Steps")), numbered(&s.steps));
            r.push(Some(&h(lang, "要点", "Key points")), bullets(&s.key_points));
            sections(r, &s.sections);
            if let Some(sc) = &s.script {
                r.push(
                    Some(&h(lang, "典型场景（这样说）", "Script (say this)")),
                    sc.clone(),
                );
            }
        }
        Body::Step(s) => {
            r.push(
                Some(&h(lang, "阶段", "Stage")),
                format!("第 {} 步 · {}（{}）", s.order, s.stage, s.stage_en),
            );
            r.push(Some(&h(lang, "阶段目标", "Goal")), s.goal.clone());
            r.push(Some(&h(lang, "定义", "What it is")), s.definition.clone());
            let acts: Vec<String> = s
                .activities
                .iter()
                .filter_map(|id| k.get(id.as_str()))
                .map(|a| match &a.body {
                    Body::Activity(x) => format!("{} {}", x.code, a.title_zh),
                    _ => a.title_zh.clone(),
                })
                .collect();
            r.push(Some(&h(lang, "关键活动", "Key activities")), bullets(&acts));
            let all: Vec<String> = k.steps().iter().map(|(e, _)| e.title_zh.clone()).collect();
            r.push(
                Some(&h(lang, "五大核心步骤", "The five core steps")),
                arrows(&all),
            );
        }
        Body::Activity(a) => {
            let step = k
                .get(a.step.as_str())
                .map(|s| s.title_zh.clone())
                .unwrap_or_default();
            r.push(
                Some(&h(lang, "所属步骤", "Core step")),
                format!("{} · {}（角色 {}）", a.code, step, a.roles),
            );
            r.push(Some(&h(lang, "活动目的", "Goals")), bullets(&a.goals));
            r.push(Some(&h(lang, "行动步骤", "Actions")), actions(&a.actions));
            r.push(
                Some(&h(lang, "检验标准", "Acceptance criteria")),
                bullets(&a.acceptance),
            );
            if !a.key_skills.is_empty() {
                r.push(
                    Some(&h(lang, "关键技巧", "Key skills")),
                    a.key_skills.join("、"),
                );
            }
            if !a.tools.is_empty() {
                r.push(Some(&h(lang, "工具", "Tools")), a.tools.join("、"));
            }
        }
        Body::Mode(m) => {
            let traits = format!(
                "适用：{}\n目的：{}\n价值空间：{}\n解决方案：{}\n销售方式：{}\n竞争特点：{}\n客户关注：{}\n制胜关键：{}",
                m.fits, m.purpose, m.value_space, m.solution, m.team, m.competition, m.customer_focus, m.key_to_win
            );
            r.push(Some(&h(lang, "特点", "Traits")), traits);
            let visits: Vec<String> = m
                .visits
                .iter()
                .filter_map(|id| k.get(id.as_str()))
                .map(|v| match &v.body {
                    Body::Visit(x) => format!(
                        "{} {}：{}",
                        x.code,
                        v.title_zh,
                        crate::text::join_clauses(&x.goals, "；")
                    ),
                    _ => v.title_zh.clone(),
                })
                .collect();
            if !visits.is_empty() {
                r.push(
                    Some(&h(lang, "拜访程序", "Visit program")),
                    bullets(&visits),
                );
            }
            if let Some(s) = &m.standard {
                r.push(Some(&h(lang, "标准要求", "Standard")), s.clone());
            }
            if !m.tiers.is_empty() {
                let tiers: Vec<String> = m
                    .tiers
                    .iter()
                    .map(|t| match &t.note {
                        Some(n) => format!("{}：{}（{n}）", t.name, t.requirement),
                        None => format!("{}：{}", t.name, t.requirement),
                    })
                    .collect();
                r.push(Some(&h(lang, "标杆", "Benchmarks")), bullets(&tiers));
            }
        }
        Body::Visit(v) => {
            let mode = k
                .get(v.mode.as_str())
                .map(|m| m.title_zh.clone())
                .unwrap_or_default();
            r.push(
                Some(&h(lang, "模式", "Mode")),
                format!("{mode} · {}", v.code),
            );
            r.push(Some(&h(lang, "目的", "Goals")), bullets(&v.goals));
            r.push(Some(&h(lang, "拜访前", "Before")), actions(&v.before));
            r.push(Some(&h(lang, "拜访中", "During")), actions(&v.during));
            r.push(Some(&h(lang, "拜访后", "After")), actions(&v.after));
            r.push(
                Some(&h(lang, "检验标准", "Acceptance criteria")),
                bullets(&v.acceptance),
            );
            if let Some(roles) = &v.roles {
                r.push(Some(&h(lang, "角色分工", "Roles")), roles.clone());
            }
        }
        Body::Method(m) => {
            r.push(None, m.description.clone());
            if !m.items.is_empty() {
                r.push(Some(&h(lang, "方法", "Methods")), bullets(&m.items));
            }
            if let Some(s) = &m.script {
                r.push(Some(&h(lang, "话术", "Script")), s.clone());
            }
        }
        Body::Man(m) => {
            let yn = |b: bool| if b { "有" } else { "无" };
            r.push(
                Some(&h(lang, "组合", "Combination")),
                format!(
                    "{}：金钱 {} · 决定权 {} · 需求 {}",
                    m.code,
                    yn(m.money),
                    yn(m.authority),
                    yn(m.need)
                ),
            );
            r.push(Some(&h(lang, "含义", "Meaning")), m.meaning.clone());
            r.push(Some(&h(lang, "怎么做", "What to do")), m.action.clone());
        }
        Body::Concept(c) => {
            r.push(None, c.body.clone());
            sections(r, &c.sections);
        }
        Body::Template(t) => {
            r.push(Some(&h(lang, "用在", "Used in")), t.used_in.clone());
            r.push(
                Some(&h(
                    lang,
                    "草稿（非手册原文）",
                    "Draft (not from the handbook)",
                )),
                t.body.clone(),
            );
        }
        Body::Gap(g) => {
            r.push(
                Some(&h(lang, "手册里没有", "Not in the handbook")),
                g.missing.clone(),
            );
            if let Some(known) = &g.known {
                r.push(
                    Some(&h(lang, "手册里有的", "What the handbook does say")),
                    known.clone(),
                );
            }
        }
    }
}

/// Circled numbers for choices.
const CIRCLED: [&str; 5] = ["①", "②", "③", "④", "⑤"];

/// Several entries fit about equally: ask which one is meant.
pub fn choices(k: &Knowledge, hits: &[Hit], lang: Lang) -> Reply {
    let mut r = Reply::new("choices", None);
    let lines: Vec<String> = hits
        .iter()
        .zip(CIRCLED)
        .map(|(h, n)| {
            let e = &k.entries()[h.entry];
            let mark = if e.source.is_handbook() {
                ""
            } else {
                match lang {
                    Lang::Zh => "（非手册原文）",
                    Lang::En => " (not from the handbook)",
                }
            };
            match lang {
                Lang::Zh => format!("{n} {}{mark}", e.title_zh),
                Lang::En => format!("{n} {} ({}){mark}", e.title, e.title_zh),
            }
        })
        .collect();
    let (head, tail) = match lang {
        Lang::Zh => ("您是想问：", "回复数字打开，或换个说法再问。"),
        Lang::En => (
            "Did you mean:",
            "Reply with a number to open one, or ask in other words.",
        ),
    };
    r.push(None, format!("{head}\n{}", lines.join("\n")));
    r.footer = Some(tail.to_string());
    r
}

/// The honest fallback: nothing in the handbook fits.
pub fn nothing(k: &Knowledge, query: &str, command: Option<&str>, lang: Lang) -> Reply {
    let _ = (k, query);
    let mut r = Reply::new("none", None);
    let scope = command
        .and_then(commands::named)
        .and_then(|c| c.topic())
        .map(|f| f.about);
    let text = match (lang, scope) {
        (Lang::Zh, Some((zh, _))) => format!("在{zh}里没有找到和这个问题对得上的内容。换个说法试试，或发 /{} 看全部。", command.unwrap_or("help")),
        (Lang::En, Some((_, en))) => format!("Nothing in {en} matches that. Try other words, or send /{} to list them all.", command.unwrap_or("help")),
        (Lang::Zh, None) => "手册里没有找到能回答这个问题的内容，我不乱答。\n可以这样问：“客户说太贵了”、“有没有连锁餐饮的案例”、“怎么让他今天签”、“快刀模式三次拜访分别干啥”，或发 /help 看全部命令。".to_string(),
        (Lang::En, None) => "I found nothing in the USS handbook that answers that, so I won't guess.\nTry: \"customer says it's too expensive\", \"any restaurant chain case?\", \"how do I close today\", \"what are the five core steps\", or /help for all commands.".to_string(),
    };
    r.push(None, text);
    r
}

/// An unknown slash command.
pub fn unknown_command(cmd: &str, lang: Lang) -> Reply {
    let names: Vec<String> = COMMANDS.iter().map(|c| format!("/{}", c.name)).collect();
    let cmd: String = cmd.chars().take(40).collect();
    let text = match lang {
        Lang::Zh => format!("没有 /{cmd} 这个命令。可用：{}。", names.join("、")),
        Lang::En => format!(
            "Unknown command /{cmd}. Available: {}. 未知命令。",
            names.join(", ")
        ),
    };
    Reply::error(text)
}

/// List every entry of the kinds a bare command names (`/close`).
pub fn list(k: &Knowledge, kinds: &[Kind], command: Option<&str>, lang: Lang) -> Reply {
    let kind = kinds.first().map_or("help", |k| k.reply_kind());
    let mut r = Reply::new(kind, None);
    let topic = command.and_then(commands::named).and_then(|c| c.topic());
    if let Some(&commands::Form {
        about: (zh, en), ..
    }) = topic
    {
        r.title = Some(match lang {
            Lang::Zh => format!("【{zh}】"),
            Lang::En => format!("{en} ({zh})"),
        });
    }
    let mut lines = Vec::new();
    for e in k.entries().iter().filter(|e| kinds.contains(&e.kind())) {
        let mark = if e.source.is_handbook() {
            ""
        } else {
            match lang {
                Lang::Zh => "（非手册原文）",
                Lang::En => " (not from the handbook)",
            }
        };
        lines.push(match lang {
            Lang::Zh => format!(
                "• {}（{}）{mark}：{}",
                e.title_zh,
                e.title,
                e.summary_zh.as_deref().unwrap_or(&e.summary)
            ),
            Lang::En => format!("• {} ({}){mark}: {}", e.title, e.title_zh, e.summary),
        });
    }
    r.push(None, lines.join("\n"));
    r.footer = Some(match (lang, command, topic) {
        (Lang::Zh, Some(c), Some(f)) => {
            format!("发 /{c} 加上关键词看详细内容，例如 /{c} {}", f.example.0)
        }
        (Lang::En, Some(c), Some(f)) => format!(
            "Send /{c} with words to see one in full, e.g. /{c} {}",
            f.example.1
        ),
        _ => String::new(),
    });
    r
}

/// The help text: the commands of [`COMMANDS`], the handbook ones first,
/// then the ones that keep the user's deals.
pub fn help(lang: Lang) -> Reply {
    let zh = lang == Lang::Zh;
    let mut r = Reply::new(
        "help",
        Some(
            lang.pick(
                "ussbot：USS 方案式销售手册助手",
                "ussbot: your USS (用友方案式销售) handbook in chat",
            )
            .to_string(),
        ),
    );
    let line = |c: &commands::Command, f: &commands::Form| {
        let about = lang.pick(f.about.0, f.about.1);
        match (!f.deal && c.topic().is_some(), lang) {
            (true, Lang::Zh) => format!("{} — {about}（{}）", c.synopsis(f, zh), f.about.1),
            (true, Lang::En) => format!("{} — {about} ({})", c.synopsis(f, zh), f.about.0),
            (false, _) => format!("{} — {about}", c.synopsis(f, zh)),
        }
    };
    let mut ask = Vec::new();
    let mut deals = Vec::new();
    // Setting a deal's mode or MAN comes after the everyday deal commands.
    let mut settings = Vec::new();
    for c in COMMANDS
        .iter()
        .filter(|c| c.action != commands::Action::Help)
    {
        for f in c.forms {
            if f.deal && c.topic().is_some() {
                settings.push(line(c, f));
            } else if f.deal {
                deals.push(line(c, f));
                if c.action == commands::Action::Visit {
                    deals.push(
                        lang.pick(
                            "也可以直接说：“今天拜访了金鹰国际王总，做了方案呈现”",
                            "or just say \"visited Jinying, did the solution presentation\"",
                        )
                        .to_string(),
                    );
                }
            } else {
                ask.push(line(c, f));
            }
        }
    }
    r.push(None, lang.pick(
        "直接说你遇到的情况就行，例如：“客户说太贵了”、“连锁餐饮有案例吗”、“怎么让他今天签”。",
        "Just describe the situation, e.g. \"customer says it's too expensive\", \"any restaurant chain case?\", \"how do I close today\".",
    ).to_string());
    deals.append(&mut settings);
    r.push(
        Some(lang.pick("问手册", "Ask the handbook")),
        ask.join("\n"),
    );
    r.push(
        Some(lang.pick("记商机（只有你自己看得到）", "Track deals (private to you)")),
        deals.join("\n"),
    );
    r
}

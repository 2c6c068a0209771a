//! Reading messages: deal commands, and free-text visit logs.
//!
//! Pure functions over text and the knowledge's patterns: no IO, no store.
//! A visit log is split into clauses; a clause that speaks of the future
//! ("下周做方案呈现") is a plan, the rest are what was done. Activities
//! come from the knowledge's `log_patterns`, objections from the objection
//! `triggers`; contacts, customer names, MAN signals, mode cues and dates
//! from the knowledge's name words and cues (`names.toml`, `cues.toml`).

use chrono::{DateTime, Duration, Local, NaiveDate};

pub use super::dates::Direction;
use super::dates::{self, When};
use super::model::{Contact, Man, ManField, ManValue, NextStep, SalesMode, Touch};
use crate::commands::{self, Action};
use crate::knowledge::{Knowledge, LogCues};
use crate::text::Normalizer;

/// A deal command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `/visit 金鹰国际 见了小王总…`, or a free-text visit log.
    Visit {
        /// The customer as written.
        customer: String,
        /// The visit text (the whole message for free text).
        body: String,
    },
    /// `/deal 金鹰`
    Deal {
        /// Customer, matched loosely.
        customer: String,
    },
    /// `/deals`
    Deals,
    /// `/undo`
    Undo,
    /// `/mode 金鹰 顾问`
    Mode {
        /// Customer.
        customer: String,
        /// New mode.
        mode: SalesMode,
    },
    /// `/man 金鹰 money=yes authority=no`
    Man {
        /// Customer.
        customer: String,
        /// The answers given.
        changes: Vec<(ManField, ManValue)>,
    },
    /// `/won 金鹰 [note]`
    Won {
        /// Customer.
        customer: String,
        /// Note.
        note: Option<String>,
    },
    /// `/lost 金鹰 原因`
    Lost {
        /// Customer.
        customer: String,
        /// Why.
        reason: Option<String>,
    },
}

/// What a message is, for the deal side.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A deal command.
    Command(Command),
    /// A deal command used wrongly: the usage to show (Chinese, English).
    Usage(String, String),
    /// Not a deal matter: the answer engine handles it.
    NotDeal,
}

/// Split off the first argument, honouring "double quotes" for names with spaces.
fn first_arg(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    for (open, close) in [('"', '"'), ('“', '”'), ('「', '」')] {
        if let Some(rest) = s.strip_prefix(open) {
            if let Some(end) = rest.find(close) {
                let name = rest[..end].trim().to_string();
                return Some((name, &rest[end + close.len_utf8()..]));
            }
        }
    }
    let end = s
        .find(|c: char| c.is_whitespace() || c == '，' || c == ',' || c == '：' || c == ':')
        .unwrap_or(s.len());
    let rest = s[end..].trim_start_matches(|c: char| {
        c.is_whitespace() || c == '，' || c == ',' || c == '：' || c == ':'
    });
    Some((s[..end].to_string(), rest))
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Parse a slash command. `raw` is the message as sent. Which commands
/// exist, and their usage, come from [`crate::commands`].
pub fn parse_command(raw: &str) -> Parsed {
    let Some((name, args)) = commands::split(raw) else {
        return Parsed::NotDeal;
    };
    let Some(spec) = commands::find(name) else {
        return Parsed::NotDeal;
    };
    let usage = || match spec.deal_form() {
        Some(f) => Parsed::Usage(spec.usage(f, true), spec.usage(f, false)),
        None => Parsed::NotDeal,
    };
    match spec.action {
        Action::Help | Action::Ask | Action::Search => Parsed::NotDeal,
        Action::Visit => match first_arg(args) {
            Some((customer, body)) if !body.trim().is_empty() => Parsed::Command(Command::Visit {
                customer,
                body: body.trim().to_string(),
            }),
            _ => usage(),
        },
        Action::Deal => match first_arg(args) {
            Some((customer, _)) => Parsed::Command(Command::Deal { customer }),
            None => Parsed::Command(Command::Deals),
        },
        Action::Deals => Parsed::Command(Command::Deals),
        Action::Undo => Parsed::Command(Command::Undo),
        Action::Won => match first_arg(args) {
            Some((customer, note)) => Parsed::Command(Command::Won {
                customer,
                note: opt(note),
            }),
            None => usage(),
        },
        Action::Lost => match first_arg(args) {
            Some((customer, reason)) => Parsed::Command(Command::Lost {
                customer,
                reason: opt(reason),
            }),
            None => usage(),
        },
        Action::Mode => {
            // One argument (`/mode 快刀`) is a question about the mode.
            let Some((customer, rest)) = first_arg(args) else {
                return Parsed::NotDeal;
            };
            let second = rest.split_whitespace().next().unwrap_or("");
            if second.is_empty() {
                return Parsed::NotDeal;
            }
            match SalesMode::parse(&second.to_lowercase()) {
                Some(mode) => Parsed::Command(Command::Mode { customer, mode }),
                None if SalesMode::parse(&customer.to_lowercase()).is_some() => Parsed::NotDeal,
                None => usage(),
            }
        }
        Action::Man => {
            let Some((customer, rest)) = first_arg(args) else {
                return Parsed::NotDeal;
            };
            if rest.trim().is_empty() {
                // `/man M+a+N`: a question about the combination.
                return Parsed::NotDeal;
            }
            match parse_man_args(rest) {
                Some(changes) => Parsed::Command(Command::Man { customer, changes }),
                None => usage(),
            }
        }
    }
}

/// `money=yes authority=no`, `m=有 n=无`, or a code `M+a+N` / `M+a+?`.
fn parse_man_args(s: &str) -> Option<Vec<(ManField, ManValue)>> {
    let mut out = Vec::new();
    for tok in s.split(|c: char| c.is_whitespace() || c == ',' || c == '，') {
        if tok.is_empty() {
            continue;
        }
        if let Some((k, v)) = tok.split_once(['=', '：', ':']) {
            out.push((ManField::parse(k)?, ManValue::parse(v)?));
        } else if let Some(code) = Man::parse_code(tok) {
            // `M+a+N` (capital = yes, lower = no, `?` = unknown).
            out.extend(ManField::ALL.into_iter().zip(code));
        } else {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Where a normalized message names a customer's person (孙经理, 老王总,
/// mr sun), for the understanding step to mask.
pub fn people(k: &Knowledge, norm: &str) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = LogCues::find_all(&k.log_cues.person, norm)
        .into_iter()
        .chain(LogCues::find_all(&k.log_cues.person_en, norm))
        .map(|m| m.range())
        .collect();
    out.sort_by_key(|r| r.start);
    out
}

/// Clause delimiters in raw text.
fn split_clauses(raw: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in raw.char_indices() {
        // Phone typing puts a space for a comma: a space between two
        // Chinese characters ends a clause too.
        let cjk_space = c == ' '
            && raw[..i].chars().next_back().is_some_and(|p| !p.is_ascii())
            && raw[i + 1..].chars().next().is_some_and(|n| !n.is_ascii());
        let stop = matches!(
            c,
            '，' | '。' | '；' | ';' | '！' | '!' | '？' | '?' | '\n' | '、' | ','
        ) || cjk_space
            || (c == '.' && raw[i + 1..].starts_with(' '))
            || (c == '.' && i + 1 == raw.len());
        if stop {
            let s = raw[start..i].trim();
            if !s.is_empty() {
                out.push(&raw[start..i + c.len_utf8()]);
            }
            start = i + c.len_utf8();
        }
    }
    if !raw[start..].trim().is_empty() {
        out.push(&raw[start..]);
    }
    out
}

/// One clause of a visit log.
#[derive(Debug, Clone)]
struct Clause {
    raw: String,
    norm: String,
    plan: bool,
    /// The clause asks (ends in a question mark): what it names, such as
    /// "What should the follow-up letter say?", did not happen.
    asks: bool,
}

/// What a visit log says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisitFacts {
    /// Contacts met or mentioned.
    pub contacts: Vec<Contact>,
    /// Key activities done (`activity.ka07`).
    pub activities: Vec<String>,
    /// Objection methods triggered.
    pub objections: Vec<String>,
    /// MAN signals.
    pub man: Vec<(ManField, ManValue)>,
    /// A mode cue.
    pub mode_cue: Option<SalesMode>,
    /// The next visit, if stated.
    pub next: Option<NextStep>,
    /// The day the visit happened, when the note names one (else today).
    pub on: Option<NaiveDate>,
    /// Day words that name no day this could be (a visit in 2099, a plan
    /// for 1999, 2月30日), and whether they were about the visit (`Past`:
    /// it is dated today) or the plan (`Future`: no due date); the reply
    /// says so.
    pub unreadable_day: Option<(String, Direction)>,
    /// What kind of contact it was.
    pub touch: Touch,
}

/// The parser: knowledge patterns plus a normalizer.
pub struct Parser<'k> {
    knowledge: &'k Knowledge,
    normalizer: Option<&'k Normalizer>,
}

impl<'k> Parser<'k> {
    /// A parser over the knowledge's patterns.
    pub fn new(knowledge: &'k Knowledge, normalizer: Option<&'k Normalizer>) -> Self {
        Parser {
            knowledge,
            normalizer,
        }
    }

    /// Normalize like the engine does (falls back to width/case folding).
    pub fn normalize(&self, s: &str) -> String {
        match self.normalizer {
            Some(n) => n.normalize(s),
            None => crate::text::normalize(s),
        }
    }

    /// Whether the text right before a match negates it (没有做方案呈现).
    fn negated(&self, before: &str) -> bool {
        LogCues::matches(&self.knowledge.log_cues.negation, before)
    }

    /// The note's clauses; a clause is a plan when it has plan words, or
    /// names a date (3月20号, 2026-04-01) after `today`.
    fn clauses(&self, raw: &str, today: NaiveDate) -> Vec<Clause> {
        split_clauses(raw)
            .into_iter()
            .map(|c| {
                let norm = self.normalize(c);
                let plan = (LogCues::matches(&self.knowledge.log_cues.plan, &norm)
                    && !norm.starts_with("上周"))
                    || dates::date_ahead(&norm, today);
                let raw = c.trim().to_string();
                Clause {
                    asks: raw.ends_with(['?', '？']),
                    raw,
                    norm,
                    plan,
                }
            })
            .collect()
    }

    /// The customer a log names, read from how it is written (after a visit
    /// cue, "在X见了", "新客户X", a leading company name ending in an
    /// industry word), for a log that names none of the rep's deals.
    pub fn customer_candidate(&self, raw: &str, normalized: &str) -> Option<String> {
        let words = &self.knowledge.name_words;
        let k = self.knowledge;
        let after_cue = LogCues::find(&k.log_cues.visit, normalized)
            .and_then(|m| zh_customer_after(k, &normalized[m.end()..]));
        let candidates = [
            after_cue,
            zh_customer_at(k, normalized),
            LogCues::name_in(&k.log_cues.customer_new, normalized)
                .and_then(|m| valid_name(k, m.as_str())),
            self.company_in(normalized),
            en_customer(k, raw),
        ];
        let candidates: Vec<String> = candidates
            .into_iter()
            .flatten()
            .filter(|n| words.can_be_a_name(&self.normalize(n)))
            .collect();
        // A name with an industry or legal ending is surely a company; else
        // the first one read.
        candidates
            .iter()
            .find(|n| {
                let k = self.normalize(n);
                words
                    .industry
                    .iter()
                    .chain(&words.legal)
                    .any(|w| k.ends_with(w.as_str()))
            })
            .or(candidates.first())
            .cloned()
    }

    /// A company written out with an industry or legal ending anywhere in
    /// the message ("永盛纺织 第一次见", "认识了天成建设的赵总"): the ending
    /// and up to six characters before it, back to a word that cannot be
    /// part of a name.
    pub fn company_in(&self, normalized: &str) -> Option<String> {
        let words = &self.knowledge.name_words;
        let ends: Vec<&String> = words
            .industry
            .iter()
            .chain(&words.legal)
            .filter(|w| !w.is_ascii())
            .collect();
        let mut best: Option<(usize, String)> = None;
        for w in &ends {
            for (i, _) in normalized.match_indices(w.as_str()) {
                let before: Vec<(usize, char)> = normalized[..i].char_indices().collect();
                let mut start = i;
                let mut cut_off = true;
                for &(j, c) in before.iter().rev().take(7) {
                    if !('\u{4e00}'..='\u{9fff}').contains(&c) || words.boundary.contains(&c) {
                        cut_off = false;
                        break;
                    }
                    if normalized[j..i].chars().count() > 6 {
                        break;
                    }
                    start = j;
                }
                // Seven characters with no word break before the ending: a
                // sentence, not a name ("下面二十几家子公司").
                if cut_off && before.len() >= 7 {
                    continue;
                }
                start += lead_len(words, &normalized[start..i]);
                if normalized[start..i].chars().count() < 2 {
                    continue;
                }
                let mut e = i + w.len();
                // 百川医疗器械: one ending after another.
                while let Some(x) = ends
                    .iter()
                    .find(|x| normalized[e..].starts_with(x.as_str()))
                {
                    e += x.len();
                }
                let name = strip_trailing_contact(self.knowledge, &normalized[start..e]);
                if let Some(n) = valid_name(self.knowledge, name).filter(|n| words.can_be_a_name(n))
                {
                    if best.as_ref().is_none_or(|(s, _)| start < *s) {
                        best = Some((start, n));
                    }
                }
            }
        }
        best.map(|(_, n)| n)
    }

    /// Read a visit log's body.
    pub fn visit_facts(&self, body: &str, now: DateTime<Local>) -> VisitFacts {
        let mut f = VisitFacts::default();
        let today = now.date_naive();
        let clauses = self.clauses(body, today);
        let whole_norm = self.normalize(body);
        let cues = &self.knowledge.log_cues;
        // The day it happened: the first day a clause that is not a plan
        // names, read backwards from today.
        for c in clauses.iter().filter(|c| !c.plan) {
            match dates::day_in(&c.norm, today, Direction::Past) {
                When::Day(d, _) => f.on = Some(d),
                When::Unreadable(words) => f.unreadable_day = Some((words, Direction::Past)),
                When::None => continue,
            }
            break;
        }
        if f.on.is_none() && f.unreadable_day.is_none() {
            if LogCues::matches(&cues.day_before, &whole_norm) {
                f.on = Some(today - Duration::days(2));
            } else if LogCues::matches(&cues.yesterday, &whole_norm) {
                f.on = Some(today - Duration::days(1));
            }
        }
        for c in &clauses {
            if c.plan {
                if f.next.is_none() {
                    let (due, when) = match dates::day_in(&c.norm, today, Direction::Future) {
                        When::Day(d, words) => (Some(d), Some(words)),
                        When::Unreadable(words) => {
                            f.unreadable_day
                                .get_or_insert((words.clone(), Direction::Future));
                            (None, Some(words))
                        }
                        When::None => (None, None),
                    };
                    f.next = Some(NextStep {
                        text: c
                            .raw
                            .trim_end_matches(['，', '。', ',', '.', '；', ';'])
                            .to_string(),
                        due,
                        when,
                        activity: self.first_activity(&c.norm),
                        visit: None,
                    });
                }
            } else {
                // "该用哪个成交法？" names no activity done; but "预算有了
                // 老板不拍板怎么办？" still tells the deal's MAN.
                if !c.asks {
                    for id in self.activities(&c.norm) {
                        if !f.activities.contains(&id) {
                            f.activities.push(id);
                        }
                    }
                }
                let said = self.knowledge.man_signals(&c.norm);
                for (field, value) in ManField::ALL.iter().zip(said) {
                    if let Some(present) = value {
                        let value = if present { ManValue::Yes } else { ManValue::No };
                        f.man.retain(|(x, _)| x != field);
                        f.man.push((*field, value));
                    }
                }
            }
            for id in self.objections(&c.norm) {
                if !f.objections.contains(&id) {
                    f.objections.push(id);
                }
            }
        }
        f.contacts = contacts(self.knowledge, body, &whole_norm);
        f.mode_cue = mode_cue(self.knowledge, &whole_norm);
        f.touch = self.touch(&clauses);
        f
    }

    /// The kind of contact the clauses that are not plans tell of, the
    /// most telling first ("签约后首款到了" is a payment); a note when none.
    fn touch(&self, clauses: &[Clause]) -> Touch {
        let done: Vec<&str> = clauses
            .iter()
            .filter(|c| !c.plan && !c.asks)
            .map(|c| c.norm.as_str())
            .collect();
        for t in Touch::ORDER {
            let Some((_, patterns)) = self
                .knowledge
                .touchpoints
                .iter()
                .find(|(k, _)| k == t.name())
            else {
                continue;
            };
            let said = done.iter().any(|c| {
                patterns
                    .iter()
                    .any(|p| p.find_iter(c).any(|m| !self.negated(&c[..m.start()])))
            });
            if said {
                return t;
            }
        }
        // A call or a message that set up what comes next ("电话约了周二")
        // happened now, though its clause speaks of the plan.
        for t in [Touch::Call, Touch::Message] {
            let said = self
                .knowledge
                .touchpoints
                .iter()
                .filter(|(k, _)| k == t.name())
                .flat_map(|(_, patterns)| patterns)
                .any(|p| {
                    clauses.iter().filter(|c| !c.asks).any(|c| {
                        p.find_iter(&c.norm)
                            .any(|m| !self.negated(&c.norm[..m.start()]))
                    })
                });
            if said {
                return t;
            }
        }
        Touch::Note
    }

    /// Activities recognised as done in one clause (negations skipped).
    fn activities(&self, norm: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (entry, act) in self.knowledge.activities() {
            let hit = act
                .log_patterns
                .iter()
                .any(|p| p.find_iter(norm).any(|m| !self.negated(&norm[..m.start()])));
            if hit {
                out.push(entry.id.0.clone());
            }
        }
        out
    }

    fn first_activity(&self, norm: &str) -> Option<String> {
        // Prefer the latest step's activity: "下周做方案呈现" is KA10.
        self.knowledge
            .activities()
            .into_iter()
            .rev()
            .find(|(_, a)| a.log_patterns.iter().any(|p| p.is_match(norm)))
            .map(|(e, _)| e.id.0.clone())
    }

    fn objections(&self, norm: &str) -> Vec<String> {
        self.knowledge
            .objections()
            .into_iter()
            .filter(|(e, _)| e.triggers.iter().any(|t| t.is_match(norm)))
            .map(|(e, _)| e.id.0.clone())
            .collect()
    }
}

/// The sales mode a normalized text hints at (集团 and 定制 for 战略,
/// 供应链 for 顾问, 标准财务 for 快刀).
pub fn mode_cue(k: &Knowledge, norm: &str) -> Option<SalesMode> {
    let (id, _) = k.log_cues.modes.iter().find(|(_, p)| p.is_match(norm))?;
    [
        SalesMode::Quick,
        SalesMode::Consultant,
        SalesMode::Strategic,
    ]
    .into_iter()
    .find(|m| m.id() == id)
}

/// Contacts in a message, with roles mentioned next to them.
fn contacts(k: &Knowledge, raw: &str, norm: &str) -> Vec<Contact> {
    let our_side = &k.name_words.our_side;
    let role_cue = &k.log_cues.role;
    let mut out: Vec<Contact> = Vec::new();
    let mut ours: Vec<String> = Vec::new();
    for m in LogCues::find_all(&k.log_cues.person, norm) {
        let name = m.as_str().to_string();
        if out.iter().any(|c| c.name == name) || ours.contains(&name) {
            continue;
        }
        // One of ours: right after 售前/顾问…, or on a line about our side
        // ("我方：我、经理老郑").
        let line_start = norm[..m.start()].rfind('\n').map_or(0, |i| i + 1);
        let line_head = norm[line_start..m.start()].trim_start_matches([' ', '-', '•', '*']);
        let near: String = norm[..m.start()]
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let is_ours = our_side.iter().any(|w| {
            near.ends_with(w.as_str())
                || near.ends_with(&format!("{w}的"))
                || (line_head.starts_with(w.as_str())
                    && matches!(
                        w.as_str(),
                        "我方" | "我们" | "我司" | "本方" | "our side" | "us"
                    ))
        });
        if is_ours {
            ours.push(name);
            continue;
        }
        let before: String = norm[..m.start()]
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = norm[m.end()..].chars().take(8).collect();
        let role = LogCues::find(role_cue, &after)
            .filter(|r| after[..r.start()].chars().count() <= 3)
            .or_else(|| {
                LogCues::find_all(role_cue, &before)
                    .last()
                    .copied()
                    .filter(|r| before[r.end()..].chars().count() <= 1)
            })
            .map(|r| r.as_str().to_string());
        out.push(Contact {
            name,
            role,
            first_visit: None,
        });
    }
    for n in LogCues::names_in(&k.log_cues.contact_en, raw) {
        let name = n.as_str().to_string();
        if out.iter().any(|c| c.name == name) || LogCues::matches(&k.log_cues.not_a_person, &name) {
            continue;
        }
        out.push(Contact {
            name,
            role: None,
            first_visit: None,
        });
    }
    out
}

/// `拜访了金鹰国际，…` → `金鹰国际`.
fn zh_customer_after(k: &Knowledge, rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("了").unwrap_or(rest).trim_start();
    let rest = rest
        .strip_prefix("一趟")
        .or_else(|| rest.strip_prefix("趟"))
        .unwrap_or(rest);
    let rest = rest[lead_len(&k.name_words, rest)..].trim_start();
    let mut end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    for stop in &k.name_words.name_stop {
        if let Some(i) = rest.find(stop.as_str()) {
            if i > 0 {
                end = end.min(i);
            }
        }
    }
    let name = strip_trailing_contact(k, rest[..end].trim());
    valid_name(k, name)
}

/// `金鹰国际王总` → `金鹰国际`: a person named at the end of the name is a
/// contact at the customer, not part of the customer's name.
fn strip_trailing_contact<'a>(k: &Knowledge, name: &'a str) -> &'a str {
    LogCues::find_all(&k.log_cues.person, name)
        .into_iter()
        .find(|m| m.end() == name.len() && m.start() > 0)
        .map_or(name, |m| name[..m.start()].trim_end())
}

/// `在金鹰国际见了王总` → `金鹰国际`.
fn zh_customer_at(k: &Knowledge, norm: &str) -> Option<String> {
    LogCues::name_in(&k.log_cues.customer_at, norm).and_then(|m| valid_name(k, m.as_str()))
}

fn valid_name(k: &Knowledge, name: &str) -> Option<String> {
    let n = name.chars().count();
    if !(2..=20).contains(&n) {
        return None;
    }
    // A person (`王总`) or a pronoun is not a customer.
    if LogCues::find(&k.log_cues.person, name)
        .is_some_and(|m| m.start() == 0 && m.end() == name.len())
    {
        return None;
    }
    if k.name_words.not_a_customer.iter().any(|w| w == name) || name.starts_with("客户") {
        return None;
    }
    Some(name.to_string())
}

/// The length of the lead words (新客户, 一家) at the start of `text`.
fn lead_len(words: &crate::knowledge::NameWords, text: &str) -> usize {
    let mut at = 0;
    while let Some(w) = words
        .leads
        .iter()
        .find(|w| text[at..].starts_with(w.as_str()))
    {
        at += w.len();
    }
    at
}

/// English: "visited Acme Corp", "met John at Acme".
fn en_customer(k: &Knowledge, raw: &str) -> Option<String> {
    let name = LogCues::name_in(&k.log_cues.customer_en, raw).map(|m| m.as_str())?;
    // "Greenfield Foods Ltd. Spoke with …": the name ends with its sentence.
    let name = name
        .split(". ")
        .next()
        .unwrap_or(name)
        .trim_end_matches('.');
    (name.len() >= 2).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_knowledge_questions() {
        assert_eq!(parse_command("/mode 快刀"), Parsed::NotDeal);
        assert_eq!(parse_command("/man M+a+N"), Parsed::NotDeal);
        assert_eq!(
            parse_command("/mode 金鹰 顾问"),
            Parsed::Command(Command::Mode {
                customer: "金鹰".into(),
                mode: SalesMode::Consultant
            })
        );
        assert_eq!(
            parse_command("/man 金鹰 money=yes authority=no"),
            Parsed::Command(Command::Man {
                customer: "金鹰".into(),
                changes: vec![
                    (ManField::Money, ManValue::Yes),
                    (ManField::Authority, ManValue::No)
                ]
            })
        );
        assert_eq!(
            parse_command("/man 金鹰 M+a+?"),
            Parsed::Command(Command::Man {
                customer: "金鹰".into(),
                changes: vec![
                    (ManField::Money, ManValue::Yes),
                    (ManField::Authority, ManValue::No),
                    (ManField::Need, ManValue::Unknown)
                ]
            })
        );
        assert_eq!(
            parse_command("/visit \"Acme Corp\" met John"),
            Parsed::Command(Command::Visit {
                customer: "Acme Corp".into(),
                body: "met John".into()
            })
        );
        assert!(matches!(parse_command("/visit 金鹰"), Parsed::Usage(..)));
        assert_eq!(parse_command("拜访前要准备什么"), Parsed::NotDeal);
    }

    /// The shipped knowledge, whose cues and name words the parser reads.
    fn shipped() -> Knowledge {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        crate::knowledge::load_dir(&dir).expect("knowledge loads")
    }

    #[test]
    fn a_contact_after_the_customer_is_not_part_of_its_name() {
        let k = shipped();
        assert_eq!(
            zh_customer_after(&k, "了金鹰国际王总").as_deref(),
            Some("金鹰国际")
        );
        assert_eq!(
            zh_customer_after(&k, "了金鹰国际小王总").as_deref(),
            Some("金鹰国际")
        );
        assert_eq!(
            zh_customer_after(&k, "了金鹰国际").as_deref(),
            Some("金鹰国际")
        );
    }

    #[test]
    fn contacts_with_roles() {
        let k = shipped();
        let c = contacts(
            &k,
            "见了小王总和财务总监林总",
            &crate::text::normalize("见了小王总和财务总监林总"),
        );
        let names: Vec<_> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["小王总", "林总"]);
        assert_eq!(c[1].role.as_deref(), Some("财务总监"));
    }
}

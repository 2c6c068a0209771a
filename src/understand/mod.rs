//! The understanding step: before anything is stored or answered, decide
//! what a free-text message is (a log, a question about one deal or the
//! pipeline, a handbook question, both, a request the bot cannot do, or
//! too vague to act on) and which of the rep's customers it names.
//!
//! The kind comes from labelled messages in the knowledge (`[[utterance]]`
//! and `[[example]]`), nearest examples and kind centroids, with the rep's
//! customers and their people masked so that "恒力孙经理说预算批了" reads
//! like every other "{客户}{人}说预算批了". No IO: the rep's deals are
//! passed in.

pub mod mention;

use std::ops::Range;

pub use mention::{Found, Mention};

use crate::deals::model::Deal;
use crate::deals::parse::{people, Parser};
use crate::engine::{Engine, CUSTOMER_MARK, PERSON_MARK};
use crate::knowledge::{Knowledge, MessageKind};

/// A message this near an example of a request the bot cannot do is one,
/// even when not worded as a request.
const UNSUPPORTED_NEAR: f32 = 0.6;

/// How far a question about the rep's deals that names none must score
/// above a handbook question to be taken as one without asking.
const DEALS_OVER_HANDBOOK: f32 = 0.08;

/// Weight of a kind's centroid beside its nearest example.
const CENTROID_SHARE: f32 = 0.5;

/// What a message is.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    /// The most likely kind.
    pub kind: MessageKind,
    /// Its score minus the next kind's (0 = a tie).
    pub margin: f32,
    /// The rep's customers the message names.
    pub found: Found,
    /// The customer was found only through a contact person's name.
    pub by_contact: bool,
    /// How the message is meant.
    pub cues: Cues,
    /// Every kind's score, best first.
    pub scores: Vec<(MessageKind, f32)>,
    /// The message as a handbook question: the rep's customers left out and
    /// their people written as "客户" / "the customer" (the handbook knows
    /// no 张总), normalized.
    pub question: String,
    /// A question about the rep's deals that is about as near a handbook
    /// question: ask which is meant.
    pub or_handbook: bool,
}

impl Understanding {
    /// A report of what happened with a named customer, with no question
    /// in it: a log, whatever the examples' margin.
    pub fn plain_report(&self) -> bool {
        self.cues.reports && !self.cues.asks && self.found.mention != Mention::None
    }

    /// Reads like a note of what happened but names no customer of the
    /// rep's: it may be a log the bot cannot place.
    pub fn unplaced_report(&self) -> bool {
        self.cues.reports && !self.cues.asks && self.found.mention == Mention::None
    }

    /// The score of `kind`.
    pub fn score(&self, kind: MessageKind) -> f32 {
        self.scores
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0.0, |(_, s)| *s)
    }
}

/// How a message is meant, from the knowledge's cues.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cues {
    /// The rep asks a question (not one the customer asked).
    pub asks: bool,
    /// The rep asks the bot to do something.
    pub requests: bool,
    /// The rep tells what happened.
    pub reports: bool,
    /// The message points at a customer without naming it (这个客户, 他们).
    pub refers: bool,
    /// The message speaks of customers, deals, visits or follow-ups.
    pub about_deals: bool,
    /// A company name is written out (蓝天科技, 星河地产): maybe a new customer.
    pub company: bool,
    /// The user asks how to use the bot (帮助, 怎么用, help).
    pub help: bool,
}

impl Cues {
    /// Read the cues of a normalized message. A MAN fact (预算批了, 老板
    /// 说了算) is a report too.
    pub fn of(knowledge: &Knowledge, normalized: &str) -> Cues {
        let cues = &knowledge.message_cues;
        let any = |list: &[regex::Regex], s: &str| list.iter().any(|r| r.is_match(s));
        let asks = clauses(normalized).into_iter().any(|c| {
            let first_question = cues
                .question
                .iter()
                .filter_map(|r| r.find(c))
                .map(|m| m.start())
                .min();
            match first_question {
                Some(at) => !any(&cues.reported, &c[..at]),
                None => false,
            }
        });
        Cues {
            asks,
            requests: any(&cues.request, normalized),
            refers: any(&cues.refers, normalized),
            about_deals: any(&cues.about_deals, normalized),
            help: any(&cues.help, normalized),
            company: Parser::new(knowledge, None)
                .company_in(normalized)
                .is_some(),
            reports: any(&cues.report, normalized)
                || knowledge
                    .man_cues
                    .iter()
                    .any(|c| any(&c.patterns, normalized)),
        }
    }
}

/// Clauses of a message: split at punctuation and line ends, and at spaces
/// between Chinese characters (phone typing puts spaces for commas).
fn clauses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let cjk = |k: Option<&(usize, char)>| k.is_some_and(|(_, c)| !c.is_ascii());
        let stop = matches!(c, '，' | '。' | '；' | ';' | '！' | '!' | '\n' | ',' | '、')
            || (c == ' ' && n > 0 && cjk(chars.get(n - 1)) && cjk(chars.get(n + 1)))
            || matches!(c, '?' | '？');
        if stop {
            // A question mark stays with its clause.
            let end = if matches!(c, '?' | '？') {
                i + c.len_utf8()
            } else {
                i
            };
            if !text[start..end].trim().is_empty() {
                out.push(text[start..end].trim());
            }
            start = i + c.len_utf8();
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(text[start..].trim());
    }
    out
}

/// Whether the cues allow a kind: a handbook question that names one of
/// the rep's customers needs a question in it; a deal question needs a
/// question or at least no report of what happened; a question about one deal needs a customer named or pointed
/// at; a log that names no customer of the rep's must read as a report or
/// name a company, and not ask; a request needs the words of one; "both"
/// needs a question and a report or customer.
fn allowed(kind: MessageKind, score: f32, cues: Cues, named: bool) -> bool {
    use MessageKind::*;
    match kind {
        Handbook => cues.asks || !named,
        Deal => (named || cues.refers) && (cues.asks || !cues.reports),
        Pipeline | Stale | Plans => cues.about_deals && (cues.asks || !cues.reports),
        Both => cues.asks && (named || cues.reports || cues.company),
        // Near one of the examples ("天气怎么样"), or worded as a request.
        Unsupported => cues.requests || score >= UNSUPPORTED_NEAR,
        Unclear => !cues.reports,
        // A log that names none of the rep's customers must read as a
        // report, and not as a question.
        Log => named || (!cues.asks && (cues.reports || cues.company)),
    }
}

/// Understand a normalized message against the rep's deals.
pub fn understand(engine: &Engine, normalized: &str, deals: &[Deal]) -> Understanding {
    let knowledge = engine.knowledge();
    let mut found = mention::find(normalized, deals, &knowledge.name_words);
    let people = people(knowledge, normalized);
    let mut through_contact = false;
    if found.mention == Mention::None {
        found.mention = by_contact(normalized, &people, deals);
        through_contact = found.mention != Mention::None;
    }
    let masked = mask(normalized, &found.spans, &people);
    let someone = if !normalized.is_ascii() {
        "客户"
    } else {
        " the customer "
    };
    let question = replace(normalized, &found.spans, " ", &people, someone);
    let mut scores: Vec<(MessageKind, f32)> = engine
        .message_kinds(&masked)
        .into_iter()
        .map(|(k, nearest, centroid)| (k, nearest + CENTROID_SHARE * centroid))
        .collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    let cues = Cues::of(knowledge, normalized);
    let named = found.mention != Mention::None;
    let mut fitting = scores
        .iter()
        .filter(|(k, score)| allowed(*k, *score, cues, named));
    let (kind, best) = fitting.next().copied().unwrap_or((MessageKind::Log, 0.0));
    let mut second = fitting.next().map_or(0.0, |s| s.1);
    // A question about the rep's deals that names none must be clearly
    // one: near a handbook question, the handbook answers.
    let handbook = scores
        .iter()
        .find(|(k, _)| *k == MessageKind::Handbook)
        .map_or(0.0, |s| s.1);
    let about_deals = matches!(
        kind,
        MessageKind::Pipeline | MessageKind::Stale | MessageKind::Plans
    ) || (kind == MessageKind::Deal && !named);
    let mut or_handbook = false;
    if about_deals
        && best - handbook < DEALS_OVER_HANDBOOK
        && allowed(MessageKind::Handbook, handbook, cues, named)
    {
        or_handbook = true;
        second = second.max(handbook);
    }
    Understanding {
        kind,
        margin: best - second,
        found,
        by_contact: through_contact,
        cues,
        scores,
        or_handbook,
        question,
    }
}

/// A message that names no customer but a person who is a contact of
/// exactly one of the rep's deals (刘经理 of 川味坊) means that deal.
fn by_contact(normalized: &str, people: &[Range<usize>], deals: &[Deal]) -> Mention {
    let mut hit: Option<usize> = None;
    for p in people {
        let name = normalized[p.clone()].trim();
        let of: Vec<usize> = deals
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.contacts
                    .iter()
                    .any(|c| crate::text::normalize(&c.name).trim() == name)
            })
            .map(|(i, _)| i)
            .collect();
        match (of.as_slice(), hit) {
            ([one], None) => hit = Some(*one),
            ([one], Some(h)) if *one == h => {}
            ([], _) => {}
            _ => return Mention::None,
        }
    }
    hit.map_or(Mention::None, Mention::One)
}

/// The message with customers and people replaced by the marks.
fn mask(text: &str, customers: &[Range<usize>], people: &[Range<usize>]) -> String {
    replace(text, customers, CUSTOMER_MARK, people, PERSON_MARK)
}

/// The message with each customer span replaced by `customer` and each
/// person span (outside them) by `person`.
fn replace(
    text: &str,
    customers: &[Range<usize>],
    customer: &str,
    people: &[Range<usize>],
    person: &str,
) -> String {
    let mut marks: Vec<(Range<usize>, &str)> =
        customers.iter().map(|r| (r.clone(), customer)).collect();
    for p in people {
        if !customers.iter().any(|c| p.start < c.end && c.start < p.end) {
            marks.push((p.clone(), person));
        }
    }
    marks.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (r, mark) in marks {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(mark);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_do_not_overlap() {
        let t = "恒力孙经理说预算批了";
        let (customer, person) = (0..6, 6..15);
        let m = mask(
            t,
            std::slice::from_ref(&customer),
            std::slice::from_ref(&person),
        );
        assert_eq!(m, format!("{CUSTOMER_MARK}{PERSON_MARK}说预算批了"));
    }
}

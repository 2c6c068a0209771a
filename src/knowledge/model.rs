//! The validated knowledge model: immutable, cross-referenced, ready to
//! index. Built only by [`super::validate`]; every reference in it resolves.

use std::collections::HashMap;
use std::fmt;

use regex::Regex;

/// A stable entry id such as `closing.direct`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Id(pub String);

impl Id {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an entry's content comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The USS handbook (corrected).
    Handbook,
    /// Written by the ussbot maintainers; not in the handbook.
    Drafted,
    /// Common industry knowledge; not in the handbook.
    External,
}

impl Source {
    /// Whether a reply using this entry must say it is not from the handbook.
    pub fn is_handbook(self) -> bool {
        matches!(self, Source::Handbook)
    }
}

/// The kind of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Case,
    SellingPoint,
    Closing,
    Objection,
    Skill,
    Step,
    Activity,
    Mode,
    Visit,
    Method,
    Man,
    Concept,
    Template,
    Gap,
}

impl Kind {
    /// Every kind, in display order.
    pub const ALL: [Kind; 14] = [
        Kind::Case,
        Kind::SellingPoint,
        Kind::Closing,
        Kind::Objection,
        Kind::Skill,
        Kind::Step,
        Kind::Activity,
        Kind::Mode,
        Kind::Visit,
        Kind::Method,
        Kind::Man,
        Kind::Concept,
        Kind::Template,
        Kind::Gap,
    ];

    /// Machine name of the kind (the TOML array name).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Case => "case",
            Kind::SellingPoint => "selling_point",
            Kind::Closing => "closing",
            Kind::Objection => "objection",
            Kind::Skill => "skill",
            Kind::Step => "step",
            Kind::Activity => "activity",
            Kind::Mode => "mode",
            Kind::Visit => "visit",
            Kind::Method => "method",
            Kind::Man => "man",
            Kind::Concept => "concept",
            Kind::Template => "template",
            Kind::Gap => "gap",
        }
    }

    /// The reply kind an answer about this entry has (`step` and `activity`
    /// are both `process`; `visit` is `mode`; `gap` is `missing`).
    pub fn reply_kind(self) -> &'static str {
        match self {
            Kind::Step | Kind::Activity => "process",
            Kind::Visit => "mode",
            Kind::Gap => "missing",
            k => k.name(),
        }
    }

    /// Chinese label for the kind.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Case => "参考案例",
            Kind::SellingPoint => "卖点",
            Kind::Closing => "成交方法",
            Kind::Objection => "异议处理方法",
            Kind::Skill => "销售技巧",
            Kind::Step => "核心步骤",
            Kind::Activity => "关键活动",
            Kind::Mode => "销售模式",
            Kind::Visit => "拜访程序",
            Kind::Method => "方法",
            Kind::Man => "MAN 组合",
            Kind::Concept => "概念",
            Kind::Template => "模板",
            Kind::Gap => "手册缺失",
        }
    }
}

/// A person named in a case.
#[derive(Debug, Clone)]
pub struct Contact {
    pub name: String,
    pub role: Option<String>,
    pub note: Option<String>,
}

/// A reference case.
#[derive(Debug, Clone)]
pub struct Case {
    pub customer: String,
    pub industry: String,
    pub background: String,
    pub contacts: Vec<Contact>,
    pub pain: String,
    pub causes: Vec<String>,
    pub capabilities_by: Option<String>,
    pub capabilities: Vec<String>,
    pub provided: String,
    pub products: Vec<String>,
    pub results: Vec<String>,
    pub branch: String,
}

/// A (role, text) pair.
#[derive(Debug, Clone)]
pub struct RoleLine {
    pub role: String,
    pub text: String,
}

/// A selling point.
#[derive(Debug, Clone)]
pub struct SellingPoint {
    pub area: String,
    pub description: String,
    pub benefits: Vec<String>,
    pub values: Vec<RoleLine>,
    pub needs: Vec<RoleLine>,
    /// The demo guide, or what is missing about it.
    pub demo: Result<String, String>,
}

/// A closing method.
#[derive(Debug, Clone)]
pub struct Closing {
    pub definition: String,
    pub when_to_use: String,
    pub phrase: String,
}

/// A line of dialogue.
#[derive(Debug, Clone)]
pub struct Line {
    pub speaker: String,
    pub text: String,
}

/// An objection-handling method.
#[derive(Debug, Clone)]
pub struct Objection {
    pub when_to_use: String,
    pub dialogue: Vec<Line>,
    pub timing: String,
}

/// A titled list.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub items: Vec<String>,
}

/// A professional selling skill.
#[derive(Debug, Clone)]
pub struct Skill {
    pub definition: String,
    pub goals: Vec<String>,
    pub steps: Vec<String>,
    pub key_points: Vec<String>,
    pub script: Option<String>,
    pub sections: Vec<Section>,
}

/// A USS core step.
#[derive(Debug, Clone)]
pub struct Step {
    pub order: u32,
    pub stage: String,
    pub stage_en: String,
    pub goal: String,
    pub definition: String,
    pub activities: Vec<Id>,
}

/// An action with its roles and tool.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub roles: Option<String>,
    pub tool: Option<String>,
}

/// A key activity.
#[derive(Debug, Clone)]
pub struct Activity {
    pub code: String,
    pub step: Id,
    pub goals: Vec<String>,
    pub actions: Vec<Action>,
    pub acceptance: Vec<String>,
    pub key_skills: Vec<String>,
    pub tools: Vec<String>,
    pub roles: String,
    /// Patterns that recognise this activity as done in a visit log.
    pub log_patterns: Vec<Regex>,
}

/// A benchmark tier.
#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    pub requirement: String,
    pub note: Option<String>,
}

/// A sales mode.
#[derive(Debug, Clone)]
pub struct Mode {
    pub fits: String,
    pub purpose: String,
    pub value_space: String,
    pub solution: String,
    pub team: String,
    pub competition: String,
    pub customer_focus: String,
    pub key_to_win: String,
    pub visits: Vec<Id>,
    pub standard: Option<String>,
    pub tiers: Vec<Tier>,
}

/// A numbered visit of a mode.
#[derive(Debug, Clone)]
pub struct Visit {
    pub code: String,
    pub mode: Id,
    pub number: u32,
    pub goals: Vec<String>,
    pub before: Vec<Action>,
    pub during: Vec<Action>,
    pub after: Vec<Action>,
    pub acceptance: Vec<String>,
    pub roles: Option<String>,
    pub activities: Vec<Id>,
}

/// A prospecting, approach or assessment method.
#[derive(Debug, Clone)]
pub struct Method {
    pub category: String,
    pub description: String,
    pub items: Vec<String>,
    pub script: Option<String>,
}

/// A MAN combination.
#[derive(Debug, Clone)]
pub struct Man {
    pub code: String,
    pub money: bool,
    pub authority: bool,
    pub need: bool,
    pub meaning: String,
    pub action: String,
}

/// Another handbook topic.
#[derive(Debug, Clone)]
pub struct Concept {
    pub body: String,
    pub sections: Vec<Section>,
}

/// A drafted template.
#[derive(Debug, Clone)]
pub struct Template {
    pub used_in: String,
    pub body: String,
}

/// Something the handbook lacks.
#[derive(Debug, Clone)]
pub struct Gap {
    pub missing: String,
    pub known: Option<String>,
}

/// The kind-specific part of an entry.
#[derive(Debug, Clone)]
pub enum Body {
    Case(Case),
    SellingPoint(SellingPoint),
    Closing(Closing),
    Objection(Objection),
    Skill(Skill),
    Step(Step),
    Activity(Activity),
    Mode(Mode),
    Visit(Visit),
    Method(Method),
    Man(Man),
    Concept(Concept),
    Template(Template),
    Gap(Gap),
}

impl Body {
    /// The kind of this body.
    pub fn kind(&self) -> Kind {
        match self {
            Body::Case(_) => Kind::Case,
            Body::SellingPoint(_) => Kind::SellingPoint,
            Body::Closing(_) => Kind::Closing,
            Body::Objection(_) => Kind::Objection,
            Body::Skill(_) => Kind::Skill,
            Body::Step(_) => Kind::Step,
            Body::Activity(_) => Kind::Activity,
            Body::Mode(_) => Kind::Mode,
            Body::Visit(_) => Kind::Visit,
            Body::Method(_) => Kind::Method,
            Body::Man(_) => Kind::Man,
            Body::Concept(_) => Kind::Concept,
            Body::Template(_) => Kind::Template,
            Body::Gap(_) => Kind::Gap,
        }
    }
}

/// One answerable entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: Id,
    pub title: String,
    pub title_zh: String,
    pub summary: String,
    pub summary_zh: Option<String>,
    pub keywords: Vec<String>,
    pub triggers: Vec<Regex>,
    pub source: Source,
    pub related: Vec<Id>,
    /// Caveats for salespeople, shown with the entry.
    pub notes: Vec<String>,
    /// Remarks for the knowledge's editors; never shown in a reply.
    pub editor_notes: Vec<String>,
    pub body: Body,
}

impl Entry {
    /// The kind of this entry.
    pub fn kind(&self) -> Kind {
        self.body.kind()
    }
}

/// A cue that a message asks for certain kinds of entries.
#[derive(Debug, Clone)]
pub struct Intent {
    /// The kinds the cue points to.
    pub kinds: Vec<Kind>,
    /// Patterns over the normalized message.
    pub patterns: Vec<Regex>,
}

/// One MAN dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManDimension {
    /// M: ability to pay.
    Money,
    /// A: authority to decide.
    Authority,
    /// N: a real need.
    Need,
}

/// Patterns that say a MAN dimension is present or absent.
#[derive(Debug, Clone)]
pub struct ManCue {
    pub dimension: ManDimension,
    pub present: bool,
    pub patterns: Vec<Regex>,
}

impl Knowledge {
    /// What a normalized message says about money, authority and need:
    /// `Some(true/false)` per dimension it mentions. Absence cues win over
    /// presence cues ("没预算" contains "预算").
    pub fn man_signals(&self, normalized: &str) -> [Option<bool>; 3] {
        let mut out = [None; 3];
        for present in [true, false] {
            for cue in self.man_cues.iter().filter(|c| c.present == present) {
                if cue.patterns.iter().any(|p| p.is_match(normalized)) {
                    let slot = match cue.dimension {
                        ManDimension::Money => 0,
                        ManDimension::Authority => 1,
                        ManDimension::Need => 2,
                    };
                    out[slot] = Some(present);
                }
            }
        }
        out
    }
}

/// A labelled message: how a rep asks for an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Position of the answering entry in [`Knowledge::entries`], or `None`
    /// for a message the handbook cannot answer.
    pub entry: Option<usize>,
    /// The message as typed.
    pub text: String,
}

/// Drafted words to say first to a stall the handbook gives no words for,
/// shown before the handbook entry that answers the message.
#[derive(Debug, Clone)]
pub struct Stall {
    pub id: String,
    /// English and Chinese names of the stall.
    pub title: String,
    pub title_zh: String,
    /// Patterns over the normalized message.
    pub cues: Vec<Regex>,
    /// Positions in [`Knowledge::entries`] of the handbook entries these
    /// words open; a cue is evidence for the first.
    pub answers: Vec<usize>,
    /// The words to say first and what to do next, in Chinese and English.
    pub say: String,
    pub say_en: String,
    pub then: String,
    pub then_en: String,
}

/// What kind of message a rep typed, beside a handbook question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// A question the handbook answers (labelled by `[[example]]`).
    Handbook,
    /// A visit or other touchpoint with a customer: record it.
    Log,
    /// A log and a handbook question at once.
    Both,
    /// A question about one of the rep's deals.
    Deal,
    /// A question about the rep's deals as a whole.
    Pipeline,
    /// Which deals have gone without follow-up.
    Stale,
    /// Planned visits and follow-ups (today, this week, overdue).
    Plans,
    /// A request the bot cannot do.
    Unsupported,
    /// Too vague to record or answer.
    Unclear,
}

impl MessageKind {
    /// Every kind an `[[utterance]]` may name, with its name.
    pub const NAMED: [(&'static str, MessageKind); 9] = [
        ("handbook", MessageKind::Handbook),
        ("log", MessageKind::Log),
        ("both", MessageKind::Both),
        ("deal", MessageKind::Deal),
        ("pipeline", MessageKind::Pipeline),
        ("stale", MessageKind::Stale),
        ("plans", MessageKind::Plans),
        ("unsupported", MessageKind::Unsupported),
        ("unclear", MessageKind::Unclear),
    ];

    /// Every kind, handbook questions first.
    pub const ALL: [MessageKind; 9] = [
        MessageKind::Handbook,
        MessageKind::Log,
        MessageKind::Both,
        MessageKind::Deal,
        MessageKind::Pipeline,
        MessageKind::Stale,
        MessageKind::Plans,
        MessageKind::Unsupported,
        MessageKind::Unclear,
    ];

    /// The kind named `name` in an `[[utterance]]`.
    pub fn named(name: &str) -> Option<MessageKind> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }
}

/// A labelled message: what kind of message a rep typed. `{客户}` in the
/// text stands for one of the rep's customers, `{人}` for a customer's person.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// The kind.
    pub kind: MessageKind,
    /// The message as typed, with placeholders.
    pub text: String,
}

/// Words about customer names (`[[name_words]]`), normalized.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameWords {
    /// Endings that do not make another company (有限公司, 集团, ltd).
    pub legal: Vec<String>,
    /// Words that, after a short form, name another company (精密, 物流).
    pub industry: Vec<String>,
    /// Words that, right after a customer's name, still speak of it: a
    /// part or place of it (信息中心, 仓库) or of the deal (那边, 这单).
    pub own: Vec<String>,
    /// Words that make a text a role, amount, date or sentence, not a name.
    pub not_a_name: Vec<String>,
    /// Words before a person that make them one of ours, not the
    /// customer's (售前李工, 顾问小周, 我方：…).
    pub our_side: Vec<String>,
    /// Title words that make a surname a person (总, 经理, 主任 …).
    pub titles: Vec<String>,
    /// Common surnames, one character each, so that 财务总监 is not read as
    /// a person called 务.
    pub surnames: Vec<char>,
    /// Words that end a customer's name written after a visit cue (见, 和, 的 …).
    pub name_stop: Vec<String>,
    /// Words before a customer's name that are not part of it (新客户, 一家).
    pub leads: Vec<String>,
    /// Whole texts that are never a customer (客户, 他们, 现场).
    pub not_a_customer: Vec<String>,
    /// Characters that cannot be inside a Chinese company name read back
    /// from its ending (了, 的, 在 …): the name starts after them.
    pub boundary: Vec<char>,
    /// (Chinese industry word, English word for it): 钢铁 → steel, so that
    /// "Guangzhou Steel" is 广州钢铁集团 and "Haicheng Logistics" is not
    /// 海诚集团.
    pub translations: Vec<(String, String)>,
}

/// How a message is meant (`[[message_cue]]`): each a list of patterns over
/// the normalized message, any of which may match.
#[derive(Debug, Clone, Default)]
pub struct MessageCues {
    /// The rep asks something.
    pub question: Vec<regex::Regex>,
    /// Words that put a question in the customer's mouth (张总问能不能…).
    pub reported: Vec<regex::Regex>,
    /// The rep asks the bot to do something.
    pub request: Vec<regex::Regex>,
    /// The rep tells what happened.
    pub report: Vec<regex::Regex>,
    /// Words that point at a customer without naming it (这个客户, 他们).
    pub refers: Vec<regex::Regex>,
    /// Words about customers, deals, visits or follow-ups: a question
    /// about the rep's pipeline has one.
    pub about_deals: Vec<regex::Regex>,
    /// The user asks how to use the bot (帮助, 怎么用, help).
    pub help: Vec<regex::Regex>,
    /// The user asks for the full card after a brief (更多, more).
    pub more: Vec<regex::Regex>,
}

impl MessageCues {
    /// Whether `text` asks for the full card of the last brief.
    pub fn asks_for_more(&self, text: &str) -> bool {
        let t = crate::text::normalize(text);
        self.more.iter().any(|r| r.is_match(t.trim()))
    }
}

impl NameWords {
    /// A name without its legal endings (恒力集团有限公司 → 恒力), keeping
    /// at least two characters.
    pub fn strip_legal<'a>(&self, key: &'a str) -> &'a str {
        let mut k = key.trim();
        loop {
            let before = k;
            for s in &self.legal {
                if let Some(rest) = k.strip_suffix(s.as_str()) {
                    if rest.trim().chars().count() >= 2 {
                        k = rest.trim();
                    }
                }
            }
            if k == before {
                return k;
            }
        }
    }

    /// Whether a normalized text can be a new customer's name: not a role,
    /// an amount, a date or a sentence (财务总监, 大概800万, today).
    pub fn can_be_a_name(&self, key: &str) -> bool {
        let n = key.chars().count();
        let ascii_words: Vec<&str> = key
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let longest = if key.is_ascii() { 40 } else { 16 };
        (2..=longest).contains(&n)
            && !key.chars().any(|c| c.is_ascii_digit())
            && !key.ends_with('总')
            && !self.not_a_name.iter().any(|w| {
                if w.is_ascii() {
                    ascii_words.contains(&w.as_str())
                } else {
                    key.contains(w.as_str())
                }
            })
    }
}

/// What a visit note is read by (`[[log_cue]]` and the person words of
/// `[[name_words]]`), each cue's patterns joined into one regex. A cue the
/// knowledge does not give never matches.
#[derive(Debug, Clone, Default)]
pub struct LogCues {
    /// A visit happened; the customer's name follows.
    pub visit: Option<regex::Regex>,
    /// A clause about the future.
    pub plan: Option<regex::Regex>,
    /// A negation right before a match (anchored at the end).
    pub negation: Option<regex::Regex>,
    /// The visit was yesterday.
    pub yesterday: Option<regex::Regex>,
    /// The visit was the day before yesterday.
    pub day_before: Option<regex::Regex>,
    /// A contact's role.
    pub role: Option<regex::Regex>,
    /// (mode id, its cue), in file order.
    pub modes: Vec<(String, regex::Regex)>,
    /// A person: (小|老)? surname title.
    pub person: Option<regex::Regex>,
    /// A person in English, over the normalized note (mr sun, gm wang).
    pub person_en: Option<regex::Regex>,
    /// Capitalised words that are not people (Monday, The), over a name
    /// read from the raw note.
    pub not_a_person: Option<regex::Regex>,
    /// A customer named where the visit happened (在X见了), normalized;
    /// each pattern captures the name as `name`, tried in order.
    pub customer_at: Vec<regex::Regex>,
    /// A new customer introduced by name (新客户X, 一家X), normalized.
    pub customer_new: Vec<regex::Regex>,
    /// A customer in English (visited Acme Corp, met John at Acme), raw.
    pub customer_en: Vec<regex::Regex>,
    /// A contact in English (met with John Smith, Mr. Lee), raw.
    pub contact_en: Vec<regex::Regex>,
}

impl LogCues {
    /// Whether `cue` matches `text`.
    pub fn matches(cue: &Option<regex::Regex>, text: &str) -> bool {
        cue.as_ref().is_some_and(|r| r.is_match(text))
    }

    /// The first match of `cue` in `text`.
    pub fn find<'t>(cue: &Option<regex::Regex>, text: &'t str) -> Option<regex::Match<'t>> {
        cue.as_ref().and_then(|r| r.find(text))
    }

    /// Every match of `cue` in `text`.
    pub fn find_all<'t>(cue: &Option<regex::Regex>, text: &'t str) -> Vec<regex::Match<'t>> {
        cue.as_ref()
            .map_or(Vec::new(), |r| r.find_iter(text).collect())
    }

    /// The `name` group of the first of `shapes` that captures one in
    /// `text`.
    pub fn name_in<'t>(shapes: &[regex::Regex], text: &'t str) -> Option<regex::Match<'t>> {
        shapes
            .iter()
            .find_map(|r| r.captures(text).and_then(|c| c.name("name")))
    }

    /// The `name` group of every match of every one of `shapes` in `text`,
    /// in the order of the shapes.
    pub fn names_in<'t>(shapes: &[regex::Regex], text: &'t str) -> Vec<regex::Match<'t>> {
        shapes
            .iter()
            .flat_map(|r| r.captures_iter(text).filter_map(|c| c.name("name")))
            .collect()
    }
}

/// The whole validated knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub(super) entries: Vec<Entry>,
    pub(super) by_id: HashMap<Id, usize>,
    /// Synonym groups; the first word of each is canonical.
    pub synonyms: Vec<Vec<String>>,
    /// Regional words as typed (睇) and the Mandarin they mean (看),
    /// rewritten before script conversion.
    pub regional: Vec<(String, String)>,
    /// Segmentation dictionary: word and optional frequency.
    pub words: Vec<(String, Option<u32>)>,
    /// Kind cues for free-text routing.
    pub intents: Vec<Intent>,
    /// MAN dimension cues.
    pub man_cues: Vec<ManCue>,
    /// Labelled example messages.
    pub examples: Vec<Example>,
    /// Messages labelled with their kind.
    pub utterances: Vec<Utterance>,
    /// Words about customer names.
    pub name_words: NameWords,
    /// How messages are meant.
    pub message_cues: MessageCues,
    /// (touchpoint kind name, its patterns), in file order.
    pub touchpoints: Vec<(String, Vec<regex::Regex>)>,
    /// What visit notes are read by.
    pub log_cues: LogCues,
    /// Drafted words for stalls the handbook gives no words for.
    pub stalls: Vec<Stall>,
}

impl Knowledge {
    /// Build from validated entries and everything else (whose own
    /// `entries` are ignored). Ids must be unique (validation ensures it).
    pub(crate) fn new(entries: Vec<Entry>, rest: Knowledge) -> Self {
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Knowledge {
            entries,
            by_id,
            ..rest
        }
    }

    /// Every entry, in load order (files sorted by name, then file order).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id
            .get(&Id(id.to_string()))
            .map(|&i| &self.entries[i])
    }

    /// Position of the entry with this id in [`Knowledge::entries`].
    pub fn index_of(&self, id: &Id) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Entries of one kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.kind() == kind)
    }

    /// Number of entries of one kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.of_kind(kind).count()
    }

    /// Key activities with their entries, in code order.
    pub fn activities(&self) -> Vec<(&Entry, &Activity)> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                Body::Activity(a) => Some((e, a)),
                _ => None,
            })
            .collect();
        v.sort_by(|a, b| a.1.code.cmp(&b.1.code));
        v
    }

    /// Objection-handling methods with their entries.
    pub fn objections(&self) -> Vec<(&Entry, &Objection)> {
        self.entries
            .iter()
            .filter_map(|e| match &e.body {
                Body::Objection(o) => Some((e, o)),
                _ => None,
            })
            .collect()
    }

    /// The mode with this id.
    pub fn mode(&self, id: &str) -> Option<(&Entry, &Mode)> {
        self.get(id).and_then(|e| match &e.body {
            Body::Mode(m) => Some((e, m)),
            _ => None,
        })
    }

    /// The numbered visits of a mode, in order.
    pub fn visits_of(&self, mode_id: &str) -> Vec<(&Entry, &Visit)> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                Body::Visit(v) if v.mode.as_str() == mode_id => Some((e, v)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|(_, v)| v.number);
        v
    }

    /// Core steps in process order.
    pub fn steps(&self) -> Vec<(&Entry, &Step)> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                Body::Step(s) => Some((e, s)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|(_, s)| s.order);
        v
    }
}

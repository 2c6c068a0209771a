//! The deal record: what the store keeps for each customer a salesperson
//! works, and the visits that built it.
//!
//! A [`Deal`] holds its [`Visit`]s plus the rep's explicit choices (mode,
//! MAN answers, won/lost). Everything else on it (stage, key activities,
//! MAN, contacts, objections, next steps) is *derived* from those by
//! [`crate::deals::program::recompute`], so removing a visit (`/undo`)
//! undoes everything that visit told us.
//!
//! Records are serialized as JSON with a `v` version field by the store;
//! this module only defines the current shape.

use chrono::{DateTime, Local, NaiveDate};
use serde::{Deserialize, Serialize};

/// Current record schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// The three USS application modes (销售模式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesMode {
    /// 快刀模式: small deals closed fast, three visits within a week.
    Quick,
    /// 顾问模式: small deals grown big, five visits within a month.
    Consultant,
    /// 战略模式: big deals kept big, team to team.
    Strategic,
}

impl SalesMode {
    /// Every mode.
    pub const ALL: [SalesMode; 3] = [
        SalesMode::Quick,
        SalesMode::Consultant,
        SalesMode::Strategic,
    ];

    /// The knowledge entry id (`mode.quick` …).
    pub fn id(self) -> &'static str {
        match self {
            SalesMode::Quick => "mode.quick",
            SalesMode::Consultant => "mode.consultant",
            SalesMode::Strategic => "mode.strategic",
        }
    }

    /// Short Chinese name (快刀 …).
    pub fn zh(self) -> &'static str {
        match self {
            SalesMode::Quick => "快刀",
            SalesMode::Consultant => "顾问",
            SalesMode::Strategic => "战略",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            SalesMode::Quick => "quick-knife",
            SalesMode::Consultant => "consultant",
            SalesMode::Strategic => "strategic",
        }
    }

    /// Parse a mode name as a rep types it (`顾问`, `快刀模式`, `quick` …),
    /// from normalized (lower-case, simplified) text.
    pub fn parse(s: &str) -> Option<SalesMode> {
        let s = s
            .trim()
            .trim_end_matches("模式")
            .trim_end_matches("mode")
            .trim();
        match s {
            "快刀" | "快刀型" | "quick" | "quick-knife" | "quickknife" | "knife" | "q" => {
                Some(SalesMode::Quick)
            }
            "顾问" | "顾问型" | "consultant" | "consultative" | "c" | "g" => {
                Some(SalesMode::Consultant)
            }
            "战略" | "战略型" | "strategic" | "enterprise" | "s" => Some(SalesMode::Strategic),
            _ => None,
        }
    }
}

/// A MAN answer (有/没有/不知道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManValue {
    /// Present.
    Yes,
    /// Absent.
    No,
    /// Not known yet.
    #[default]
    Unknown,
}

impl ManValue {
    /// `是` / `否` / `未知`.
    pub fn zh(self) -> &'static str {
        match self {
            ManValue::Yes => "有",
            ManValue::No => "无",
            ManValue::Unknown => "未知",
        }
    }

    /// `yes` / `no` / `unknown`.
    pub fn en(self) -> &'static str {
        match self {
            ManValue::Yes => "yes",
            ManValue::No => "no",
            ManValue::Unknown => "unknown",
        }
    }

    /// Parse `yes`, `no`, `unknown` and their Chinese and short forms.
    pub fn parse(s: &str) -> Option<ManValue> {
        match s.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "+" | "有" | "是" | "对" => Some(ManValue::Yes),
            "no" | "n" | "false" | "0" | "-" | "无" | "没有" | "没" | "否" | "不" => {
                Some(ManValue::No)
            }
            "unknown" | "?" | "u" | "未知" | "不知道" | "不清楚" => Some(ManValue::Unknown),
            _ => None,
        }
    }
}

/// One of the three MAN dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManField {
    /// M: money (预算).
    Money,
    /// A: authority (决策权).
    Authority,
    /// N: need (需求).
    Need,
}

impl ManField {
    /// All three, in M-A-N order.
    pub const ALL: [ManField; 3] = [ManField::Money, ManField::Authority, ManField::Need];

    /// `money` …
    pub fn en(self) -> &'static str {
        match self {
            ManField::Money => "money",
            ManField::Authority => "authority",
            ManField::Need => "need",
        }
    }

    /// `钱（预算）` …
    pub fn zh(self) -> &'static str {
        match self {
            ManField::Money => "钱（预算）",
            ManField::Authority => "决策权",
            ManField::Need => "需求",
        }
    }

    /// Parse a key of `/man 金鹰 money=yes` (`m`, `money`, `钱`, `预算` …).
    pub fn parse(s: &str) -> Option<ManField> {
        match s.trim().to_lowercase().as_str() {
            "m" | "money" | "budget" | "钱" | "预算" => Some(ManField::Money),
            "a" | "authority" | "权" | "决策权" | "决策" => Some(ManField::Authority),
            "n" | "need" | "needs" | "需求" => Some(ManField::Need),
            _ => None,
        }
    }
}

/// One MAN dimension of a deal and where we learned it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManFact {
    /// The answer.
    pub value: ManValue,
    /// The visit (its `seq`) that told us; `None` when set by `/man` or unknown.
    #[serde(default)]
    pub visit: Option<u64>,
    /// When it was learned.
    #[serde(default)]
    pub at: Option<DateTime<Local>>,
}

/// MAN: money, authority, need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Man {
    /// M
    pub money: ManFact,
    /// A
    pub authority: ManFact,
    /// N
    pub need: ManFact,
}

impl Man {
    /// The fact for one dimension.
    pub fn get(&self, f: ManField) -> &ManFact {
        match f {
            ManField::Money => &self.money,
            ManField::Authority => &self.authority,
            ManField::Need => &self.need,
        }
    }

    /// The fact for one dimension, mutable.
    pub fn get_mut(&mut self, f: ManField) -> &mut ManFact {
        match f {
            ManField::Money => &mut self.money,
            ManField::Authority => &mut self.authority,
            ManField::Need => &mut self.need,
        }
    }

    /// The handbook code (`M+a+N`; capital = yes, `?` = unknown).
    pub fn code(&self) -> String {
        let c = |v: ManValue, up: char, low: char| match v {
            ManValue::Yes => up.to_string(),
            ManValue::No => low.to_string(),
            ManValue::Unknown => "?".to_string(),
        };
        format!(
            "{}+{}+{}",
            c(self.money.value, 'M', 'm'),
            c(self.authority.value, 'A', 'a'),
            c(self.need.value, 'N', 'n')
        )
    }

    /// Read a handbook code, the inverse of [`Man::code`]: M, A and N in
    /// that order, joined by `+`, each upper case (yes), lower case (no) or
    /// `?` (unknown). Values are in [`ManField::ALL`] order; `None` for
    /// anything else (`A+M+N`, `MAN`, `M+a`).
    pub fn parse_code(code: &str) -> Option<[ManValue; 3]> {
        let mut parts = code.split('+');
        let mut out = [ManValue::Unknown; 3];
        for (value, letter) in out.iter_mut().zip(['m', 'a', 'n']) {
            let mut cs = parts.next()?.chars();
            let c = cs.next()?;
            if cs.next().is_some() {
                return None;
            }
            *value = if c == letter.to_ascii_uppercase() {
                ManValue::Yes
            } else if c == letter {
                ManValue::No
            } else if c == '?' {
                ManValue::Unknown
            } else {
                return None;
            };
        }
        parts.next().is_none().then_some(out)
    }
}

/// A rep's explicit MAN answer (`/man 金鹰 money=yes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManSetting {
    /// Which dimension.
    pub field: ManField,
    /// The answer.
    pub value: ManValue,
    /// When it was given.
    pub at: DateTime<Local>,
}

/// Who the customer is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Display name, as first written (`金鹰国际`).
    pub name: String,
    /// Normalized key the deal is found by (`金鹰国际`, `acme corp`).
    pub key: String,
    /// Other normalized names the rep used for it (`金鹰`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A person at the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// How the rep calls them (`王总`, `小王总`, `John`).
    pub name: String,
    /// Role when known (`决策人`, `财务总监`).
    #[serde(default)]
    pub role: Option<String>,
    /// The visit (`seq`) they were first mentioned in.
    #[serde(default)]
    pub first_visit: Option<u64>,
}

/// A planned next visit or action ("下周三方案呈现").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStep {
    /// What the rep wrote for it.
    pub text: String,
    /// The date it is due, when the message gave one.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// The time words as written (`下周三`, `tomorrow`).
    #[serde(default)]
    pub when: Option<String>,
    /// The key activity it is about (`activity.ka10`), when recognised.
    #[serde(default)]
    pub activity: Option<String>,
    /// The visit (`seq`) that stated it.
    #[serde(default)]
    pub visit: Option<u64>,
}

/// One logged visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Store-wide increasing number; the last one is what `/undo` removes.
    pub seq: u64,
    /// When the visit happened (the log time, or "yesterday" when it says so).
    pub at: DateTime<Local>,
    /// When it was logged.
    pub logged_at: DateTime<Local>,
    /// The message as the rep sent it.
    pub raw: String,
    /// The customer as written in this message.
    pub customer: String,
    /// People met or mentioned.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Key activities recognised as done (`activity.ka07` …).
    #[serde(default)]
    pub activities: Vec<String>,
    /// Objection methods whose triggers matched (`objection.counter_question` …).
    #[serde(default)]
    pub objections: Vec<String>,
    /// MAN signals in the message.
    #[serde(default)]
    pub man: Vec<(ManField, ManValue)>,
    /// Mode cue in the message, if any.
    #[serde(default)]
    pub mode_cue: Option<SalesMode>,
    /// The next visit, if stated.
    #[serde(default)]
    pub next: Option<NextStep>,
    /// What kind of touchpoint it was (records before touchpoints were
    /// told apart read as visits).
    #[serde(default)]
    pub touch: Touch,
    /// The name this log added as another name of the deal (鑫达商贸公司
    /// for 鑫达商贸); `/undo` takes it back with the log.
    #[serde(default)]
    pub alias: Option<String>,
}

/// What kind of contact with the customer a log records. Only meetings
/// in person move the mode's visit program on; a call or a letter does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Touch {
    /// A visit in person (also the customer visiting us).
    #[default]
    Visit,
    /// A phone call.
    Call,
    /// A letter, email or chat message.
    Message,
    /// A demonstration or solution presentation.
    Demo,
    /// An on-site survey.
    Survey,
    /// The contract signed.
    Signing,
    /// A payment received.
    Payment,
    /// The deal lost.
    Lost,
    /// A note of what the rep learned, with no contact said.
    Note,
}

impl Touch {
    /// Every touchpoint, in the order a log's cues are tried (the most
    /// telling first: "签约后首款到了" is a payment, "发了调研纪要" a message).
    pub const ORDER: [Touch; 9] = [
        Touch::Payment,
        Touch::Lost,
        Touch::Signing,
        Touch::Demo,
        Touch::Message,
        Touch::Survey,
        Touch::Call,
        Touch::Visit,
        Touch::Note,
    ];

    /// The name used in the knowledge (`[[touchpoint]] kind = …`).
    pub fn name(self) -> &'static str {
        match self {
            Touch::Visit => "visit",
            Touch::Call => "call",
            Touch::Message => "message",
            Touch::Demo => "demo",
            Touch::Survey => "survey",
            Touch::Signing => "signing",
            Touch::Payment => "payment",
            Touch::Lost => "lost",
            Touch::Note => "note",
        }
    }

    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Touch::Visit => "拜访",
            Touch::Call => "电话",
            Touch::Message => "信息/邮件",
            Touch::Demo => "演示/方案呈现",
            Touch::Survey => "调研",
            Touch::Signing => "签约",
            Touch::Payment => "收款",
            Touch::Lost => "丢单",
            Touch::Note => "记录",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            Touch::Visit => "visit",
            Touch::Call => "call",
            Touch::Message => "message",
            Touch::Demo => "demo",
            Touch::Survey => "survey",
            Touch::Signing => "signing",
            Touch::Payment => "payment",
            Touch::Lost => "lost",
            Touch::Note => "note",
        }
    }

    /// A meeting in person: counts as a visit of the mode's program.
    pub fn in_person(self) -> bool {
        matches!(
            self,
            Touch::Visit | Touch::Demo | Touch::Survey | Touch::Signing
        )
    }
}

/// One key activity's state on a deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityState {
    /// `activity.ka07`
    pub id: String,
    /// `KA07`
    pub code: String,
    /// Done?
    pub done: bool,
    /// When it was done.
    #[serde(default)]
    pub at: Option<DateTime<Local>>,
    /// The visit (`seq`) that did it.
    #[serde(default)]
    pub visit: Option<u64>,
}

/// An objection heard on a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectionHeard {
    /// The handling method's id (`objection.counter_question`).
    pub id: String,
    /// The visit (`seq`).
    pub visit: u64,
    /// When.
    pub at: DateTime<Local>,
}

/// The sales mode and how it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeChoice {
    /// The mode.
    pub mode: SalesMode,
    /// Set by the rep (`/mode`); otherwise suggested and re-suggested.
    pub chosen: bool,
    /// Why it was suggested (Chinese).
    #[serde(default)]
    pub reason: String,
}

/// Won or lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Won (`/won`) or lost (`/lost`).
    pub won: bool,
    /// The rep's reason or note.
    #[serde(default)]
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Local>,
}

/// A deal: one customer of one salesperson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// The deal id: its customer key (unique per user).
    pub id: String,
    /// Who.
    pub customer: Customer,
    /// Sales mode.
    pub mode: ModeChoice,
    /// Current core step (`step.guide`) — derived.
    #[serde(default)]
    pub step: Option<String>,
    /// Stage of that step (`意向阶段`) — derived.
    #[serde(default)]
    pub stage: Option<String>,
    /// The fifteen key activities — derived.
    #[serde(default)]
    pub activities: Vec<ActivityState>,
    /// MAN — derived from visits and `man_settings`.
    #[serde(default)]
    pub man: Man,
    /// The rep's explicit MAN answers, in order.
    #[serde(default)]
    pub man_settings: Vec<ManSetting>,
    /// People at the customer — derived.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Visits, oldest first.
    #[serde(default)]
    pub visits: Vec<Visit>,
    /// Objections heard — derived.
    #[serde(default)]
    pub objections: Vec<ObjectionHeard>,
    /// Next steps: the last stated next visit — derived.
    #[serde(default)]
    pub next_steps: Vec<NextStep>,
    /// Won or lost, if decided.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// Created.
    pub created: DateTime<Local>,
    /// Last changed.
    pub updated: DateTime<Local>,
}

impl Deal {
    /// A new deal with no visits yet.
    pub fn new(customer: Customer, mode: ModeChoice, now: DateTime<Local>) -> Deal {
        Deal {
            id: customer.key.clone(),
            customer,
            mode,
            step: None,
            stage: None,
            activities: Vec::new(),
            man: Man::default(),
            man_settings: Vec::new(),
            contacts: Vec::new(),
            visits: Vec::new(),
            objections: Vec::new(),
            next_steps: Vec::new(),
            outcome: None,
            created: now,
            updated: now,
        }
    }

    /// The latest visit.
    pub fn last_visit(&self) -> Option<&Visit> {
        self.visits.iter().max_by_key(|v| (v.at, v.seq))
    }

    /// Whether the deal is still open.
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }

    /// Whether `key` (normalized) names this deal's customer.
    pub fn is_named(&self, key: &str) -> bool {
        self.customer.key == key || self.customer.aliases.iter().any(|a| a == key)
    }
}

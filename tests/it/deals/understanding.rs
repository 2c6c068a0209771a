//! Understanding of chat messages against a rep's pipeline, measured on
//! labelled messages written blind (`tests/data/messages_*.toml`): is a
//! log saved, to the right customer, is anything saved that should not be,
//! are look-alike customers asked about, are deal questions answered from
//! the deals, are requests the bot cannot do said so.
//!
//! Each message goes through the real [`ussbot::conversation::Bot`] on real
//! sled, as its own user whose store holds the same seven deals.

use std::collections::BTreeMap;
use std::sync::Arc;

use ussbot::deals::model::{Deal, ManField, ManValue, Touch, Visit};
use ussbot::reply::Reply;
use ussbot::user::UserKey;

use ussbot::knowledge::Knowledge;

use super::{knowledge, Bot};

/// The pipeline every labelled message was written against.
const PIPELINE: &[&str] = &[
    "/visit 恒力集团 见了孙经理，聊了生产排产",
    "/visit 鑫达商贸 见了张总，做分销的",
    "/visit 川味坊餐饮 见了黄总和刘经理，连锁餐饮二十家店",
    "/visit 海诚集团 见了陈总，集团财务",
    "/visit 广州钢铁集团 见了王总，钢铁制造",
    "/visit 金桥物流 见了李总，物流运输",
    "/visit 东方医药 见了周主任，医药流通",
];

#[derive(serde::Deserialize)]
struct Set {
    message: Vec<Message>,
}

#[derive(serde::Deserialize)]
struct Message {
    text: String,
    kind: String,
    #[serde(default)]
    customer: Option<String>,
    #[serde(default)]
    new: bool,
    #[serde(default)]
    ask: bool,
    #[serde(default)]
    touch: Option<String>,
    #[serde(default)]
    voice: String,
    /// Money, authority, need as said: `y`, `n` or `?` each.
    #[serde(default)]
    man: Option<String>,
    /// The customer's people named.
    #[serde(default)]
    contacts: Vec<String>,
    /// Our own people named (never the customer's contacts).
    #[serde(default)]
    ours: Vec<String>,
}

impl Message {
    /// A log the bot must save (or, when `ask`, ask about).
    fn must_log(&self) -> bool {
        self.kind == "log" || (self.kind == "both" && self.touch.is_some())
    }

    /// Saving it is not wrong (a question that also reports a fact).
    fn may_log(&self) -> bool {
        self.must_log() || self.kind == "both"
    }

    /// The bot should ask before saving anything (a log that names no
    /// customer can only be asked about).
    fn must_ask(&self) -> bool {
        self.ask || self.kind == "unclear" || (self.must_log() && self.customer.is_none())
    }
}

/// What one message did.
struct Outcome {
    reply: Reply,
    /// The deal a visit was added to, and whether the message created it.
    saved: Option<(String, bool)>,
    /// The visit saved.
    visit: Option<Visit>,
}

impl Outcome {
    /// The reply says nothing was saved and how to save it.
    fn asked(&self) -> bool {
        self.saved.is_none()
            && (matches!(
                self.reply.kind.as_str(),
                "ask_customer" | "log_unclear" | "ambiguous" | "confirm_log"
            ) || ["还没有保存", "没有记到", "not saved", "not logged"]
                .iter()
                .any(|w| self.reply.text().contains(w)))
    }
}

fn visits(deals: &[Deal]) -> BTreeMap<String, (String, usize)> {
    deals
        .iter()
        .map(|d| (d.id.clone(), (d.customer.name.clone(), d.visits.len())))
        .collect()
}

/// Key for comparing customer names: no legal ending, no spaces, lower case.
fn same_customer(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        let s: String = s.to_lowercase().split_whitespace().collect();
        let mut s = s.as_str();
        for suffix in ["有限公司", "管理公司", "公司", "集团"] {
            s = s.strip_suffix(suffix).unwrap_or(s);
        }
        s.to_string()
    };
    key(a) == key(b)
}

/// Counts over one labelled set; `misses` holds what went wrong, by case.
#[derive(Default)]
struct Counts {
    /// Logs to save (not to ask about): total, saved.
    logs: (usize, usize),
    /// Saved: total, of them to a message that may be saved.
    saved: (usize, usize),
    /// Saved logs that must be saved: total, to the right customer.
    customer: (usize, usize),
    /// Messages to ask about: total, asked (or saved as a new deal of that
    /// exact name).
    asks: (usize, usize),
    /// Deals created under a name that is not the message's customer.
    junk: usize,
    /// A new customer's log saved onto an existing deal.
    merges: usize,
    /// A log neither saved nor said to be unsaved.
    dropped: usize,
    /// Deal questions: total, answered from the deals.
    deal_questions: (usize, usize),
    /// Requests the bot cannot do: total, said so.
    unsupported: (usize, usize),
    by_voice: BTreeMap<String, (usize, usize)>,
    /// Saved logs with a labelled touchpoint: total, recorded as that kind.
    touch: (usize, usize),
    /// MAN dimensions stated in saved logs: total, read right.
    man: (usize, usize),
    /// The customer's people named in saved logs: total, recorded.
    contacts: (usize, usize),
    /// Facts labelled on logs that were not saved (touchpoint, MAN,
    /// contacts): lost to the rep as surely as a fact read wrong.
    unsaved: (usize, usize, usize),
    /// Our own people named in saved logs: total, wrongly recorded as the
    /// customer's contacts.
    ours: (usize, usize),
    misses: Vec<String>,
    /// Every message with the reply kind and the visit it saved.
    seen: Vec<(String, String, Option<Visit>)>,
}

fn pct(a: usize, n: usize) -> f64 {
    if n == 0 {
        100.0
    } else {
        a as f64 * 100.0 / n as f64
    }
}

impl Counts {
    fn log_recall(&self) -> f64 {
        pct(self.logs.1, self.logs.0)
    }
    fn precision(&self) -> f64 {
        pct(self.saved.1, self.saved.0)
    }
    fn customer_right(&self) -> f64 {
        pct(self.customer.1, self.customer.0)
    }
    fn asked(&self) -> f64 {
        pct(self.asks.1, self.asks.0)
    }
    fn deal_answers(&self) -> f64 {
        pct(self.deal_questions.1, self.deal_questions.0)
    }
    fn unsupported_said(&self) -> f64 {
        pct(self.unsupported.1, self.unsupported.0)
    }

    /// Right facts of every labelled log, saved or not: (labelled, right)
    /// for touchpoint kind, MAN and contacts. Saving one more log can only
    /// raise these, unlike the rates over saved logs.
    fn facts_of_all(&self) -> [(usize, usize); 3] {
        let (t, m, k) = self.unsaved;
        [
            (self.touch.0 + t, self.touch.1),
            (self.man.0 + m, self.man.1),
            (self.contacts.0 + k, self.contacts.1),
        ]
    }

    /// The facts of every labelled log reach these floors (touchpoint kind,
    /// MAN, contacts, in percent), and none of our own people is a contact.
    fn assert_facts(&self, touch: f64, man: f64, contacts: f64) {
        let [t, m, k] = self.facts_of_all();
        assert!(pct(t.1, t.0) >= touch, "touchpoints {t:?}");
        assert!(pct(m.1, m.0) >= man, "MAN {m:?}");
        assert!(pct(k.1, k.0) >= contacts, "contacts {k:?}");
        assert_eq!(
            self.ours.1, 0,
            "our own people saved as the customer's contacts"
        );
    }

    fn print(&self, name: &str) {
        println!("{name}:");
        println!(
            "  log recall {:.1} % ({}/{}), precision {:.1} % ({}/{}), customer right {:.1} % ({}/{})",
            self.log_recall(),
            self.logs.1,
            self.logs.0,
            self.precision(),
            self.saved.1,
            self.saved.0,
            self.customer_right(),
            self.customer.1,
            self.customer.0
        );
        println!(
            "  asked when unsure {:.1} % ({}/{}), junk deals {}, silent merges {}, silently dropped {}",
            self.asked(),
            self.asks.1,
            self.asks.0,
            self.junk,
            self.merges,
            self.dropped
        );
        println!(
            "  deal questions answered from the deals {:.1} % ({}/{}), cannot-do said {:.1} % ({}/{})",
            self.deal_answers(),
            self.deal_questions.1,
            self.deal_questions.0,
            self.unsupported_said(),
            self.unsupported.1,
            self.unsupported.0
        );
        println!(
            "  facts of saved logs: touchpoint {:.1} % ({}/{}), MAN {:.1} % ({}/{}), contacts {:.1} % ({}/{}), our people taken for contacts {}/{}",
            pct(self.touch.1, self.touch.0),
            self.touch.1,
            self.touch.0,
            pct(self.man.1, self.man.0),
            self.man.1,
            self.man.0,
            pct(self.contacts.1, self.contacts.0),
            self.contacts.1,
            self.contacts.0,
            self.ours.1,
            self.ours.0
        );
        let [t, m, k] = self.facts_of_all();
        println!(
            "  facts of all labelled logs: touchpoint {:.1} % ({}/{}), MAN {:.1} % ({}/{}), contacts {:.1} % ({}/{})",
            pct(t.1, t.0),
            t.1,
            t.0,
            pct(m.1, m.0),
            m.1,
            m.0,
            pct(k.1, k.0),
            k.1,
            k.0
        );
        let voices: Vec<String> = self
            .by_voice
            .iter()
            .map(|(v, (n, ok))| format!("{v} {:.0} %", pct(*ok, *n)))
            .collect();
        println!("  right by voice: {}", voices.join(", "));
    }
}

/// The shipped knowledge without the file made from the tuning half, so
/// that the tuning half is measured as if unseen.
fn knowledge_without_tuning() -> Arc<Knowledge> {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for f in std::fs::read_dir(&src).expect("knowledge dir") {
        let f = f.expect("entry").path();
        if f.file_name().is_some_and(|n| n != "utterances_reps.toml") {
            std::fs::copy(&f, dir.path().join(f.file_name().expect("name"))).expect("copy");
        }
    }
    Arc::new(ussbot::knowledge::load_dir(dir.path()).expect("knowledge loads"))
}

async fn run_set(path: &str, knowledge: Arc<Knowledge>) -> Counts {
    let text = std::fs::read_to_string(path).expect(path);
    let mut set: Set = toml::from_str(&text).expect("labelled messages parse");
    let t = Bot::with_knowledge(knowledge.clone());
    let store = t.store.clone();
    let seeder = UserKey::new("terminal", "seed");
    for line in PIPELINE {
        t.reply(&seeder, line).await;
    }
    let seed = store.deals(&seeder).await.expect("seed deals");
    assert_eq!(seed.len(), PIPELINE.len());
    let bot = &t.chat;
    let mut c = Counts::default();
    for (i, m) in set.message.iter_mut().enumerate() {
        if m.customer.as_deref() == Some("") {
            m.customer = None;
        }
        let m = &*m;
        let user = UserKey::new("terminal", format!("m{i}"));
        store.put_deals(&user, &seed).await.expect("seed");
        let before = visits(&seed);
        let reply = bot.handle(&user, &m.text).await;
        let deals_after = store.deals(&user).await.expect("deals");
        let after = visits(&deals_after);
        let visit = deals_after
            .iter()
            .flat_map(|d| d.visits.iter())
            .filter(|v| !seed.iter().any(|s| s.visits.iter().any(|x| x.seq == v.seq)))
            .max_by_key(|v| v.seq)
            .cloned();
        let saved = after
            .iter()
            .find_map(|(id, (name, n))| match before.get(id) {
                None => Some((name.clone(), true)),
                Some((_, was)) if n > was => Some((name.clone(), false)),
                _ => None,
            });
        let o = Outcome {
            reply,
            saved,
            visit,
        };
        let right = score(m, &o, &mut c);
        c.seen
            .push((m.text.clone(), o.reply.kind.clone(), o.visit.clone()));
        let v = c.by_voice.entry(m.voice.clone()).or_default();
        v.0 += 1;
        if right {
            v.1 += 1;
        } else {
            let got = match &o.saved {
                Some((name, true)) => format!("saved as new deal {name}"),
                Some((name, false)) => format!("saved to {name}"),
                None => format!("{}: {}", o.reply.kind, first_line(&o.reply)),
            };
            c.misses.push(format!(
                "[{}{}] {} => {got}",
                m.kind,
                m.customer
                    .as_deref()
                    .map(|s| format!(" {s}"))
                    .unwrap_or_default(),
                m.text.replace('\n', " / ")
            ));
        }
    }
    c
}

fn first_line(r: &Reply) -> String {
    r.text().lines().next().unwrap_or_default().to_string()
}

/// Count one message; whether it was handled right.
fn score(m: &Message, o: &Outcome, c: &mut Counts) -> bool {
    let mut right = true;
    if let Some((name, created)) = &o.saved {
        c.saved.0 += 1;
        if m.may_log() {
            c.saved.1 += 1;
        } else {
            right = false;
        }
        let expected = m.customer.as_deref().unwrap_or("");
        if *created && !same_customer(name, expected) {
            c.junk += 1;
            right = false;
        }
        if !*created && m.new {
            c.merges += 1;
            right = false;
        }
    }
    if m.must_ask() && m.may_log() {
        c.asks.0 += 1;
        let exact_new = matches!(&o.saved, Some((name, true))
            if m.customer.as_deref().is_some_and(|e| same_customer(name, e)));
        if o.asked() || exact_new {
            c.asks.1 += 1;
        } else {
            right = false;
        }
    } else if m.must_ask() {
        // An unclear remark: asking, or any answer that saves nothing.
        right &= o.saved.is_none();
    } else if m.must_log() {
        c.logs.0 += 1;
        match &o.saved {
            Some((name, _)) => {
                c.logs.1 += 1;
                c.customer.0 += 1;
                if m.customer
                    .as_deref()
                    .is_some_and(|e| same_customer(name, e))
                {
                    c.customer.1 += 1;
                } else {
                    right = false;
                }
            }
            None => {
                right = false;
                if !o.asked() {
                    c.dropped += 1;
                }
            }
        }
    }
    match &o.visit {
        Some(v) => facts(m, v, c),
        None if m.must_log() && !m.must_ask() => {
            let man = m.man.as_deref().unwrap_or("");
            c.unsaved.0 += usize::from(m.touch.is_some());
            c.unsaved.1 += man.chars().filter(|x| matches!(x, 'y' | 'n')).count();
            c.unsaved.2 += m.contacts.len();
        }
        None => {}
    }
    match m.kind.as_str() {
        "deal_question" => {
            c.deal_questions.0 += 1;
            let from_deals = matches!(o.reply.kind.as_str(), "deal" | "deals" | "deal_answer");
            let named = m
                .customer
                .as_deref()
                .is_none_or(|name| o.reply.text().contains(name) || m.new);
            // Asking which deal is right when the message names none, or
            // one that only looks like the rep's.
            let asks_which = (m.customer.is_none() || m.must_ask())
                && matches!(
                    o.reply.kind.as_str(),
                    "choices" | "ambiguous" | "ask_customer"
                );
            if (from_deals && named) || asks_which {
                c.deal_questions.1 += 1;
            } else {
                right = false;
            }
        }
        "unsupported" => {
            c.unsupported.0 += 1;
            if o.reply.kind == "unsupported" {
                c.unsupported.1 += 1;
            } else {
                right = false;
            }
        }
        _ => {}
    }
    right
}

/// Count the facts a saved log recorded against the labels.
fn facts(m: &Message, v: &Visit, c: &mut Counts) {
    let expected = match m.touch.as_deref() {
        Some("letter") => Some(Touch::Message),
        Some("negotiation") => Some(Touch::Visit),
        Some(t) => Touch::ORDER.into_iter().find(|x| x.name() == t),
        None => None,
    };
    let mut wrong = Vec::new();
    // The labels have no kind for a chat message: one writer calls a WeChat
    // exchange a letter, another a call; either is right for it.
    let chat = ["微信", "wechat", "短信"]
        .iter()
        .any(|w| m.text.to_lowercase().contains(w));
    if let Some(t) = expected {
        c.touch.0 += 1;
        if v.touch == t || (chat && t == Touch::Call && v.touch == Touch::Message) {
            c.touch.1 += 1;
        } else {
            wrong.push(format!("touch {:?} for {:?}", v.touch, t));
        }
    }
    if let Some(man) = &m.man {
        for (field, said) in ManField::ALL.iter().zip(man.chars()) {
            let want = match said {
                'y' => ManValue::Yes,
                'n' => ManValue::No,
                _ => continue,
            };
            c.man.0 += 1;
            if v.man.iter().any(|(f, x)| f == field && *x == want) {
                c.man.1 += 1;
            } else {
                wrong.push(format!("MAN {field:?} not {want:?}"));
            }
        }
    }
    // Names are kept normalized (simplified, lower case).
    let norm = |s: &str| super::normalizer().normalize(s);
    let recorded = |name: &str| {
        let n = norm(name);
        v.contacts.iter().any(|x| {
            let x = norm(&x.name);
            x.contains(&n) || n.contains(&x)
        })
    };
    for name in &m.contacts {
        c.contacts.0 += 1;
        if recorded(name) {
            c.contacts.1 += 1;
        } else {
            wrong.push(format!("contact {name} missing"));
        }
    }
    for name in &m.ours {
        c.ours.0 += 1;
        // "售前李工" is ours: 李工 must not be a contact.
        let person: String = name
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if v.contacts
            .iter()
            .any(|x| x.name == person || x.name == *name)
        {
            c.ours.1 += 1;
            wrong.push(format!("our {name} taken for a contact"));
        }
    }
    if !wrong.is_empty() {
        c.misses.push(format!(
            "facts of {}: {}",
            m.text.replace('\n', " / "),
            wrong.join("; ")
        ));
    }
}

/// The tuning half, against the knowledge without the file made from it:
/// rates and every miss, to study and fix.
#[tokio::test]
async fn tuning_messages_are_understood() {
    let k = knowledge_without_tuning();
    for path in [
        "tests/data/messages_tuning.toml",
        "tests/data/messages2_tuning.toml",
    ] {
        let c = run_set(path, k.clone()).await;
        c.print(path);
        for m in &c.misses {
            println!("  miss {m}");
        }
        assert_eq!(c.merges, 0, "{path}: a new customer was merged into a deal");
    }
}

/// The held-out half: rates only, never the messages, so that nobody tunes
/// on them. The floors are what the bot reaches now (raise them as it
/// improves, never lower them); where they are short of the goal (no junk
/// deal, no silent merge, 95 % recall, 97 % customer right) the README says so.
#[tokio::test]
async fn held_out_messages_are_understood() {
    let c = run_set("tests/data/messages_holdout.toml", knowledge()).await;
    c.print("held-out messages");
    assert!(c.log_recall() >= 92.0, "log recall {:.1} %", c.log_recall());
    assert!(c.precision() >= 98.0, "precision {:.1} %", c.precision());
    assert!(
        c.customer_right() >= 93.0,
        "customer right {:.1} %",
        c.customer_right()
    );
    assert!(c.asked() >= 90.0, "asked when unsure {:.1} %", c.asked());
    assert!(
        c.deal_answers() >= 90.0,
        "deal questions {:.1} %",
        c.deal_answers()
    );
    assert!(
        c.unsupported_said() >= 80.0,
        "cannot-do {:.1} %",
        c.unsupported_said()
    );
    assert!(c.merges <= 1, "{} silent merges", c.merges);
    assert!(c.junk <= 3, "{} junk deals", c.junk);
    assert!(c.dropped <= 1, "{} logs silently dropped", c.dropped);
    c.assert_facts(81.0, 44.0, 88.0);
}

/// The second held-out half: rates only. Its floors are what the bot
/// reached when the set was first run (raise them, never lower them).
#[tokio::test]
async fn second_held_out_messages_are_understood() {
    let c = run_set("tests/data/messages2_holdout.toml", knowledge()).await;
    c.print("second held-out messages");
    assert!(c.log_recall() >= 88.0, "log recall {:.1} %", c.log_recall());
    assert!(c.precision() >= 94.0, "precision {:.1} %", c.precision());
    assert!(
        c.customer_right() >= 97.0,
        "customer right {:.1} %",
        c.customer_right()
    );
    assert!(c.merges <= 1, "{} silent merges", c.merges);
    assert!(c.junk == 0, "{} junk deals", c.junk);
    assert!(c.dropped <= 2, "{} logs silently dropped", c.dropped);
    c.assert_facts(72.0, 73.0, 78.0);
}

/// Messages from `USSBOT_PROBE` (one per line), each against the seven
/// deals, with what happened: for studying behaviour by hand.
#[tokio::test]
#[ignore]
async fn probe() {
    let Ok(path) = std::env::var("USSBOT_PROBE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("probe file");
    let mut set = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        set.push_str(&format!(
            "[[message]]\ntext = {}\nkind = \"log\"\ncustomer = \"?\"\n\n",
            toml::Value::String(line.to_string())
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("probe.toml");
    std::fs::write(&file, set).expect("write");
    let c = run_set(file.to_str().expect("utf-8"), knowledge()).await;
    for m in &c.misses {
        println!("{m}");
    }
    let engine = ussbot::engine::Engine::new(knowledge()).expect("engine");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let u = ussbot::understand::understand(&engine, &engine.normalizer().normalize(line), &[]);
        println!("{line}: {:?} {:?} {:?}", u.kind, u.cues, &u.scores[..4]);
    }
    for (text, kind, visit) in &c.seen {
        match visit {
            Some(v) => println!(
                "{text}: {kind} {:?} MAN {:?} contacts {:?}",
                v.touch,
                v.man,
                v.contacts.iter().map(|c| &c.name).collect::<Vec<_>>()
            ),
            None => println!("{text}: {kind}"),
        }
    }
}

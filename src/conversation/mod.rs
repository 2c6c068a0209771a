//! One message in, one reply out: the platform-neutral core every front
//! end (terminal, Discord) calls.
//!
//! A command (`/visit …`, `/case …`) goes where it says. Free text goes
//! through the understanding step first ([`crate::understand`]), with the
//! rep's own deals as context, and then to exactly one place: the deal
//! service (log, deal question, pipeline), the answer engine (handbook
//! question), both, or a plain "I can't do that". When the kind or the
//! customer is unclear the bot asks, with numbered choices.

mod offer;
mod pending;

pub use pending::{PendingStore, PENDING_HOURS};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::commands::{self, Action};
use crate::deals::model::Deal;
use crate::deals::{DealService, View};
use crate::engine::{Engine, Lang};
use crate::knowledge::MessageKind;
use crate::reply::Reply;
use crate::understand::{understand, Mention, Understanding};
use crate::user::UserKey;
use offer::{choice_number, offer, Choice, Offer};

/// Longest message handled; longer input is cut (a chat message, not a file).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// A question about "this customer" means the deal named within this many
/// of the user's last messages.
const FOCUS_MESSAGES: u32 = 5;

/// A log whose kind leads the next kind by less than this is confirmed
/// before it is saved.
const SURE_MARGIN: f32 = 0.04;

/// The bot: answer engine plus deal service.
pub struct Bot {
    engine: Arc<Engine>,
    deals: DealService,
    /// Per-user dialogue state, held only between two messages of a user
    /// and never across an `.await`.
    state: Mutex<HashMap<UserKey, Dialogue>>,
    /// Where offers are kept across a restart, if anywhere.
    pending: Option<Arc<dyn PendingStore>>,
}

/// What the bot remembers of a user's conversation.
#[derive(Debug, Default)]
struct Dialogue {
    /// The choices last offered, for a bare number.
    offer: Option<Offer>,
    /// The customer last talked about, and how many messages ago.
    focus: Option<(String, u32)>,
    /// The language the user last wrote words in, for messages without
    /// words (`/help`, `/deals`, a number).
    lang: Option<Lang>,
    /// The last reply shown as a brief, for "更多" / "more".
    last_full: Option<Reply>,
}

impl Bot {
    /// A bot over an engine and a deal service.
    pub fn new(engine: Arc<Engine>, deals: DealService) -> Self {
        Bot {
            engine,
            deals,
            state: Mutex::new(HashMap::new()),
            pending: None,
        }
    }

    /// Keep offers the bot is waiting on in `store`, so that the rep's
    /// answer still works after a restart.
    pub fn with_pending(mut self, store: Arc<dyn PendingStore>) -> Self {
        self.pending = Some(store);
        self
    }

    /// The answer engine (for autocomplete of case and method names).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Handle one message from `user`. Never fails: problems become an
    /// error reply.
    pub async fn handle(&self, user: &UserKey, text: &str) -> Reply {
        if self.engine.knowledge().message_cues.asks_for_more(text) {
            let last = self.lock().get_mut(user).and_then(|d| d.last_full.take());
            if let Some(mut full) = last {
                full.brief = None;
                return full;
            }
        }
        let mut reply = self.reply_to(user, text).await;
        if let Some(note) = cut_notice(text, self.usual_lang(user)) {
            add_note(&mut reply, &note, "\n");
        }
        if reply.brief.is_some() {
            self.lock().entry(user.clone()).or_default().last_full = Some(reply.clone());
        }
        // An offer made by this reply is kept until the rep answers it,
        // across a restart too.
        if let Some(store) = &self.pending {
            let offer = self.lock().get(user).and_then(|d| d.offer.clone());
            if let Some(o) = offer {
                pending::save(store.as_ref(), user, &o).await;
            }
        }
        reply
    }

    async fn reply_to(&self, user: &UserKey, text: &str) -> Reply {
        let text = cut(text);
        if let Some(lang) = Lang::of_words(text) {
            self.lock().entry(user.clone()).or_default().lang = Some(lang);
        }
        let (offer, focus) = self.take_state(user);
        let offer = match (offer, &self.pending) {
            (Some(o), Some(store)) => {
                // Used up by this message, wherever it was kept.
                pending::take(store.as_ref(), user).await;
                Some(o)
            }
            (None, Some(store)) => pending::take(store.as_ref(), user).await,
            (o, None) => o,
        };
        if let Some(n) = choice_number(text) {
            if let Some(o) = &offer {
                if let Some(choice) = n.checked_sub(1).and_then(|i| o.choices.get(i)) {
                    return self.run_choice(user, choice.clone(), o.lang).await;
                }
            }
            // A bare number with nothing (or not that many) to pick from.
            return Reply::plain(
                "unclear",
                "现在没有可选的编号，请直接说你想问或要记录的。(Nothing to pick by number right now.)",
            );
        }
        // A log still waiting on the rep's answer is not dropped by the
        // next message: it stays open (unless that reply offers choices of
        // its own) and the reply says so.
        let held = offer.filter(|o| o.choices.iter().any(|c| matches!(c, Choice::Log { .. })));
        let mut reply = self.reply_to_words(user, text, focus).await;
        if let Some(o) = held {
            let offered_now = self.lock().get(user).is_some_and(|d| d.offer.is_some());
            let note = unsaved_note(&o, offered_now);
            if !offered_now {
                self.remember_offer(user, o);
            }
            add_note(&mut reply, &note, "\n\n");
        }
        reply
    }

    /// A message that is not a number picking a choice.
    async fn reply_to_words(&self, user: &UserKey, text: &str, focus: Option<String>) -> Reply {
        if let Some((name, _)) = commands::split(text) {
            if commands::find(name).is_some_and(|c| c.action == Action::Undo) {
                return self.offer_undo(user).await;
            }
        }
        if text.trim_start().starts_with(['/', '／']) {
            let usual = self.lock().get(user).and_then(|d| d.lang);
            let usual_zh = usual.map(|l| l == Lang::Zh);
            if let Some(reply) = self.deals.command(user, text, usual_zh).await {
                return reply;
            }
            return self.answer(user, text);
        }
        let normalized = self.engine.normalizer().normalize(text);
        self.free_text(user, text, &normalized, focus).await
    }

    /// A message that is not a command: understand it, then act once.
    async fn free_text(
        &self,
        user: &UserKey,
        text: &str,
        normalized: &str,
        focus: Option<String>,
    ) -> Reply {
        let deals = match self.deals.pipeline(user).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(user = %user, error = %e, "reading deals failed");
                Vec::new()
            }
        };
        let u = understand(&self.engine, normalized, &deals);
        tracing::debug!(kind = ?u.kind, margin = u.margin, cues = ?u.cues, mention = ?u.found.mention, scores = ?&u.scores[..u.scores.len().min(4)], "understood");
        let named = match u.found.mention {
            Mention::One(i) => deals.get(i),
            _ => None,
        };
        if let Some(d) = named {
            self.set_focus(user, &d.customer.name);
        }
        let lang = Lang::of(text);
        if u.cues.help {
            return self.help(lang);
        }
        if u.or_handbook {
            return self.deals_or_handbook(user, text, &u, lang);
        }
        match u.kind {
            MessageKind::Handbook if u.unplaced_report() => {
                // Maybe a log without a customer, maybe a question: answer
                // the question if the handbook has one, and say the log was
                // not saved.
                let unsaved = self.log(user, text, normalized, &u, &deals).await;
                if unsaved.kind == "visit_logged" {
                    return unsaved;
                }
                let mut answer = self.answer(user, &u.question);
                if answer.kind == "none" {
                    return unsaved;
                }
                let note = unsaved.text();
                answer.footer = Some(match answer.footer.take() {
                    Some(f) => format!("{f}\n\n{note}"),
                    None => note,
                });
                answer
            }
            MessageKind::Handbook => {
                let mut answer = self.answer(user, &u.question);
                // A question that also tells what a customer of the rep's
                // said: answer it, and offer to log it (nothing unsaid).
                if let (Some(d), true, false) = (named, u.cues.reports, answer.kind == "choices") {
                    let name = d.customer.name.clone();
                    let note = match lang {
                        Lang::Zh => format!("这条没有记到【{name}】；要记为拜访，回复 1。"),
                        Lang::En => {
                            format!("This was not logged to {name}; reply 1 to log it as a visit.")
                        }
                    };
                    answer.footer = Some(match answer.footer.take() {
                        Some(f) => format!("{f}\n{note}"),
                        None => note,
                    });
                    self.remember_offer(
                        user,
                        Offer {
                            choices: vec![log_choice(&name, text)],
                            lang,
                        },
                    );
                }
                answer
            }
            MessageKind::Log if u.margin < SURE_MARGIN && !u.plain_report() => {
                self.confirm_log(user, text, normalized, &u, &deals, lang)
                    .await
            }
            MessageKind::Log => self.log(user, text, normalized, &u, &deals).await,
            MessageKind::Both => {
                let log = self.log(user, text, normalized, &u, &deals).await;
                let mut answer = self.answer(user, &u.question);
                if answer.kind == "none" {
                    return log;
                }
                let note = log.text();
                answer.footer = Some(match answer.footer.take() {
                    Some(f) => format!("{f}\n\n{note}"),
                    None => note,
                });
                answer.private |= log.private;
                answer
            }
            MessageKind::Deal => {
                let focused = focus.and_then(|f| deals.iter().find(|d| d.customer.name == f));
                match (named.or(focused), &u.found.mention) {
                    (Some(d), _) => self.deals.show(text, d),
                    (None, Mention::Many(v)) => {
                        let said = self.said(normalized, &u);
                        self.deals.ask_which(text, &pick(&deals, v), &said, false)
                    }
                    (None, Mention::LookAlike { said, like }) => {
                        self.deals.ask_which(text, &pick(&deals, like), said, false)
                    }
                    (None, _) => self.which_deal(user, text, &deals, lang).await,
                }
            }
            MessageKind::Pipeline => self.deals.overview(user, text, View::All).await,
            MessageKind::Stale => self.deals.overview(user, text, View::Stale).await,
            // "恒力下周有什么安排": that deal's plan, not every plan.
            MessageKind::Plans => match named {
                Some(d) => self.deals.show(text, d),
                None => self.deals.overview(user, text, View::Plans).await,
            },
            MessageKind::Unsupported => unsupported(lang),
            MessageKind::Unclear => match &u.found.mention {
                Mention::LookAlike { said, like } => {
                    self.deals.ask_which(text, &pick(&deals, like), said, true)
                }
                _ => self.unclear(user, text, named, lang),
            },
        }
    }

    /// Record a log for the customer the message names; ask when the
    /// customer is unclear, and say so when there is none.
    async fn log(
        &self,
        user: &UserKey,
        text: &str,
        normalized: &str,
        u: &Understanding,
        deals: &[Deal],
    ) -> Reply {
        // A contact's name is weaker than a company name written out: a new
        // customer named in the message wins (and is checked for look-alikes).
        let new_name = self.deals.new_customer(text, normalized);
        match &u.found.mention {
            Mention::One(_) if u.by_contact && new_name.is_some() => {
                self.log_new(user, text, new_name).await
            }
            Mention::One(i) => {
                self.deals
                    .log(user, text, &deals[*i].customer.name, true)
                    .await
            }
            Mention::Many(v) => {
                let said = self.said(normalized, u);
                self.deals.ask_which(text, &pick(deals, v), &said, false)
            }
            Mention::LookAlike { said, like } => {
                self.deals.ask_which(text, &pick(deals, like), said, true)
            }
            Mention::None => self.log_new(user, text, new_name).await,
        }
    }

    /// A log for a customer the rep does not have yet, if one is named; a
    /// name that may not be a company is confirmed first.
    async fn log_new(&self, user: &UserKey, text: &str, name: Option<(String, bool)>) -> Reply {
        match name {
            Some((name, true)) => {
                let reply = self.deals.log(user, text, &name, false).await;
                if reply.kind == "visit_logged" {
                    self.set_focus(user, &name);
                }
                reply
            }
            Some((name, false)) => {
                let lang = Lang::of(text);
                let (head, options) = match lang {
                    Lang::Zh => (
                        format!("还没有保存：“{name}”是新客户吗？"),
                        vec![
                            (
                                format!("是，新建客户【{name}】并记录"),
                                log_choice(&name, text),
                            ),
                            ("不是，不记录".to_string(), ask_choice(text)),
                        ],
                    ),
                    Lang::En => (
                        format!("Not saved yet: is “{name}” a new customer?"),
                        vec![
                            (
                                format!("Yes, add {name} and log this"),
                                log_choice(&name, text),
                            ),
                            ("No, don't log it".to_string(), ask_choice(text)),
                        ],
                    ),
                };
                let (mut reply, o) = offer(head, options, lang);
                reply.footer = Some(match lang {
                    Lang::Zh => format!("回复数字；或用 /visit 客户名 {text} 记到别的客户。"),
                    Lang::En => format!("Reply with a number, or send /visit CUSTOMER {text} to log it for another customer."),
                });
                self.remember_offer(user, o);
                reply
            }
            None => self.deals.no_customer(text),
        }
    }

    /// Not sure the message is a log: ask before saving anything.
    async fn confirm_log(
        &self,
        user: &UserKey,
        text: &str,
        normalized: &str,
        u: &Understanding,
        deals: &[Deal],
        lang: Lang,
    ) -> Reply {
        let Mention::One(i) = u.found.mention else {
            return self.log(user, text, normalized, u, deals).await;
        };
        let name = deals[i].customer.name.clone();
        let (head, options) = match lang {
            Lang::Zh => (
                "还没有保存。要怎么处理这条？".to_string(),
                vec![
                    (format!("记为【{name}】的拜访"), log_choice(&name, text)),
                    ("这是手册问题，不记录".to_string(), ask_choice(text)),
                    (format!("看【{name}】的商机"), show_choice(&name)),
                ],
            ),
            Lang::En => (
                "Not saved yet. What is this?".to_string(),
                vec![
                    (
                        format!("Log it as a visit to {name}"),
                        log_choice(&name, text),
                    ),
                    (
                        "A handbook question, don't log it".to_string(),
                        ask_choice(text),
                    ),
                    (format!("Show the {name} deal"), show_choice(&name)),
                ],
            ),
        };
        let (reply, o) = offer(head, options, lang);
        self.remember_offer(user, o);
        reply
    }

    /// Too vague to act on: say what the bot can do with it.
    fn unclear(&self, user: &UserKey, text: &str, named: Option<&Deal>, lang: Lang) -> Reply {
        let Some(d) = named else {
            return Reply::plain(
                "unclear",
                match lang {
                    Lang::Zh => "没太明白。可以直接问手册里的问题（如“客户说太贵了怎么办”），记录拜访（如“今天去恒力见了孙经理，预算批了”），或问你的商机（如“我的商机”“哪些好久没跟了”）。",
                    Lang::En => "I didn't quite get that. Ask a handbook question (\"the customer says it's too expensive\"), log a visit (\"visited Hengli, met Mr Sun, budget approved\"), or ask about your deals (\"my deals\").",
                },
            );
        };
        let name = d.customer.name.clone();
        let (head, options) = match lang {
            Lang::Zh => (
                format!("关于【{name}】，要我做什么？"),
                vec![
                    (format!("看【{name}】的商机"), show_choice(&name)),
                    (
                        format!("把这句记为【{name}】的拜访"),
                        log_choice(&name, text),
                    ),
                ],
            ),
            Lang::En => (
                format!("About {name}: what should I do?"),
                vec![
                    (format!("Show the {name} deal"), show_choice(&name)),
                    (
                        format!("Log this as a visit to {name}"),
                        log_choice(&name, text),
                    ),
                ],
            ),
        };
        let (reply, o) = offer(head, options, lang);
        self.remember_offer(user, o);
        reply
    }

    /// A question that may be about the rep's deals or for the handbook:
    /// offer both.
    fn deals_or_handbook(
        &self,
        user: &UserKey,
        text: &str,
        u: &Understanding,
        lang: Lang,
    ) -> Reply {
        let view = match u.kind {
            MessageKind::Stale => View::Stale,
            MessageKind::Plans => View::Plans,
            _ => View::All,
        };
        let (mine, handbook) = match (lang, view) {
            (Lang::Zh, View::Stale) => ("看我好久没跟的商机", "问手册"),
            (Lang::Zh, View::Plans) => ("看我计划的跟进", "问手册"),
            (Lang::Zh, View::All) => ("看我的商机", "问手册"),
            (Lang::En, View::Stale) => ("Show my deals gone quiet", "Ask the handbook"),
            (Lang::En, View::Plans) => ("Show my planned follow-ups", "Ask the handbook"),
            (Lang::En, View::All) => ("Show my deals", "Ask the handbook"),
        };
        let head = match lang {
            Lang::Zh => "您是想：",
            Lang::En => "Do you mean:",
        };
        let (mut reply, o) = offer(
            head.to_string(),
            vec![
                (mine.to_string(), Choice::Overview(view)),
                (handbook.to_string(), ask_choice(text)),
            ],
            lang,
        );
        // Nothing of the rep's deals is in the question itself.
        reply.private = false;
        self.remember_offer(user, o);
        reply
    }

    /// A question about "this customer" with no customer in focus.
    async fn which_deal(&self, user: &UserKey, text: &str, deals: &[Deal], lang: Lang) -> Reply {
        if deals.is_empty() {
            return self.deals.overview(user, text, View::All).await;
        }
        let mut recent: Vec<&Deal> = deals.iter().filter(|d| d.is_open()).collect();
        recent.sort_by_key(|d| std::cmp::Reverse(d.updated));
        let options = recent
            .iter()
            .take(3)
            .map(|d| (d.customer.name.clone(), show_choice(&d.customer.name)))
            .collect();
        let head = match lang {
            Lang::Zh => "哪个客户？",
            Lang::En => "Which customer?",
        };
        let (reply, o) = offer(head.to_string(), options, lang);
        self.remember_offer(user, o);
        reply
    }

    async fn run_choice(&self, user: &UserKey, choice: Choice, lang: Lang) -> Reply {
        match choice {
            Choice::Entry(id) => self
                .engine
                .open(&id, lang)
                .unwrap_or_else(|| self.answer(user, &id)),
            Choice::Log { customer, text } => {
                self.set_focus(user, &customer);
                self.deals.log(user, &text, &customer, true).await
            }
            Choice::Show { customer } => {
                self.set_focus(user, &customer);
                let deals = self.deals.pipeline(user).await.unwrap_or_default();
                match deals.iter().find(|d| d.customer.name == customer) {
                    Some(d) => self.deals.show(&customer, d),
                    None => self.deals.overview(user, &customer, View::All).await,
                }
            }
            Choice::Ask { text } => self.answer(user, &text),
            Choice::Undo { seq } => self.deals.undo_exactly(user, seq, lang == Lang::Zh).await,
            Choice::Keep => Reply::plain(
                "undo",
                lang.pick("好的，没有撤销。", "OK, nothing was undone."),
            ),
            Choice::Overview(view) => {
                let hint = match lang {
                    Lang::Zh => "我的商机",
                    Lang::En => "my deals",
                };
                self.deals.overview(user, hint, view).await
            }
        }
    }

    /// The name as written, for "which one?" questions.
    fn said(&self, normalized: &str, u: &Understanding) -> String {
        u.found
            .spans
            .first()
            .map(|r| normalized[r.clone()].trim().to_string())
            .unwrap_or_default()
    }

    /// The language `user` writes in (Chinese until they write otherwise).
    fn usual_lang(&self, user: &UserKey) -> Lang {
        self.lock()
            .get(user)
            .and_then(|d| d.lang)
            .unwrap_or(Lang::Zh)
    }

    /// What ussbot does and how to ask, in `lang`.
    pub fn help(&self, lang: Lang) -> Reply {
        self.engine.help(lang)
    }

    /// The engine's answer; choices it offers are remembered for a number.
    fn answer(&self, user: &UserKey, text: &str) -> Reply {
        let reply = self.engine.answer_in(text, self.usual_lang(user));
        if reply.kind == "choices" {
            let choices = reply
                .items
                .iter()
                .map(|i| Choice::Entry(i.id.clone()))
                .collect();
            self.remember_offer(
                user,
                Offer {
                    choices,
                    lang: Lang::of(text),
                },
            );
        }
        reply
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserKey, Dialogue>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take the user's offer (it holds for one message) and age the focus.
    fn take_state(&self, user: &UserKey) -> (Option<Offer>, Option<String>) {
        let mut state = self.lock();
        let d = state.entry(user.clone()).or_default();
        let offer = d.offer.take();
        let focus = match d.focus.take() {
            Some((name, age)) if age < FOCUS_MESSAGES => {
                d.focus = Some((name.clone(), age + 1));
                Some(name)
            }
            _ => None,
        };
        (offer, focus)
    }

    fn set_focus(&self, user: &UserKey, customer: &str) {
        self.lock().entry(user.clone()).or_default().focus = Some((customer.to_string(), 0));
    }

    /// `/undo` first says what it would take back and asks: ① the newest
    /// log, or one of the two before it, or leave things as they are.
    async fn offer_undo(&self, user: &UserKey) -> Reply {
        let lang = self.usual_lang(user);
        let zh = lang == Lang::Zh;
        match self.deals.undo_preview(user, zh).await {
            Ok(Some((head, logs))) => {
                let mut options: Vec<(String, Choice)> = logs
                    .into_iter()
                    .map(|(seq, label)| (label, Choice::Undo { seq }))
                    .collect();
                options.push((lang.pick("不撤销", "Keep it").to_string(), Choice::Keep));
                let (reply, o) = offer(head, options, lang);
                self.remember_offer(user, o);
                reply
            }
            Ok(None) => {
                let mut r = Reply::plain(
                    "undo",
                    lang.pick("没有可以撤销的拜访记录。", "There is no visit to undo."),
                );
                r.private = true;
                r
            }
            Err(failed) => failed,
        }
    }

    fn remember_offer(&self, user: &UserKey, o: Offer) {
        self.lock().entry(user.clone()).or_default().offer = Some(o);
    }

    /// The user's own customer names, for autocomplete.
    pub async fn customers(&self, user: &UserKey) -> Vec<String> {
        self.deals.customers(user).await
    }
}

fn log_choice(customer: &str, text: &str) -> Choice {
    Choice::Log {
        customer: customer.to_string(),
        text: text.to_string(),
    }
}

fn show_choice(customer: &str) -> Choice {
    Choice::Show {
        customer: customer.to_string(),
    }
}

fn ask_choice(text: &str) -> Choice {
    Choice::Ask {
        text: text.to_string(),
    }
}

/// The deals at these positions.
fn pick(deals: &[Deal], at: &[usize]) -> Vec<Deal> {
    at.iter().filter_map(|&i| deals.get(i).cloned()).collect()
}

/// Add `note` wherever the reply is read: after its brief and in its
/// footer, each after `sep`.
fn add_note(reply: &mut Reply, note: &str, sep: &str) {
    if let Some(b) = reply.brief.as_mut() {
        b.push_str(sep);
        b.push_str(note);
    }
    reply.footer = Some(match reply.footer.take() {
        Some(f) => format!("{f}{sep}{note}"),
        None => note.to_string(),
    });
}

/// What to say of a log still waiting on an answer when the rep wrote
/// something else: how to save it (by its number, or with `/visit` when
/// the new reply's choices took the numbers).
fn unsaved_note(o: &Offer, replaced: bool) -> String {
    let logs: Vec<(usize, &str, &str)> = o
        .choices
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Choice::Log { customer, text } => Some((i + 1, customer.as_str(), text.as_str())),
            _ => None,
        })
        .collect();
    let Some(&(_, _, text)) = logs.first() else {
        return String::new();
    };
    let excerpt: String = text.chars().take(20).collect();
    let more = if text.chars().count() > 20 { "…" } else { "" };
    match (o.lang, replaced) {
        (Lang::Zh, false) => {
            let picks: Vec<String> = logs
                .iter()
                .map(|(n, c, _)| format!("回复 {n} 记到【{c}】"))
                .collect();
            format!("上一条“{excerpt}{more}”还没有保存：{}。", picks.join("，"))
        }
        (Lang::En, false) => {
            let picks: Vec<String> = logs
                .iter()
                .map(|(n, c, _)| format!("reply {n} to log it to {c}"))
                .collect();
            format!(
                "Your previous note “{excerpt}{more}” is not saved yet: {}.",
                picks.join(", or ")
            )
        }
        (Lang::Zh, true) => format!(
            "上一条“{excerpt}{more}”没有保存；要保存，发 /visit 客户名 加上原文。"
        ),
        (Lang::En, true) => format!(
            "Your previous note “{excerpt}{more}” was not saved; to save it, send /visit CUSTOMER with the note."
        ),
    }
}

/// A request the bot cannot do: say so, and what it can do.
fn unsupported(lang: Lang) -> Reply {
    Reply::plain(
        "unsupported",
        match lang {
            Lang::Zh => "这个我还做不了（订票、设提醒、发邮件、写报告这类事）。我能做的：回答 USS 手册的问题、记录拜访、查看你的商机和下一步。发“帮助”看用法。",
            Lang::En => "I can't do that yet (bookings, reminders, emails, reports). What I can do: answer questions from the USS handbook, log visits, and show your deals and next steps. Send \"help\" for how.",
        },
    )
}

/// What to say when a message was cut to [`MAX_MESSAGE_CHARS`]: how long
/// it was and where reading stopped.
fn cut_notice(text: &str, lang: Lang) -> Option<String> {
    let n = text.chars().count();
    if n <= MAX_MESSAGE_CHARS {
        return None;
    }
    let kept = cut(text);
    let tail: String = {
        let chars: Vec<char> = kept.trim_end().chars().collect();
        chars[chars.len().saturating_sub(12)..].iter().collect()
    };
    Some(match lang {
        Lang::Zh => format!("（这条消息有 {n} 字，太长了：只读了前 {MAX_MESSAGE_CHARS} 字，到“…{tail}”为止。）"),
        Lang::En => format!("(This message has {n} characters, too long: only the first {MAX_MESSAGE_CHARS} were read, up to “…{tail}”.)"),
    })
}

/// The first [`MAX_MESSAGE_CHARS`] characters.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

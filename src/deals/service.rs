//! [`DealService`]: deal commands and visit logs in, replies out.

use std::sync::Arc;

use chrono::{DateTime, Local};

use super::model::{
    Customer, Deal, ManField, ManSetting, ManValue, ModeChoice, Outcome, SalesMode, Touch, Visit,
};
use super::parse::{parse_command, Command, Direction, Parsed, Parser};
use super::program::{program, recompute, suggest_mode};
use super::store::DealStore;
use super::{Clock, DealError, DealSettings, View};
use crate::knowledge::{Body, Knowledge};
use crate::reply::{Item, Reply};
use crate::text::{edit_distance, Normalizer};
use crate::user::UserKey;

/// Handles deal commands and visit logs for every user. Cheap to share:
/// the store and knowledge are behind `Arc`s.
pub struct DealService {
    pub(super) store: Arc<dyn DealStore>,
    pub(super) knowledge: Arc<Knowledge>,
    pub(super) settings: DealSettings,
    clock: Clock,
    normalizer: Option<Normalizer>,
}

/// Reply language: Chinese when the message has Chinese.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Lang {
    Zh,
    En,
}

impl Lang {
    pub(super) fn of(raw: &str) -> Lang {
        if raw.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub(super) fn pick(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Lang::Zh => zh.into(),
            Lang::En => en.into(),
        }
    }
}

/// How many logs before the newest `/undo` offers to take back instead.
const UNDO_OLDER: usize = 2;

/// A log as the rep wrote it, without a leading `/visit 客户`.
fn note_of(raw: &str) -> String {
    match parse_command(raw) {
        Parsed::Command(Command::Visit { body, .. }) => body,
        _ => raw.trim().to_string(),
    }
}

/// Which of the user's deals a name means.
enum Resolved {
    /// The name is this deal's name, an alias, or a clear short form of it.
    One(Box<Deal>),
    /// A short form of several deals.
    Many(Vec<Deal>),
    /// Not the same name, but close enough that it may be a typo or may be
    /// another company (鑫达电子 / 鑫达商贸, 广州 / 杭州钢铁集团): never merge
    /// without asking.
    LookAlike(Vec<Deal>),
    None,
}

fn private(mut r: Reply) -> Reply {
    r.private = true;
    r
}

pub(super) fn deal_item(d: &Deal) -> Item {
    Item {
        id: d.id.clone(),
        kind: "deal".into(),
        title: d.customer.name.clone(),
        title_zh: d.customer.name.clone(),
        score: 0.0,
    }
}

impl DealService {
    /// A service over a store, using the system clock.
    pub fn new(
        store: Arc<dyn DealStore>,
        knowledge: Arc<Knowledge>,
        settings: DealSettings,
    ) -> Self {
        let normalizer = Normalizer::new()
            .ok()
            .map(|n| n.with_regional(&knowledge.regional));
        DealService {
            store,
            knowledge,
            settings,
            clock: Arc::new(Local::now),
            normalizer,
        }
    }

    /// Replace the clock (tests: "days since last visit", "下周三").
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub(super) fn now(&self) -> DateTime<Local> {
        (self.clock)()
    }

    pub(super) fn parser(&self) -> Parser<'_> {
        Parser::new(&self.knowledge, self.normalizer.as_ref())
    }

    fn key_of(&self, name: &str) -> String {
        self.parser().normalize(name).trim().to_string()
    }

    /// The rep's deals, for the understanding step.
    pub async fn pipeline(&self, user: &UserKey) -> Result<Vec<Deal>, DealError> {
        Ok(self.store.deals(user).await?)
    }

    /// Record a free-text log the understanding step read as one, for the
    /// rep's deal named `customer` (`known`), or a new customer by that
    /// name (checked: look-alikes are asked about, junk names refused).
    pub async fn log(&self, user: &UserKey, raw: &str, customer: &str, known: bool) -> Reply {
        let lang = Lang::of(raw);
        let cmd = Command::Visit {
            customer: customer.to_string(),
            body: raw.trim().to_string(),
        };
        self.run_private(user, raw, lang, cmd, known).await
    }

    /// The customer a free-text log names when it is none of the rep's
    /// deals (a new customer), if one can be read, and whether it surely is
    /// a company: it ends in an industry or legal word (蓝天科技), the note
    /// says it is new (新客户, 陌拜), or it is an English name of two or
    /// more capitalized words.
    pub fn new_customer(&self, raw: &str, normalized: &str) -> Option<(String, bool)> {
        let name = self.parser().customer_candidate(raw, normalized)?;
        let words = &self.knowledge.name_words;
        let key = self.key_of(&name);
        let ends = words
            .industry
            .iter()
            .chain(&words.legal)
            .any(|w| key.ends_with(w.as_str()));
        let said_new = [
            "新客户",
            "陌拜",
            "潜在客户",
            "new prospect",
            "new customer",
            "new client",
            "cold visit",
            "cold call",
        ]
        .iter()
        .any(|c| normalized.contains(c));
        let english = name
            .split_whitespace()
            .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
            .count()
            >= 2;
        Some((name, ends || said_new || english))
    }

    /// A log that names no customer: nothing saved, and how to save it.
    pub fn no_customer(&self, raw: &str) -> Reply {
        private(unclear_log("", raw.trim(), Lang::of(raw)))
    }

    /// Ask which deal a message means (several share a short form, or a
    /// name only looks like theirs); nothing is saved.
    pub fn ask_which(&self, raw: &str, deals: &[Deal], said: &str, look_alike_name: bool) -> Reply {
        let lang = Lang::of(raw);
        private(if look_alike_name {
            look_alike(deals, said, raw.trim(), lang)
        } else {
            ambiguous(deals, said, lang)
        })
    }

    /// One deal's card, for a question about it.
    pub fn show(&self, raw: &str, deal: &Deal) -> Reply {
        private(self.render_deal(deal, Lang::of(raw)))
    }

    /// The pipeline, the deals gone stale, or the planned follow-ups.
    pub async fn overview(&self, user: &UserKey, raw: &str, view: View) -> Reply {
        let lang = Lang::of(raw);
        let deals = match self.store.deals(user).await {
            Ok(d) => d,
            Err(e) => return private(self.failed(user, lang, &e.into())),
        };
        private(match view {
            View::All => self.render_deals(&deals, lang),
            View::Stale => self.render_stale(&deals, lang),
            View::Plans => self.render_plans(&deals, lang),
        })
    }

    fn failed(&self, user: &UserKey, lang: Lang, e: &DealError) -> Reply {
        tracing::error!(user = %user, error = %e, "deal command failed");
        Reply::error(lang.pick(
            format!("出错了，没有保存：{e}。请稍后再试。"),
            format!("Something went wrong, nothing was saved: {e}. Please try again."),
        ))
    }

    async fn run_private(
        &self,
        user: &UserKey,
        raw: &str,
        lang: Lang,
        cmd: Command,
        explicit: bool,
    ) -> Reply {
        let result = match cmd {
            Command::Visit { customer, body } => {
                self.visit(user, raw, lang, &customer, &body, explicit)
                    .await
            }
            other => self.run(user, raw, lang, other).await,
        };
        private(result.unwrap_or_else(|e| self.failed(user, lang, &e)))
    }

    /// Handle a deal command (`/visit`, `/deal`, `/deals`, `/undo`, `/man`,
    /// `/mode`, `/won`, `/lost`). `None` when the message is none (the
    /// conversation routes it elsewhere).
    ///
    /// `usual_zh` is whether the user usually writes Chinese, when known:
    /// a command without words of its own (`/deals`, `/undo`) is answered in
    /// that language (else in the language of their latest log).
    pub async fn command(
        &self,
        user: &UserKey,
        raw: &str,
        usual_zh: Option<bool>,
    ) -> Option<Reply> {
        let lang = Lang::of(raw);
        let usual = usual_zh.map(|zh| if zh { Lang::Zh } else { Lang::En });
        let lang = match (raw.split_whitespace().count() > 1, usual) {
            (false, Some(u)) => u,
            _ => lang,
        };
        let cmd = match parse_command(raw) {
            Parsed::Command(c) => c,
            Parsed::Usage(zh, en) => {
                // A bare `/won` has no words to tell the language by: the
                // user's usual one, else Chinese like the welcome.
                let lang = match (raw.split_whitespace().count() > 1, usual) {
                    (false, None) => Lang::Zh,
                    _ => lang,
                };
                return Some(private(Reply::error(lang.pick(zh, en))));
            }
            Parsed::NotDeal => return None,
        };
        let explicit = raw.trim_start().starts_with(['/', '／']);
        Some(self.run_private(user, raw, lang, cmd, explicit).await)
    }

    async fn run(
        &self,
        user: &UserKey,
        raw: &str,
        lang: Lang,
        cmd: Command,
    ) -> Result<Reply, DealError> {
        match cmd {
            Command::Visit { customer, body } => {
                self.visit(user, raw, lang, &customer, &body, true).await
            }
            Command::Deal { customer } => {
                let deals = self.store.deals(user).await?;
                Ok(match self.resolve(&deals, &customer) {
                    Resolved::One(d) => self.render_deal(&d, lang),
                    Resolved::Many(m) | Resolved::LookAlike(m) => ambiguous(&m, &customer, lang),
                    Resolved::None => not_found(&customer, &deals, lang),
                })
            }
            Command::Deals => {
                let deals = self.store.deals(user).await?;
                let lang = lang_of_bare_command(raw, lang, &deals);
                Ok(self.render_deals(&deals, lang))
            }
            Command::Undo => {
                let deals = self.store.deals(user).await?;
                let lang = lang_of_bare_command(raw, lang, &deals);
                self.undo(user, lang).await
            }
            Command::Mode { customer, mode } => self
                .change(user, &customer, lang, |d| {
                    d.mode = ModeChoice {
                        mode,
                        chosen: true,
                        reason: "由销售人员设定".into(),
                    };
                })
                .await
                .map(|r| r.map_or_else(|e| e, |d| self.render_mode(&d, lang))),
            Command::Man { customer, changes } => {
                let now = self.now();
                self.change(user, &customer, lang, move |d| {
                    for (field, value) in &changes {
                        d.man_settings.push(ManSetting {
                            field: *field,
                            value: *value,
                            at: now,
                        });
                    }
                })
                .await
                .map(|r| r.map_or_else(|e| e, |d| self.render_man(&d, lang)))
            }
            Command::Won { customer, note } => {
                self.close_deal(user, &customer, lang, true, note).await
            }
            Command::Lost { customer, reason } => {
                self.close_deal(user, &customer, lang, false, reason).await
            }
        }
    }

    /// Apply a change to the deal `customer` names. `Err(reply)` inside
    /// when the name is ambiguous or unknown.
    /// Mark a deal won or lost, with an optional reason.
    async fn close_deal(
        &self,
        user: &UserKey,
        customer: &str,
        lang: Lang,
        won: bool,
        reason: Option<String>,
    ) -> Result<Reply, DealError> {
        let now = self.now();
        self.change(user, customer, lang, move |d| {
            d.outcome = Some(Outcome {
                won,
                reason: reason.clone(),
                at: now,
            });
        })
        .await
        .map(|r| r.map_or_else(|e| e, |d| self.render_outcome(&d, lang)))
    }

    async fn change<F>(
        &self,
        user: &UserKey,
        customer: &str,
        lang: Lang,
        f: F,
    ) -> Result<Result<Deal, Reply>, DealError>
    where
        F: Fn(&mut Deal) + Send + Sync,
    {
        let deals = self.store.deals(user).await?;
        let deal = match self.resolve(&deals, customer) {
            Resolved::One(d) => d,
            Resolved::Many(m) | Resolved::LookAlike(m) => {
                return Ok(Err(ambiguous(&m, customer, lang)))
            }
            Resolved::None => return Ok(Err(not_found(customer, &deals, lang))),
        };
        let now = self.now();
        let k = self.knowledge.clone();
        let updated = self
            .store
            .update_deal(user, &deal.id, &|d| {
                f(d);
                recompute(d, &k);
                d.updated = now;
                true
            })
            .await?;
        match updated {
            Some(d) => Ok(Ok(d)),
            None => Ok(Err(not_found(customer, &deals, lang))),
        }
    }

    /// Find the deal a name means: its exact name or an alias; a clear short
    /// form of one deal (恒力 → 恒力集团); the name with a legal ending added
    /// or dropped. A name one character off, or one that shares a deal's
    /// start but goes on differently, is a look-alike, never the same deal.
    fn resolve(&self, deals: &[Deal], name: &str) -> Resolved {
        let q = self.key_of(name);
        if q.is_empty() {
            return Resolved::None;
        }
        let words = &self.knowledge.name_words;
        if let Some(d) = deals.iter().find(|d| d.is_named(&q)) {
            return Resolved::One(Box::new(d.clone()));
        }
        let names = |d: &Deal| -> Vec<String> {
            std::iter::once(d.customer.key.clone())
                .chain(d.customer.aliases.clone())
                .collect()
        };
        let core = words.strip_legal(&q);
        let qn = core.chars().count();
        // The same company written with or without its legal ending.
        let same: Vec<&Deal> = deals
            .iter()
            .filter(|d| names(d).iter().any(|n| words.strip_legal(n) == core))
            .collect();
        if same.len() == 1 {
            return Resolved::One(Box::new(same[0].clone()));
        }
        // A short form: the written name is the start of a deal's name, or
        // is contained in it with at least two characters.
        if qn >= 2 {
            let hits: Vec<&Deal> = deals
                .iter()
                .filter(|d| names(d).iter().any(|n| n.contains(core)))
                .collect();
            match hits.len() {
                0 => {}
                1 => return Resolved::One(Box::new(hits[0].clone())),
                _ => return Resolved::Many(hits.into_iter().cloned().collect()),
            }
        }
        // Look-alikes: a known name inside a longer one (鑫达 in 鑫达电子),
        // one character off, or the same first two characters.
        let alike: Vec<Deal> = deals
            .iter()
            .filter(|d| {
                names(d).iter().any(|n| {
                    let n = words.strip_legal(n);
                    let nn = n.chars().count();
                    (nn >= 2 && core.contains(n))
                        || (qn >= 3 && edit_distance(n, core) <= 1)
                        || (qn >= 3 && nn >= 3 && n.chars().take(2).eq(core.chars().take(2)))
                })
            })
            .cloned()
            .collect();
        if alike.is_empty() {
            Resolved::None
        } else {
            Resolved::LookAlike(alike)
        }
    }

    async fn visit(
        &self,
        user: &UserKey,
        raw: &str,
        lang: Lang,
        customer: &str,
        body: &str,
        explicit: bool,
    ) -> Result<Reply, DealError> {
        let deals = self.store.deals(user).await?;
        let written_key = self.key_of(customer);
        if written_key.is_empty() {
            return Ok(Reply::error(
                lang.pick("请写出客户名称。", "Please name the customer."),
            ));
        }
        let existing = match self.resolve(&deals, customer) {
            Resolved::One(d) => Some(*d),
            Resolved::Many(m) => return Ok(ambiguous(&m, customer, lang)),
            // `/visit X` means X: a look-alike of a deal is a new deal.
            Resolved::LookAlike(_) if explicit => None,
            Resolved::LookAlike(m) => return Ok(look_alike(&m, customer, body, lang)),
            Resolved::None => None,
        };
        if existing.is_none() && !explicit && !self.knowledge.name_words.can_be_a_name(&written_key)
        {
            return Ok(unclear_log(customer, body, lang));
        }
        let now = self.now();
        let mut facts = self.parser().visit_facts(body, now);
        // The customer is no contact of itself ("sent the proposal to Acme").
        let own: Vec<String> = std::iter::once(customer.to_lowercase())
            .chain(existing.iter().flat_map(|d| {
                std::iter::once(d.customer.name.to_lowercase())
                    .chain(d.customer.aliases.iter().map(|a| a.to_lowercase()))
            }))
            .collect();
        facts.contacts.retain(|c| {
            let n = c.name.to_lowercase();
            !own.iter().any(|o| o.contains(&n) || n.contains(o.as_str()))
        });
        // The customer's own name is no hint of the mode: 恒力集团 is not a
        // strategic deal because of 集团.
        if facts.mode_cue.is_some() {
            let mut rest = self.key_of(body);
            let names = existing
                .iter()
                .flat_map(|d| {
                    std::iter::once(d.customer.key.clone()).chain(d.customer.aliases.clone())
                })
                .chain(std::iter::once(written_key.clone()));
            for n in names.filter(|n| !n.is_empty()) {
                rest = rest.replace(n.as_str(), " ");
            }
            facts.mode_cue = super::parse::mode_cue(&self.knowledge, &rest);
        }
        let seq = self.store.next_seq().await?;
        let mut visit = Visit {
            seq,
            at: facts
                .on
                .and_then(|d| d.and_time(now.time()).and_local_timezone(Local).earliest())
                .unwrap_or(now),
            logged_at: now,
            raw: raw.trim().to_string(),
            customer: customer.to_string(),
            contacts: facts.contacts.clone(),
            activities: facts.activities.clone(),
            objections: facts.objections.clone(),
            man: facts.man.clone(),
            mode_cue: facts.mode_cue,
            next: facts.next.clone().map(|mut n| {
                n.visit = Some(seq);
                n
            }),
            // `/visit` says it was a visit unless the note says otherwise.
            touch: match facts.touch {
                Touch::Note if explicit => Touch::Visit,
                t => t,
            },
            alias: None,
        };
        let template = match &existing {
            Some(d) => {
                let mut t = d.clone();
                // A full name written another way becomes an alias; a short
                // form does not, so 鑫达 never stands for 鑫达商贸 when
                // 鑫达电子 comes along.
                let short = d.customer.key.contains(written_key.as_str());
                if !t.is_named(&written_key) && !short {
                    t.customer.aliases = vec![written_key.clone()];
                    visit.alias = Some(written_key.clone());
                } else {
                    t.customer.aliases.clear();
                }
                t
            }
            None => {
                let mut d = Deal::new(
                    Customer {
                        name: customer.trim().to_string(),
                        key: written_key.clone(),
                        aliases: Vec::new(),
                    },
                    ModeChoice {
                        mode: SalesMode::Consultant,
                        chosen: false,
                        reason: String::new(),
                    },
                    now,
                );
                d.mode = suggest_mode(&d);
                d
            }
        };
        let k = self.knowledge.clone();
        let after = self
            .store
            .append_visit(user, &template, &visit, &|d| {
                recompute(d, &k);
                d.updated = now;
            })
            .await?;
        let mut reply = self.render_visit(existing.as_ref(), &after, &visit, lang);
        let day = visit.at.date_naive();
        let day_line = match &facts.unreadable_day {
            Some((words, Direction::Past)) => Some(lang.pick(
                format!("⚠ “{words}”不像拜访日（在将来或太久以前），按今天记了。"),
                format!(
                    "⚠ “{words}” cannot be the visit's date (future or years back); dated today."
                ),
            )),
            Some((words, Direction::Future)) => Some(lang.pick(
                format!("⚠ “{words}”不像计划日（已经过去或太远），没有记到期日。"),
                format!(
                    "⚠ “{words}” cannot be the plan's date (past or too far); no due date set."
                ),
            )),
            None if day != now.date_naive() => {
                Some(lang.pick(format!("拜访日期：{day}"), format!("Visit date: {day}")))
            }
            None => None,
        };
        if let Some(line) = day_line {
            reply.push(None, line.clone());
            // Shown first, in place of the undo hint.
            if let Some(b) = reply.brief.as_mut() {
                let mut lines: Vec<&str> = b.lines().collect();
                lines.truncate(2);
                let head = lines.join("\n");
                let short: String = line.chars().take(80).collect();
                *b = format!("{head}\n{short}");
            }
        }
        Ok(reply)
    }

    /// Undo the user's log numbered `seq`, or the newest when `None`.
    async fn undo(&self, user: &UserKey, lang: Lang) -> Result<Reply, DealError> {
        self.undo_log(user, None, lang).await
    }

    async fn undo_log(
        &self,
        user: &UserKey,
        seq: Option<u64>,
        lang: Lang,
    ) -> Result<Reply, DealError> {
        let k = self.knowledge.clone();
        let now = self.now();
        let recompute = |d: &mut Deal| {
            recompute(d, &k);
            d.updated = now;
        };
        let removed = match seq {
            None => self.store.remove_last_visit(user, &recompute).await?,
            Some(seq) => self.store.remove_visit(user, seq, &recompute).await?,
        };
        let Some(r) = removed else {
            return Ok(Reply::plain(
                "undo",
                match seq {
                    None => lang.pick("没有可以撤销的拜访记录。", "There is no visit to undo."),
                    Some(_) => lang.pick(
                        "这条记录已经不在了（已撤销），这次没有撤销别的。",
                        "That log is gone already (undone), so nothing else was undone.",
                    ),
                },
            ));
        };
        // The name that log added goes with it, unless another log uses it.
        let mut alias_removed = None;
        if let (Some(alias), Some(d)) = (&r.visit.alias, &r.deal) {
            if !d.visits.iter().any(|v| v.alias.as_ref() == Some(alias)) {
                let alias = alias.clone();
                let a = alias.clone();
                self.store
                    .update_deal(user, &d.id, &move |d| {
                        let before = d.customer.aliases.len();
                        d.customer.aliases.retain(|x| *x != a);
                        d.customer.aliases.len() != before
                    })
                    .await?;
                alias_removed = Some(alias);
            }
        }
        let date = r.visit.at.format("%Y-%m-%d");
        let mut reply = Reply::new(
            "undo",
            Some(lang.pick(
                format!("已撤销 {} 在 {date} 的拜访记录", r.customer),
                format!("Removed your last visit: {} on {date}", r.customer),
            )),
        );
        reply.push(None, format!("「{}」", note_of(&r.visit.raw)));
        if let Some(alias) = alias_removed {
            reply.push(
                None,
                lang.pick(
                    format!("“{alias}”也不再算作{}的名称。", r.customer),
                    format!("“{alias}” no longer stands for {}.", r.customer),
                ),
            );
        }
        match &r.deal {
            Some(d) => {
                reply.push(
                    None,
                    lang.pick(
                        format!("现在：{}，{} 次拜访。", stage_text(d, lang), d.visits.len()),
                        format!("Now: {}, {} visit(s).", stage_text(d, lang), d.visits.len()),
                    ),
                );
                reply.items.push(deal_item(d));
            }
            None => {
                reply.push(
                    None,
                    lang.pick(
                        "这是该客户唯一的拜访，商机已一并删除。",
                        "That was the customer's only visit, so the deal is gone too.",
                    ),
                );
            }
        }
        Ok(reply)
    }

    /// What `/undo` would take back, said before it is done: a question
    /// naming the user's newest log (customer, date, the note as typed, and
    /// what else goes with it), and the newest logs to choose from, newest
    /// first, as (number, label). `None`: nothing to undo. A store failure
    /// comes back as the reply that says so.
    pub async fn undo_preview(
        &self,
        user: &UserKey,
        zh: bool,
    ) -> Result<Option<(String, Vec<(u64, String)>)>, Reply> {
        let lang = if zh { Lang::Zh } else { Lang::En };
        let deals = match self.store.deals(user).await {
            Ok(d) => d,
            Err(e) => return Err(private(self.failed(user, lang, &e.into()))),
        };
        let mut logs: Vec<(&Deal, &Visit)> = deals
            .iter()
            .flat_map(|d| d.visits.iter().map(move |v| (d, v)))
            .collect();
        logs.sort_by_key(|(_, v)| std::cmp::Reverse(v.seq));
        let Some(&(d, v)) = logs.first() else {
            return Ok(None);
        };
        let date = v.at.format("%Y-%m-%d");
        let mut text = lang.pick(
            format!(
                "要撤销这条记录吗？\n【{}】{date}：「{}」",
                d.customer.name,
                note_of(&v.raw)
            ),
            format!(
                "Undo this log?\n{} on {date}: “{}”",
                d.customer.name,
                note_of(&v.raw)
            ),
        );
        if let Some(alias) = &v.alias {
            if !d
                .visits
                .iter()
                .any(|o| o.seq != v.seq && o.alias.as_ref() == Some(alias))
            {
                text.push('\n');
                text.push_str(&lang.pick(
                    format!("“{alias}”也会不再算作{}的名称。", d.customer.name),
                    format!("“{alias}” will no longer stand for {}.", d.customer.name),
                ));
            }
        }
        if d.visits.len() == 1 {
            text.push('\n');
            text.push_str(&lang.pick(
                "这是该客户唯一的记录，商机会一并删除。",
                "It is the customer's only log, so the deal goes too.",
            ));
        }
        let mut options = vec![(v.seq, lang.pick("撤销这条", "Undo it"))];
        for (d, v) in logs.iter().skip(1).take(UNDO_OLDER) {
            let note: String = note_of(&v.raw).chars().take(16).collect();
            let date = v.at.format("%m-%d");
            options.push((
                v.seq,
                lang.pick(
                    format!("改撤销更早的：【{}】{date}「{note}」", d.customer.name),
                    format!(
                        "Undo an older one instead: {} {date} “{note}”",
                        d.customer.name
                    ),
                ),
            ));
        }
        Ok(Some((text, options)))
    }

    /// Undo exactly the log numbered `seq`, wherever it is in the user's
    /// deals; if it is gone already, nothing else is undone and the reply
    /// says so.
    pub async fn undo_exactly(&self, user: &UserKey, seq: u64, zh: bool) -> Reply {
        let lang = if zh { Lang::Zh } else { Lang::En };
        let result = self.undo_log(user, Some(seq), lang).await;
        private(result.unwrap_or_else(|e| self.failed(user, lang, &e)))
    }

    /// The user's customer names, for autocomplete.
    pub async fn customers(&self, user: &UserKey) -> Vec<String> {
        match self.store.deals(user).await {
            Ok(deals) => deals.into_iter().map(|d| d.customer.name).collect(),
            Err(e) => {
                tracing::warn!(user = %user, error = %e, "cannot list customers");
                Vec::new()
            }
        }
    }

    fn activity_label(&self, id: &str) -> String {
        self.knowledge
            .activities()
            .into_iter()
            .find(|(e, _)| e.id.0 == id)
            .map(|(e, a)| format!("{} {}", a.code, e.title_zh))
            .unwrap_or_else(|| id.to_string())
    }

    fn objection_label(&self, id: &str) -> String {
        self.knowledge
            .get(id)
            .map(|e| e.title_zh.clone())
            .unwrap_or_else(|| id.to_string())
    }

    pub(super) fn render_visit_card(
        &self,
        before: Option<&Deal>,
        deal: &Deal,
        visit: &Visit,
        lang: Lang,
    ) -> Reply {
        // Visits count meetings in person; a call or a letter is recorded
        // as what it was.
        let n = deal.visits.iter().filter(|v| v.touch.in_person()).count();
        let title = if visit.touch.in_person() {
            lang.pick(
                format!(
                    "已记录{}：{}（第 {n} 次见面）",
                    visit.touch.zh(),
                    deal.customer.name
                ),
                format!(
                    "Logged ({}): {} (meeting {n})",
                    visit.touch.en(),
                    deal.customer.name
                ),
            )
        } else if visit.touch == Touch::Note {
            lang.pick(
                format!("已记录：{}", deal.customer.name),
                format!("Logged: {}", deal.customer.name),
            )
        } else {
            lang.pick(
                format!("已记录{}：{}", visit.touch.zh(), deal.customer.name),
                format!("Logged ({}): {}", visit.touch.en(), deal.customer.name),
            )
        };
        let mut r = Reply::new("visit_logged", Some(title));
        let mut lines = Vec::new();
        let customer_note = match before {
            None => lang.pick("新商机", "new deal"),
            Some(_) => lang.pick("已有商机", "existing deal"),
        };
        lines.push(lang.pick(
            format!("客户：{}（{customer_note}）", deal.customer.name),
            format!("Customer (客户): {} ({customer_note})", deal.customer.name),
        ));
        if let Some(line) = contacts_line(&visit.contacts, lang) {
            lines.push(line);
        }
        let acts: Vec<String> = visit
            .activities
            .iter()
            .map(|a| self.activity_label(a))
            .collect();
        lines.push(if acts.is_empty() {
            lang.pick(
                "关键活动：没有识别到（可以写得具体些，如“确认了需求范围”“做了方案呈现”）",
                "Key activities (关键活动): none recognised (say e.g. “confirmed the need scope”, “did the demo”)",
            )
        } else {
            lang.pick(
                format!("关键活动：{}", acts.join("、")),
                format!("Key activities (关键活动): {}", acts.join(", ")),
            )
        });
        if !visit.objections.is_empty() {
            let obj: Vec<String> = visit
                .objections
                .iter()
                .map(|o| self.objection_label(o))
                .collect();
            lines.push(lang.pick(
                format!("听到的异议：可用{}", obj.join("、")),
                format!("Objections heard (异议): try {}", obj.join(", ")),
            ));
        }
        let mut man_changes = Vec::new();
        for f in ManField::ALL {
            let old = before
                .map(|d| d.man.get(f).value)
                .unwrap_or(ManValue::Unknown);
            let new = deal.man.get(f).value;
            if old != new {
                man_changes.push(match lang {
                    Lang::Zh => format!("{} {}→{}", f.zh(), old.zh(), new.zh()),
                    Lang::En => format!("{} {}→{}", f.en(), old.en(), new.en()),
                });
            }
        }
        if !man_changes.is_empty() {
            lines.push(lang.pick(
                format!(
                    "MAN：{}（现在 {}）",
                    man_changes.join("，"),
                    deal.man.code()
                ),
                format!("MAN: {} (now {})", man_changes.join(", "), deal.man.code()),
            ));
        }
        let old_stage = before.and_then(|d| d.stage.clone());
        if old_stage != deal.stage {
            let from = old_stage.unwrap_or_else(|| lang.pick("（新）", "(new)"));
            lines.push(lang.pick(
                format!("阶段：{from} → {}", stage_text(deal, lang)),
                format!("Stage (阶段): {from} → {}", stage_text(deal, lang)),
            ));
        } else {
            lines.push(lang.pick(
                format!("阶段：{}（不变）", stage_text(deal, lang)),
                format!("Stage (阶段): {} (unchanged)", stage_text(deal, lang)),
            ));
        }
        lines.push(mode_line(deal, lang));
        if let Some(next) = &visit.next {
            lines.push(lang.pick(
                format!("下次拜访：{}", next_text(self, next)),
                format!("Next visit (下次拜访): {}", next_text(self, next)),
            ));
        }
        r.push(Some(&lang.pick("识别到", "Understood")), lines.join("\n"));
        if let Some(advice) = lost_advice(deal, visit, lang) {
            r.push(
                Some(&lang.pick("客户不做了？", "The customer walked away?")),
                advice,
            );
        } else {
            self.push_program(&mut r, deal, lang);
        }
        r.footer = Some(lang.pick(
            "记错了？发 /undo 撤销这次记录。",
            "Wrong? Send /undo to remove this visit.",
        ));
        r.items.push(deal_item(deal));
        r
    }

    fn push_program(&self, r: &mut Reply, deal: &Deal, lang: Lang) {
        let p = program(deal, &self.knowledge);
        if !p.next.is_empty() {
            let heading = match (&p.done_visit, lang) {
                (Some(v), Lang::Zh) => format!("下一步（{v}之后）"),
                (Some(v), Lang::En) => format!("Next steps (after {v})"),
                (None, Lang::Zh) => "下一步".to_string(),
                (None, Lang::En) => "Next steps".to_string(),
            };
            let body: Vec<String> = p.next.iter().map(|s| format!("• {s}")).collect();
            r.push(Some(&heading), body.join("\n"));
        }
        if !p.warnings.is_empty() {
            let body: Vec<String> = p.warnings.iter().map(|s| format!("⚠ {s}")).collect();
            r.push(
                Some(&lang.pick("检验标准还没达到", "Check criteria not met yet (检验标准)")),
                body.join("\n"),
            );
        }
    }

    pub(super) fn render_deal_card(&self, d: &Deal, lang: Lang) -> Reply {
        let mut r = Reply::new("deal", Some(d.customer.name.clone()));
        let today = self.now().date_naive();
        let mut lines = Vec::new();
        lines.push(lang.pick(
            format!("阶段：{}", stage_text(d, lang)),
            format!("Stage (阶段): {}", stage_text(d, lang)),
        ));
        lines.push(mode_line(d, lang));
        let man: Vec<String> = ManField::ALL
            .iter()
            .map(|f| {
                let fact = d.man.get(*f);
                let src = match (fact.visit, fact.at) {
                    (Some(_), Some(at)) => lang.pick(
                        format!("（{} 拜访得知）", at.format("%m-%d")),
                        format!(" (from the {} visit)", at.format("%m-%d")),
                    ),
                    (None, Some(_)) => lang.pick("（手动）", " (set by you)"),
                    _ => String::new(),
                };
                match lang {
                    Lang::Zh => format!("{} {}{src}", f.zh(), fact.value.zh()),
                    Lang::En => format!("{} {}{src}", f.en(), fact.value.en()),
                }
            })
            .collect();
        lines.push(format!(
            "MAN {}: {}",
            d.man.code(),
            man.join(lang.pick("，", ", ").as_str())
        ));
        let done: Vec<&str> = d
            .activities
            .iter()
            .filter(|a| a.done)
            .map(|a| a.code.as_str())
            .collect();
        // No empty "0/15：" list: say none is done yet.
        let done_text = if done.is_empty() {
            lang.pick("还没有", "none yet")
        } else {
            done.join(" ")
        };
        lines.push(lang.pick(
            format!(
                "关键活动已完成 {}/{}：{done_text}",
                done.len(),
                d.activities.len(),
            ),
            format!(
                "Key activities done (关键活动) {}/{}: {done_text}",
                done.len(),
                d.activities.len(),
            ),
        ));
        if let Some(line) = contacts_line(&d.contacts, lang) {
            lines.push(line);
        }
        if let Some(v) = d.last_visit() {
            let days = (today - v.at.date_naive()).num_days();
            lines.push(lang.pick(
                format!("{}，最近一次 {days} 天前", touch_counts(d, lang)),
                format!("{}, last {days} day(s) ago", touch_counts(d, lang)),
            ));
        }
        if !d.objections.is_empty() {
            let mut o: Vec<String> = d
                .objections
                .iter()
                .map(|o| self.objection_label(&o.id))
                .collect();
            o.dedup();
            lines.push(lang.pick(
                format!("听到的异议：{}", o.join("、")),
                format!("Objections (异议): {}", o.join(", ")),
            ));
        }
        for n in &d.next_steps {
            lines.push(lang.pick(
                format!("下次拜访：{}", next_text(self, n)),
                format!("Next visit (下次拜访): {}", next_text(self, n)),
            ));
        }
        if let Some(o) = &d.outcome {
            let why = o.reason.clone().unwrap_or_default();
            lines.push(match (o.won, lang) {
                (true, Lang::Zh) => format!("已赢单 {} {why}", o.at.format("%Y-%m-%d")),
                (true, Lang::En) => format!("Won (赢单) {} {why}", o.at.format("%Y-%m-%d")),
                (false, Lang::Zh) => format!("已丢单 {}：{why}", o.at.format("%Y-%m-%d")),
                (false, Lang::En) => format!("Lost (丢单) {}: {why}", o.at.format("%Y-%m-%d")),
            });
        }
        r.push(None, lines.join("\n"));
        if d.is_open() {
            self.push_program(&mut r, d, lang);
        }
        r.items.push(deal_item(d));
        r
    }

    fn render_deals(&self, deals: &[Deal], lang: Lang) -> Reply {
        let today = self.now().date_naive();
        let stale_days = i64::from(self.settings.stale_days);
        let mut open: Vec<(&Deal, i64)> = deals
            .iter()
            .filter(|d| d.is_open())
            .map(|d| {
                let last = d.last_visit().map(|v| v.at).unwrap_or(d.created);
                (d, (today - last.date_naive()).num_days())
            })
            .collect();
        open.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.customer.name.cmp(&b.0.customer.name))
        });
        let mut r = Reply::new(
            "deals",
            Some(lang.pick(
                format!("我的商机：{} 个进行中", open.len()),
                format!("My pipeline: {} open deal(s)", open.len()),
            )),
        );
        if deals.is_empty() {
            r.push(
                None,
                lang.pick(
                    "还没有商机。拜访后发：/visit 客户 拜访内容",
                    "No deals yet. After a visit send: /visit CUSTOMER what happened",
                ),
            );
            return r;
        }
        let stale = open.iter().filter(|(_, days)| *days >= stale_days).count();
        let mut lines = Vec::new();
        for (d, days) in &open {
            let next = d
                .next_steps
                .first()
                .map(|n| next_text(self, n))
                .or_else(|| program(d, &self.knowledge).next.into_iter().next())
                .unwrap_or_else(|| "—".into());
            let flag = if *days >= stale_days {
                lang.pick(
                    format!("⚠ 已 {days} 天没拜访 "),
                    format!("⚠ stale, {days} days "),
                )
            } else {
                String::new()
            };
            lines.push(lang.pick(
                format!(
                    "• {flag}{} · {} · {}模式 · {days} 天前 · 下一步：{next}",
                    d.customer.name,
                    stage_short(d),
                    d.mode.mode.zh()
                ),
                format!(
                    "• {flag}{} · {} · {} ({}) · {days} day(s) ago · next: {next}",
                    d.customer.name,
                    stage_short(d),
                    d.mode.mode.en(),
                    d.mode.mode.zh()
                ),
            ));
        }
        if !lines.is_empty() {
            r.push(None, lines.join("\n"));
        }
        let won = deals
            .iter()
            .filter(|d| d.outcome.as_ref().is_some_and(|o| o.won))
            .count();
        let lost = deals
            .iter()
            .filter(|d| d.outcome.as_ref().is_some_and(|o| !o.won))
            .count();
        let mut footer = lang.pick(
            format!("赢单 {won}，丢单 {lost}"),
            format!("won {won}, lost {lost}"),
        );
        if stale > 0 {
            footer.push_str(&lang.pick(
                format!("；{stale} 个商机超过 {stale_days} 天没拜访"),
                format!("; {stale} deal(s) without a visit for {stale_days}+ days"),
            ));
        }
        r.footer = Some(footer);
        for (d, _) in &open {
            r.items.push(deal_item(d));
        }
        r
    }

    fn render_mode(&self, d: &Deal, lang: Lang) -> Reply {
        let mut r = Reply::new(
            "mode_changed",
            Some(lang.pick(
                format!("{}：销售模式改为{}模式", d.customer.name, d.mode.mode.zh()),
                format!(
                    "{}: sales mode set to {} ({}模式)",
                    d.customer.name,
                    d.mode.mode.en(),
                    d.mode.mode.zh()
                ),
            )),
        );
        if let Some((e, m)) = self.knowledge.mode(d.mode.mode.id()) {
            let mut s = format!("{}：{}", e.title_zh, m.purpose);
            if let Some(std) = &m.standard {
                s.push_str(&format!(" 标准要求：{std}"));
            }
            r.push(None, s);
        }
        self.push_program(&mut r, d, lang);
        r.items.push(deal_item(d));
        r
    }

    fn render_man(&self, d: &Deal, lang: Lang) -> Reply {
        let code = d.man.code();
        let mut r = Reply::new(
            "man_changed",
            Some(lang.pick(
                format!("{}：MAN 现在是 {code}", d.customer.name),
                format!("{}: MAN is now {code}", d.customer.name),
            )),
        );
        let exact = self.knowledge.entries().iter().find_map(|e| match &e.body {
            Body::Man(m) if m.code == code => Some((e, m)),
            _ => None,
        });
        match exact {
            Some((e, m)) => {
                r.push(None, format!("{}：{}\n{}", e.title_zh, m.meaning, m.action));
            }
            None => {
                r.push(
                    None,
                    lang.pick(
                        "还有未知项（?）：下次拜访时弄清楚，再用 /man 记下。",
                        "Some answers are still unknown (?): find out on the next visit and record them with /man.",
                    ),
                );
            }
        }
        r.items.push(deal_item(d));
        r
    }

    fn render_outcome(&self, d: &Deal, lang: Lang) -> Reply {
        let Some(o) = &d.outcome else {
            return self.render_deal(d, lang);
        };
        let why = o.reason.clone().unwrap_or_default();
        let mut r = if o.won {
            Reply::new(
                "won",
                Some(lang.pick(
                    format!("恭喜！{} 赢单", d.customer.name),
                    format!("Congratulations! {} won (赢单)", d.customer.name),
                )),
            )
        } else {
            Reply::new(
                "lost",
                Some(lang.pick(
                    format!("{} 记为丢单：{why}", d.customer.name),
                    format!("{} marked lost (丢单): {why}", d.customer.name),
                )),
            )
        };
        let p = program(d, &self.knowledge);
        if o.won && !p.next.is_empty() {
            let body: Vec<String> = p.next.iter().map(|s| format!("• {s}")).collect();
            r.push(
                Some(&lang.pick(
                    "实现销售（成交阶段）还要做",
                    "Still to do to realize the sale (实现销售)",
                )),
                body.join("\n"),
            );
        }
        if !o.won {
            r.push(
                None,
                lang.pick(
                    "输单后也可以继续和客户保持联系，总结原因用于下一个商机。",
                    "Keep in touch with the customer and use the reason on your next deal.",
                ),
            );
        }
        r.items.push(deal_item(d));
        r
    }
}

/// For a log that the customer walked away from a deal still open, how to
/// close it or try to win it back, instead of the program's next visit.
pub(super) fn lost_advice(deal: &Deal, visit: &Visit, lang: Lang) -> Option<String> {
    (visit.touch == Touch::Lost && deal.is_open()).then(|| {
        let name = &deal.customer.name;
        lang.pick(
            format!("记为丢单：/lost {name} 原因；想挽回：/close 哀兵法（请教失败原因，找翻盘机会）"),
            format!("Mark it lost: /lost {name} REASON; to win it back: /close 哀兵法 (ask why you lost, look for a turnaround)"),
        )
    })
}

/// `/deals` and `/undo` carry no words to tell the language by: answer in
/// the language of the rep's latest visit log.
fn lang_of_bare_command(raw: &str, lang: Lang, deals: &[Deal]) -> Lang {
    if lang == Lang::Zh || raw.split_whitespace().count() > 1 {
        return lang;
    }
    deals
        .iter()
        .filter_map(|d| d.last_visit())
        .max_by_key(|v| v.seq)
        .map(|v| Lang::of(&v.raw))
        .unwrap_or(lang)
}

fn stage_text(d: &Deal, lang: Lang) -> String {
    let stage = d.stage.clone().unwrap_or_else(|| "潜在阶段".into());
    let step = d.step.as_deref().map(step_zh).unwrap_or("开发商机");
    match lang {
        Lang::Zh => format!("{stage}（{step}）"),
        Lang::En => format!("{stage} / {step}"),
    }
}

pub(super) fn stage_short(d: &Deal) -> String {
    d.stage.clone().unwrap_or_else(|| "潜在阶段".into())
}

fn step_zh(id: &str) -> &'static str {
    match id {
        "step.develop" => "开发商机",
        "step.guide" => "引导需求",
        "step.criteria" => "建立标准",
        "step.value" => "呈现价值",
        "step.realize" => "实现销售",
        _ => "",
    }
}

fn mode_line(d: &Deal, lang: Lang) -> String {
    let m = d.mode.mode;
    if d.mode.chosen {
        lang.pick(
            format!("销售模式：{}模式", m.zh()),
            format!("Sales mode (销售模式): {} ({}模式)", m.en(), m.zh()),
        )
    } else {
        let alt = if m == SalesMode::Quick {
            "顾问"
        } else {
            "快刀"
        };
        lang.pick(
            format!(
                "销售模式：{}模式（建议：{}；可用 /mode {} {alt} 修改）",
                m.zh(),
                d.mode.reason,
                d.customer.name
            ),
            format!(
                "Sales mode (销售模式): {} ({}模式), suggested: {}; change with /mode {} {alt}",
                m.en(),
                m.zh(),
                d.mode.reason,
                d.customer.name
            ),
        )
    }
}

pub(super) fn next_text(svc: &DealService, n: &super::model::NextStep) -> String {
    let mut s = n.text.clone();
    if let Some(due) = n.due {
        s.push_str(&format!("（{}）", due.format("%Y-%m-%d")));
    }
    if let Some(a) = &n.activity {
        s.push_str(&format!(" [{}]", svc.activity_label(a)));
    }
    s
}

fn ambiguous(deals: &[Deal], name: &str, lang: Lang) -> Reply {
    let names: Vec<String> = deals.iter().map(|d| d.customer.name.clone()).collect();
    let mut r = Reply::new(
        "ambiguous",
        Some(lang.pick(
            format!("“{name}”指哪个客户？"),
            format!("Which customer do you mean by “{name}”?"),
        )),
    );
    r.push(
        None,
        lang.pick(
            format!("{}\n请用完整名称再发一次。", names.join("、")),
            format!(
                "{}\nPlease send it again with the full name.",
                names.join(", ")
            ),
        ),
    );
    r.items = deals.iter().map(deal_item).collect();
    r
}

/// A note that may be a log but names no customer ussbot can tell: save
/// nothing and say how to save it. The conversation adds the handbook's
/// answer when the message is also a question.
fn unclear_log(customer: &str, body: &str, lang: Lang) -> Reply {
    let body: String = body.chars().take(300).collect();
    let why = match (customer.trim().is_empty(), lang) {
        (true, _) => String::new(),
        (false, Lang::Zh) => format!("（“{customer}”不像客户名）"),
        (false, Lang::En) => format!(" (“{customer}” is not a company name)"),
    };
    Reply::plain(
        "log_unclear",
        lang.pick(
            format!("如果这是一条拜访记录：我没认出是哪个客户{why}，还没有保存。请发：/visit 客户名 {body}"),
            format!("If this is a visit note: I could not tell the customer{why}, so nothing was saved. Send: /visit CUSTOMER {body}"),
        ),
    )
}

/// A free-text log names a customer that looks like one of the rep's
/// deals but is not the same name: ask, and save nothing until told.
fn look_alike(deals: &[Deal], name: &str, body: &str, lang: Lang) -> Reply {
    let mut r = Reply::new(
        "ask_customer",
        Some(lang.pick(
            format!("还没有保存：“{name}”是你的哪个客户？"),
            format!("Not saved yet: which customer is “{name}”?"),
        )),
    );
    let body: String = body.chars().take(300).collect();
    let mut lines = Vec::new();
    for d in deals.iter().take(2) {
        lines.push(lang.pick(
            format!(
                "• 是【{}】：/visit {} {body}",
                d.customer.name, d.customer.name
            ),
            format!(
                "• It is {}: /visit {} {body}",
                d.customer.name, d.customer.name
            ),
        ));
    }
    lines.push(lang.pick(
        format!("• 是新客户【{name}】：/visit {name} {body}"),
        format!("• A new customer {name}: /visit {name} {body}"),
    ));
    r.push(
        None,
        format!(
            "{}\n{}",
            lang.pick(
                "它和你已有的客户很像，我不替你合并。".to_string(),
                "It looks like a customer you already have, so I won't merge them by guess."
                    .to_string(),
            ),
            lines.join("\n")
        ),
    );
    r.items = deals.iter().map(deal_item).collect();
    r
}

fn not_found(name: &str, deals: &[Deal], lang: Lang) -> Reply {
    let mut r = Reply::new(
        "deal_not_found",
        Some(lang.pick(
            format!("没有找到客户“{name}”的商机"),
            format!("No deal found for “{name}”"),
        )),
    );
    let names: Vec<String> = deals
        .iter()
        .take(10)
        .map(|d| d.customer.name.clone())
        .collect();
    r.push(
        None,
        if names.is_empty() {
            lang.pick(
                "你还没有商机。拜访后发：/visit 客户 拜访内容",
                "You have no deals yet. After a visit send: /visit CUSTOMER what happened",
            )
        } else {
            lang.pick(
                format!("你的客户：{}", names.join("、")),
                format!("Your customers: {}", names.join(", ")),
            )
        },
    );
    r
}

/// "见面 2 次、电话 1 次": meetings in person first, then the other
/// touchpoints by kind.
fn touch_counts(d: &Deal, lang: Lang) -> String {
    let meetings = d.visits.iter().filter(|v| v.touch.in_person()).count();
    let mut parts = vec![lang.pick(
        format!("见面 {meetings} 次"),
        format!("{meetings} meeting(s)"),
    )];
    for t in [Touch::Call, Touch::Message, Touch::Payment, Touch::Note] {
        let n = d.visits.iter().filter(|v| v.touch == t).count();
        if n > 0 {
            parts.push(lang.pick(format!("{} {n} 次", t.zh()), format!("{n} {}(s)", t.en())));
        }
    }
    parts.join(lang.pick("、", ", ").as_str())
}

/// "联系人：王总、林总（财务总监）", or `None` without contacts.
fn contacts_line(contacts: &[super::model::Contact], lang: Lang) -> Option<String> {
    if contacts.is_empty() {
        return None;
    }
    let names: Vec<String> = contacts
        .iter()
        .map(|c| match &c.role {
            Some(role) => format!("{}（{role}）", c.name),
            None => c.name.clone(),
        })
        .collect();
    Some(lang.pick(
        format!("联系人：{}", names.join("、")),
        format!("Contacts (联系人): {}", names.join(", ")),
    ))
}

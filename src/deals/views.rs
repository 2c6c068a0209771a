//! Views of a rep's deals for questions in chat: the deals gone stale
//! ("哪些客户好久没跟了"), the planned follow-ups ("今天要跟谁"), and the
//! briefs of a logged visit and of a deal card (what was recorded and the
//! one next step; stage, next step, what is overdue).

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{Deal, Visit};
use super::program::program;
use super::service::{deal_item, lost_advice, next_text, stage_short, Lang};
use super::DealService;
use crate::reply::Reply;

impl DealService {
    /// A logged visit: the card, with a brief of what was recorded and the
    /// one next step.
    pub(super) fn render_visit(
        &self,
        before: Option<&Deal>,
        deal: &Deal,
        visit: &Visit,
        lang: Lang,
    ) -> Reply {
        let mut r = self.render_visit_card(before, deal, visit, lang);
        let mut lines = vec![r.title.clone().unwrap_or_default()];
        if let Some(advice) = lost_advice(deal, visit, lang) {
            lines.push(advice);
        } else {
            let next = visit
                .next
                .as_ref()
                .map(|n| next_text(self, n))
                .or_else(|| program(deal, &self.knowledge).next.into_iter().next());
            if let Some(n) = next {
                lines.push(lang.pick(format!("下一步：{n}"), format!("Next: {n}")));
            }
        }
        lines.push(lang.pick("记错了？发 /undo 撤销。", "Wrong? Send /undo."));
        r.brief = Some(brief_lines(lines));
        r
    }

    /// A deal's card, with a brief: stage, next step, what is overdue.
    pub(super) fn render_deal(&self, d: &Deal, lang: Lang) -> Reply {
        let mut r = self.render_deal_card(d, lang);
        let today = self.now().date_naive();
        let mut lines = vec![format!(
            "{}｜{}",
            d.customer.name,
            d.stage
                .clone()
                .unwrap_or_else(|| lang.pick("潜在阶段", "prospect"))
        )];
        let planned = d.next_steps.first();
        let next = planned
            .map(|n| next_text(self, n))
            .or_else(|| program(d, &self.knowledge).next.into_iter().next());
        if let Some(n) = next {
            lines.push(lang.pick(format!("下一步：{n}"), format!("Next: {n}")));
        }
        if let Some(due) = planned.and_then(|n| n.due).filter(|due| *due < today) {
            let days = (today - due).num_days();
            lines.push(lang.pick(
                format!("⚠ 计划已过期 {days} 天"),
                format!("⚠ overdue by {days} day(s)"),
            ));
        }
        r.brief = Some(brief_lines(lines));
        r
    }

    /// Open deals without a visit for `stale_days` or more, longest first.
    pub(super) fn render_stale(&self, deals: &[Deal], lang: Lang) -> Reply {
        let today = self.now().date_naive();
        let limit = i64::from(self.settings.stale_days);
        let mut stale: Vec<(&Deal, i64)> = deals
            .iter()
            .filter(|d| d.is_open())
            .map(|d| {
                let last = d.last_visit().map(|v| v.at).unwrap_or(d.created);
                (d, (today - last.date_naive()).num_days())
            })
            .filter(|(_, days)| *days >= limit)
            .collect();
        stale.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.customer.name.cmp(&b.0.customer.name))
        });
        let mut r = Reply::new(
            "deals",
            Some(lang.pick(
                format!("超过 {limit} 天没跟进的商机：{} 个", stale.len()),
                format!("Deals without a visit for {limit}+ days: {}", stale.len()),
            )),
        );
        if stale.is_empty() {
            r.push(
                None,
                lang.pick(
                    "没有：每个进行中的商机最近都跟进过。",
                    "None: every open deal was followed up recently.",
                ),
            );
            return r;
        }
        let lines: Vec<String> = stale
            .iter()
            .map(|(d, days)| {
                let next = d.next_steps.first().map(|n| next_text(self, n));
                lang.pick(
                    format!(
                        "• {} · {} · {days} 天没拜访{}",
                        d.customer.name,
                        stage_short(d),
                        next.as_deref()
                            .map(|n| format!(" · 下一步：{n}"))
                            .unwrap_or_default()
                    ),
                    format!(
                        "• {} · {} · {days} day(s) since the last visit{}",
                        d.customer.name,
                        stage_short(d),
                        next.as_deref()
                            .map(|n| format!(" · next: {n}"))
                            .unwrap_or_default()
                    ),
                )
            })
            .collect();
        r.push(None, lines.join("\n"));
        r.items = stale.iter().map(|(d, _)| deal_item(d)).collect();
        r
    }

    /// Planned follow-ups of open deals: overdue, today, the rest of this
    /// week, later; a plan without a date is listed last.
    pub(super) fn render_plans(&self, deals: &[Deal], lang: Lang) -> Reply {
        let today = self.now().date_naive();
        let week_end =
            today + Duration::days(i64::from(6 - today.weekday().num_days_from_monday()));
        let mut plans: Vec<(&Deal, Option<NaiveDate>, String)> = Vec::new();
        for d in deals.iter().filter(|d| d.is_open()) {
            for n in &d.next_steps {
                plans.push((d, n.due, next_text(self, n)));
            }
        }
        plans.sort_by(|a, b| {
            (a.1.is_none(), a.1)
                .cmp(&(b.1.is_none(), b.1))
                .then_with(|| a.0.customer.name.cmp(&b.0.customer.name))
        });
        let due_now = plans
            .iter()
            .filter(|(_, due, _)| due.is_some_and(|d| d <= week_end))
            .count();
        let mut r = Reply::new(
            "deals",
            Some(lang.pick(
                format!("计划的跟进：{} 项，本周到期 {due_now} 项", plans.len()),
                format!(
                    "Planned follow-ups: {}, due this week: {due_now}",
                    plans.len()
                ),
            )),
        );
        if plans.is_empty() {
            r.push(
                None,
                lang.pick(
                    "还没有计划的跟进。记录拜访时写上下一步和日期（如“下周二谈商务”），这里就会列出。",
                    "No follow-ups planned. Write the next step and its date in a visit note (\"demo next Tuesday\") and it shows here.",
                ),
            );
            return r;
        }
        let lines: Vec<String> = plans
            .iter()
            .map(|(d, due, text)| {
                let when = match due {
                    Some(x) if *x < today => lang.pick(
                        format!("⚠ 已过期 {} 天", (today - *x).num_days()),
                        format!("⚠ overdue by {} day(s)", (today - *x).num_days()),
                    ),
                    Some(x) if *x == today => lang.pick("今天", "today"),
                    Some(x) => x.format("%m-%d").to_string(),
                    None => lang.pick("未定日期", "no date"),
                };
                format!("• {when} · {} · {text}", d.customer.name)
            })
            .collect();
        r.push(None, lines.join("\n"));
        let mut seen = Vec::new();
        for (d, _, _) in &plans {
            if !seen.contains(&d.id) {
                seen.push(d.id.clone());
                r.items.push(deal_item(d));
            }
        }
        r
    }
}

/// At most three lines of at most 80 characters each ("…" when cut).
fn brief_lines(lines: Vec<String>) -> String {
    lines
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .map(|l| {
            let l = l.lines().next().unwrap_or("").to_string();
            if l.chars().count() > 80 {
                let mut t: String = l.chars().take(79).collect();
                t.push('…');
                t
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

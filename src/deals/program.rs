//! The USS rules applied to a deal: derive its state from its visits, and
//! say what comes next in its mode's visit program.
//!
//! Pure functions over a [`Deal`] and the [`Knowledge`]: no IO.

use chrono::{DateTime, Duration, Local};

use super::model::{
    ActivityState, Contact, Deal, Man, ManFact, ManField, ManValue, ModeChoice, ObjectionHeard,
    SalesMode, Touch,
};
use crate::knowledge::{Action, Knowledge};

/// Re-derive a deal's computed fields (stage, activities, MAN, contacts,
/// objections, next steps, suggested mode) from its visits and the rep's
/// explicit settings. Idempotent.
pub fn recompute(deal: &mut Deal, k: &Knowledge) {
    deal.visits.sort_by_key(|v| (v.at, v.seq));

    // Key activities.
    deal.activities = k
        .activities()
        .into_iter()
        .map(|(e, a)| {
            let first = deal.visits.iter().find(|v| v.activities.contains(&e.id.0));
            ActivityState {
                id: e.id.0.clone(),
                code: a.code.clone(),
                done: first.is_some(),
                at: first.map(|v| v.at),
                visit: first.map(|v| v.seq),
            }
        })
        .collect();

    // Current core step: the latest step with a done activity.
    let steps = k.steps();
    let mut current = steps.first();
    for s in &steps {
        let done =
            s.1.activities
                .iter()
                .any(|a| deal.activities.iter().any(|x| x.id == a.0 && x.done));
        if done {
            current = Some(s);
        }
    }
    deal.step = current.map(|(e, _)| e.id.0.clone());
    deal.stage = current.map(|(_, s)| s.stage.clone());

    // MAN: visits and explicit settings in time order; the latest wins.
    // (when, visits before settings at the same time, field, value, visit)
    type ManEvent = (DateTime<Local>, u8, ManField, ManValue, Option<u64>);
    let mut events: Vec<ManEvent> = Vec::new();
    for v in &deal.visits {
        for (f, val) in &v.man {
            events.push((v.at, 0, *f, *val, Some(v.seq)));
        }
    }
    for s in &deal.man_settings {
        events.push((s.at, 1, s.field, s.value, None));
    }
    events.sort_by_key(|e| (e.0, e.1, e.4));
    let mut man = Man::default();
    for (at, _, f, val, visit) in events {
        *man.get_mut(f) = ManFact {
            value: val,
            visit,
            at: Some(at),
        };
    }
    deal.man = man;

    // Contacts: first mention, role from the latest mention that has one.
    let mut contacts: Vec<Contact> = Vec::new();
    for v in &deal.visits {
        for c in &v.contacts {
            match contacts.iter_mut().find(|x| x.name == c.name) {
                Some(x) => {
                    if c.role.is_some() {
                        x.role = c.role.clone();
                    }
                }
                None => contacts.push(Contact {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    first_visit: Some(v.seq),
                }),
            }
        }
    }
    deal.contacts = contacts;

    deal.objections = deal
        .visits
        .iter()
        .flat_map(|v| {
            v.objections.iter().map(move |o| ObjectionHeard {
                id: o.clone(),
                visit: v.seq,
                at: v.at,
            })
        })
        .collect();

    deal.next_steps = deal
        .visits
        .last()
        .and_then(|v| {
            v.next.clone().map(|mut n| {
                n.visit = Some(v.seq);
                n
            })
        })
        .into_iter()
        .collect();

    if !deal.mode.chosen {
        deal.mode = suggest_mode(deal);
    }
}

/// The mode to suggest for a deal the rep has not set a mode on: the
/// latest mode cue in its visits, else by MAN, else 顾问 (so a big deal is
/// not worked as a small one).
pub fn suggest_mode(deal: &Deal) -> ModeChoice {
    if let Some(m) = deal.visits.iter().rev().find_map(|v| v.mode_cue) {
        return ModeChoice {
            mode: m,
            chosen: false,
            reason: format!("拜访记录里提到了{}模式的特征", m.zh()),
        };
    }
    if deal.man.money.value == ManValue::No {
        return ModeChoice {
            mode: SalesMode::Quick,
            chosen: false,
            reason: "MAN：预算不足，先按快刀模式小单快做".into(),
        };
    }
    if deal.mode.reason.is_empty()
        || deal.mode.reason.starts_with("默认")
        || deal.mode.reason.starts_with("MAN")
    {
        return ModeChoice {
            mode: SalesMode::Consultant,
            chosen: false,
            reason: "默认：还不清楚方案规模，按顾问模式跟进，避免大单做小".into(),
        };
    }
    deal.mode.clone()
}

/// What the reply lists after a visit or a mode change.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Heading: which visit of which mode was just done (`快刀模式第一次拜访（Q1）`).
    pub done_visit: Option<String>,
    /// Next steps, in order (Chinese with the USS terms).
    pub next: Vec<String>,
    /// Acceptance criteria not met yet.
    pub warnings: Vec<String>,
}

fn action_line(a: &Action) -> String {
    let mut s = a.name.clone();
    let mut extra = Vec::new();
    if let Some(r) = &a.roles {
        extra.push(r.clone());
    }
    if let Some(t) = &a.tool {
        extra.push(format!("工具：{t}"));
    }
    if !extra.is_empty() {
        s.push_str(&format!("（{}）", extra.join("，")));
    }
    s
}

fn activity_name(k: &Knowledge, id: &str) -> String {
    match k.get(id) {
        Some(e) => {
            let code = k
                .activities()
                .into_iter()
                .find(|(x, _)| x.id.0 == id)
                .map(|(_, a)| a.code.clone())
                .unwrap_or_default();
            format!("{code} {}", e.title_zh)
        }
        None => id.to_string(),
    }
}

/// How long the mode's standard allows for the whole visit program.
fn program_window(mode: SalesMode) -> Option<Duration> {
    match mode {
        SalesMode::Quick => Some(Duration::days(7)),
        SalesMode::Consultant => Some(Duration::days(30)),
        SalesMode::Strategic => None,
    }
}

/// The deal's place in its mode's visit program: what to do after the
/// visit just logged, the next program visit, and unmet acceptance criteria.
pub fn program(deal: &Deal, k: &Knowledge) -> Program {
    let mut p = Program::default();
    let mode = deal.mode.mode;
    let done = |id: &str| deal.activities.iter().any(|a| a.id == id && a.done);

    if let Some(o) = &deal.outcome {
        if o.won {
            for id in ["activity.ka13", "activity.ka14", "activity.ka15"] {
                if !done(id) {
                    p.next.push(activity_name(k, id));
                }
            }
        }
        return p;
    }

    let visits = k.visits_of(mode.id());
    // The program moves on with meetings in person, or with the key
    // activities they were for, whichever is further: a call is no visit.
    let in_person = deal.visits.iter().filter(|v| v.touch.in_person()).count();
    let by_activity = visits
        .iter()
        .rposition(|(_, pv)| pv.activities.iter().any(|a| done(&a.0)))
        .map_or(0, |i| i + 1);
    let n = in_person.max(by_activity);
    // A call, a letter or a payment after the last visit says nothing
    // about that visit: no "after the visit" list for it.
    let last_in_person = deal.visits.iter().max_by_key(|v| v.seq).is_some_and(|v| {
        !matches!(
            v.touch,
            Touch::Call | Touch::Message | Touch::Payment | Touch::Lost
        )
    });
    if visits.is_empty() || deal.visits.is_empty() {
        // No program (战略模式): the current step's remaining activities.
        if mode == SalesMode::Strategic {
            p.next
                .push("手册里没有战略模式的拜访程序；按当前核心步骤的关键活动推进：".into());
        }
        let steps = k.steps();
        let from = steps
            .iter()
            .position(|(e, _)| deal.step.as_deref() == Some(e.id.0.as_str()))
            .unwrap_or(0);
        for (_, s) in steps.iter().skip(from) {
            let remaining: Vec<_> = s.activities.iter().filter(|a| !done(&a.0)).collect();
            if remaining.is_empty() {
                continue;
            }
            for a in remaining {
                p.next.push(activity_name(k, &a.0));
            }
            break;
        }
        return p;
    }

    let next_line = |(ne, nv): (&crate::knowledge::Entry, &crate::knowledge::Visit)| {
        let mut line = format!("{}（{}）：{}", ne.title_zh, nv.code, nv.goals.join(""));
        if let (Some(window), Some(first)) = (program_window(mode), deal.visits.first()) {
            let by = (first.at + window).date_naive();
            let standard = k
                .mode(mode.id())
                .and_then(|(_, m)| m.standard.clone())
                .unwrap_or_default();
            line.push_str(&format!(
                " — 标准要求：{standard}（{} 前完成全部拜访）",
                by.format("%Y-%m-%d")
            ));
        }
        if !nv.before.is_empty() {
            let before: Vec<String> = nv.before.iter().map(action_line).collect();
            line.push_str(&format!("；拜访前：{}", before.join("、")));
        }
        line
    };
    if n == 0 {
        // Calls and letters only so far: the first visit is next.
        p.next.push(next_line(visits[0]));
        push_man_line(&mut p, deal);
        return p;
    }
    let idx = n.min(visits.len()) - 1;
    let (ve, v) = visits[idx];
    if n <= visits.len() && last_in_person {
        p.done_visit = Some(format!("{}（{}）", ve.title_zh, v.code));
        for a in &v.after {
            p.next.push(action_line(a));
        }
    }
    if let Some(&next) = visits.get(n) {
        p.next.push(next_line(next));
    } else if n >= visits.len() {
        // Program complete: whatever key activity is still open.
        for (_, s) in k.steps() {
            let remaining: Vec<_> = s.activities.iter().filter(|a| !done(&a.0)).collect();
            if let Some(a) = remaining.first() {
                p.next.push(format!(
                    "{}（{}拜访程序已走完）",
                    activity_name(k, &a.0),
                    mode.zh()
                ));
                break;
            }
        }
    }

    // Acceptance: activities the program visit just reached expects that
    // are not done (earlier visits' gaps were reported when they were due).
    let mut missing: Vec<String> = Vec::new();
    for (_, pv) in visits.iter().skip(idx).take(1) {
        for a in &pv.activities {
            if !done(&a.0) && !missing.contains(&a.0) {
                missing.push(a.0.clone());
            }
        }
    }
    // Only what is due by now: activities of core steps up to the deal's
    // current one (no "collect the first payment" before the signing).
    let steps = k.steps();
    let current = steps
        .iter()
        .position(|(e, _)| deal.step.as_deref() == Some(e.id.0.as_str()))
        .unwrap_or(0);
    missing.retain(|id| {
        steps
            .iter()
            .position(|(_, s)| s.activities.iter().any(|a| a.0 == *id))
            .is_none_or(|i| i <= current)
    });
    for id in &missing {
        let criterion = k
            .activities()
            .into_iter()
            .find(|(e, _)| e.id.0 == *id)
            .map(|(_, a)| a.acceptance.join(""))
            .unwrap_or_default();
        p.warnings.push(format!(
            "{} 还没有记录 — 检验标准：{criterion}",
            activity_name(k, id)
        ));
    }
    if !v.acceptance.is_empty() && !p.warnings.is_empty() {
        p.warnings.push(format!(
            "{}的检验标准：{}",
            ve.title_zh,
            v.acceptance.join("")
        ));
    }
    push_man_line(&mut p, deal);
    p
}

/// "MAN 还不清楚：…" when a dimension is still unknown.
fn push_man_line(p: &mut Program, deal: &Deal) {
    let unknown: Vec<&str> = ManField::ALL
        .iter()
        .filter(|f| deal.man.get(**f).value == ManValue::Unknown)
        .map(|f| f.zh())
        .collect();
    if !unknown.is_empty() && !deal.visits.is_empty() {
        p.next.push(format!(
            "MAN 还不清楚：{}（用 /man {} money=yes authority=no 记下）",
            unknown.join("、"),
            deal.customer.name
        ));
    }
}

//! The brief of an entry: at most three short lines a rep can use while
//! the customer waits (the line to say and when, the two-line story of a
//! case, what to do), shown before the full card.

use crate::knowledge::{Body, Entry, Stall};

use super::Lang;

/// Longest brief, in characters.
pub const BRIEF_MAX_CHARS: usize = 200;
/// Longest line of a brief, in characters.
const LINE_MAX_CHARS: usize = 80;

/// The brief of `e` in `lang`: its name and the thing to say or do first.
pub fn brief(e: &Entry, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let pick = |zh_label: &str, en_label: &str| if zh { zh_label } else { en_label }.to_string();
    let mark = if e.source.is_handbook() {
        String::new()
    } else {
        pick("（非手册原文）", " (not from the handbook)")
    };
    // English names are cut at their subtitle ("Compensation method: …"),
    // and every name is kept short so the not-from-the-handbook mark after
    // it is never cut off.
    let name = if zh {
        e.title_zh.clone()
    } else {
        let short = e.title.split([':', '—']).next().unwrap_or(&e.title).trim();
        format!("{short} ({})", e.title_zh)
    };
    let name = cut_chars(&name, 40);
    let mut lines: Vec<String> = Vec::new();
    let say = pick("这样说：", "Say: ");
    let when = pick("何时用：", "When: ");
    match &e.body {
        Body::Closing(c) => {
            lines.push(format!("{name}{mark}"));
            lines.push(format!("{say}{}", c.phrase));
            lines.push(format!("{when}{}", c.when_to_use));
        }
        Body::Objection(o) => {
            // The rep's first line of the example dialogue.
            let line = o
                .dialogue
                .iter()
                .find(|l| !l.speaker.contains("客户"))
                .or(o.dialogue.first())
                .map(|l| l.text.clone())
                .unwrap_or_default();
            lines.push(format!("{name}{mark}"));
            lines.push(format!("{say}{line}"));
            lines.push(format!("{when}{}", o.when_to_use));
        }
        Body::Case(c) => {
            // The two-line story: who and what hurt; what we did and the result.
            lines.push(format!(
                "{}{mark}{}{}",
                c.customer,
                pick("｜痛点：", " | pain: "),
                c.pain
            ));
            let result = c.results.first().cloned().unwrap_or_default();
            lines.push(format!(
                "{}{}（{}）{}{result}",
                pick("我们做了：", "We provided: "),
                c.provided,
                c.products.join("、"),
                pick("；结果：", "; result: "),
            ));
        }
        Body::SellingPoint(p) => {
            lines.push(format!("{name}{mark}｜{}", p.description));
            if let Some(b) = p.benefits.first() {
                lines.push(format!("{}{b}", pick("好处：", "Benefit: ")));
            }
        }
        Body::Skill(s) => {
            lines.push(format!("{name}{mark}｜{}", s.definition));
            if !s.steps.is_empty() {
                lines.push(format!(
                    "{}{}",
                    pick("步骤：", "Steps: "),
                    s.steps.join(" → ")
                ));
            }
        }
        Body::Step(s) => {
            lines.push(format!("{name}{mark}｜{}", s.goal));
        }
        Body::Activity(a) => {
            lines.push(format!(
                "{} {name}{mark}｜{}",
                a.code,
                crate::text::join_clauses(&a.goals, "；")
            ));
            if let Some(x) = a.acceptance.first() {
                lines.push(format!("{}{x}", pick("检验标准：", "Check: ")));
            }
        }
        Body::Mode(m) => {
            lines.push(format!("{name}{mark}｜{}", m.fits));
            lines.push(format!(
                "{}{}",
                pick("取胜关键：", "Key to win: "),
                m.key_to_win
            ));
        }
        Body::Visit(v) => {
            lines.push(format!(
                "{name}{mark}｜{}",
                crate::text::join_clauses(&v.goals, "；")
            ));
            let during: Vec<&str> = v.during.iter().map(|a| a.name.as_str()).collect();
            if !during.is_empty() {
                lines.push(format!(
                    "{}{}",
                    pick("拜访中：", "During: "),
                    during.join("、")
                ));
            }
        }
        Body::Method(m) => {
            lines.push(format!("{name}{mark}｜{}", m.description));
        }
        Body::Man(m) => {
            lines.push(format!("{} {name}{mark}｜{}", m.code, m.meaning));
            lines.push(format!("{}{}", pick("怎么做：", "Do: "), m.action));
        }
        Body::Concept(_) | Body::Template(_) => {
            let summary = if zh {
                e.summary_zh.clone().unwrap_or_else(|| e.summary.clone())
            } else {
                e.summary.clone()
            };
            lines.push(format!("{name}{mark}｜{summary}"));
        }
        Body::Gap(g) => {
            lines.push(format!(
                "{name}｜{}{}",
                pick("手册缺失：", "Not in the handbook: "),
                g.missing
            ));
        }
    }
    fit(lines)
}

/// The brief for a stall: its name marked as drafted, the words to say
/// whole, and what to do next as far as room allows.
pub fn stall(s: &Stall, lang: Lang) -> String {
    let (name, say, then) = match lang {
        Lang::Zh => (
            format!("{}（拟写，非手册原文）", s.title_zh),
            format!("这样说：“{}”", s.say),
            format!("然后：{}", s.then),
        ),
        Lang::En => (
            format!("{} (drafted, not the handbook's)", s.title),
            format!("Say: \"{}\"", s.say_en),
            format!("Then: {}", s.then_en),
        ),
    };
    let name = first_line(&name);
    let say = first_line(&say);
    let used = name.chars().count() + say.chars().count() + 2;
    let mut lines = vec![name, say];
    let room = BRIEF_MAX_CHARS.saturating_sub(used);
    // What to do next, whole, or cut only when most of it fits; the
    // full card always has it.
    let then = first_line(&then);
    let len = then.chars().count();
    if len <= room || room >= 60.min(len * 2 / 3) {
        lines.push(cut_chars(&then, room));
    }
    lines.join("\n")
}

/// At most three lines, each cut to [`LINE_MAX_CHARS`], the whole to
/// [`BRIEF_MAX_CHARS`]; a cut ends in "…".
fn fit(lines: Vec<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut used = 0;
    for l in lines.into_iter().filter(|l| !l.trim().is_empty()).take(3) {
        let l = first_line(&l);
        let room = BRIEF_MAX_CHARS.saturating_sub(used + out.len());
        if room < 8 {
            break;
        }
        let cut = cut_chars(&l, LINE_MAX_CHARS.min(room));
        used += cut.chars().count();
        out.push(cut);
    }
    out.join("\n")
}

/// The text up to its first line break.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// `s` cut to `max` characters, ending in "…" when cut.
fn cut_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

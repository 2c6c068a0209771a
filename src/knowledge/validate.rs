//! Stage 3 of loading: turn raw entries into the model, checking ids,
//! references, patterns and required texts. Every problem is collected.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use super::error::Problem;
use super::load::{RawSet, SourceFile};
use super::model::*;
use super::raw::*;

/// Longest accepted trigger or log pattern, in bytes.
const MAX_PATTERN: usize = 500;

struct Ctx<'a> {
    files: &'a [SourceFile],
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn report(&mut self, file: usize, at: usize, msg: impl Into<String>) {
        let p = self.files[file].problem(at, msg);
        self.problems.push(p);
    }

    /// A required, non-empty text.
    fn text(&mut self, file: usize, v: &S<String>, field: &str) -> String {
        let t = v.get_ref().trim();
        if t.is_empty() {
            self.report(
                file,
                v.span().start,
                format!("`{field}` is empty; write the text or remove the entry"),
            );
        }
        t.to_string()
    }

    fn opt_text(&mut self, file: usize, v: &Option<S<String>>, field: &str) -> Option<String> {
        v.as_ref().map(|v| self.text(file, v, field))
    }

    /// A required, non-empty list of non-empty texts.
    fn list(&mut self, file: usize, at: usize, v: &[S<String>], field: &str) -> Vec<String> {
        if v.is_empty() {
            self.report(
                file,
                at,
                format!("`{field}` is empty; give at least one item"),
            );
        }
        self.opt_list(file, v, field)
    }

    /// A possibly empty list of non-empty texts.
    fn opt_list(&mut self, file: usize, v: &[S<String>], field: &str) -> Vec<String> {
        v.iter().map(|x| self.text(file, x, field)).collect()
    }

    fn pattern(&mut self, file: usize, v: &S<String>, field: &str) -> Option<Regex> {
        let src = v.get_ref();
        if src.trim().is_empty() {
            self.report(
                file,
                v.span().start,
                format!(
                    "`{field}` has an empty pattern, which would match every message; remove it"
                ),
            );
            return None;
        }
        if src.len() > MAX_PATTERN {
            self.report(
                file,
                v.span().start,
                format!("`{field}` pattern is longer than {MAX_PATTERN} bytes; split it"),
            );
            return None;
        }
        match regex::RegexBuilder::new(src).size_limit(1 << 20).build() {
            Ok(r) => {
                if r.is_match("") {
                    self.report(
                        file,
                        v.span().start,
                        format!("`{field}` pattern `{src}` matches the empty message; make a part of it required"),
                    );
                    return None;
                }
                Some(r)
            }
            Err(e) => {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("").trim().to_string();
                self.report(
                    file,
                    v.span().start,
                    format!("invalid pattern in `{field}`: {why}; see the regex crate's syntax (no look-around)"),
                );
                None
            }
        }
    }

    fn patterns(&mut self, file: usize, v: &[S<String>], field: &str) -> Vec<Regex> {
        v.iter()
            .filter_map(|p| self.pattern(file, p, field))
            .collect()
    }

    fn actions(&mut self, file: usize, v: &[RawAction], field: &str) -> Vec<Action> {
        v.iter()
            .map(|a| Action {
                name: self.text(file, &a.name, field),
                roles: self.opt_text(file, &a.roles, "roles"),
                tool: self.opt_text(file, &a.tool, "tool"),
            })
            .collect()
    }

    fn sections(&mut self, file: usize, v: &[RawSection]) -> Vec<Section> {
        v.iter()
            .map(|s| Section {
                title: self.text(file, &s.title, "sections.title"),
                items: self.list(file, s.title.span().start, &s.items, "sections.items"),
            })
            .collect()
    }

    fn role_lines(&mut self, file: usize, v: &[RawRoleLine], field: &str) -> Vec<RoleLine> {
        v.iter()
            .map(|r| RoleLine {
                role: self.text(file, &r.role, field),
                text: self.text(file, &r.text, field),
            })
            .collect()
    }
}

/// A reference to check once every id is known.
struct Ref {
    file: usize,
    at: usize,
    target: String,
    field: &'static str,
    /// The kind the target must have, if any.
    want: Option<Kind>,
}

impl Ref {
    /// References from a list of ids in `field`, each to a `want` entry.
    fn all<'a>(
        file: usize,
        ids: &'a [S<String>],
        field: &'static str,
        want: Kind,
    ) -> impl Iterator<Item = Ref> + 'a {
        ids.iter().map(move |id| Ref::one(file, id, field, want))
    }

    /// A reference from one id in `field` to a `want` entry.
    fn one(file: usize, id: &S<String>, field: &'static str, want: Kind) -> Ref {
        Ref {
            file,
            at: id.span().start,
            target: id.get_ref().clone(),
            field,
            want: Some(want),
        }
    }
}

/// Ids from a list of id strings (checked later as references).
fn ids(v: &[S<String>]) -> Vec<Id> {
    v.iter().map(|x| Id(x.get_ref().clone())).collect()
}

/// Common header fields after their own checks.
struct Head {
    file: usize,
    id_at: usize,
    entry: Entry,
}

macro_rules! head {
    ($cx:expr, $refs:expr, $file:expr, $raw:expr, $body:expr) => {{
        let raw = $raw;
        let file = $file;
        let id_src = raw.id.get_ref().trim().to_string();
        let id_at = raw.id.span().start;
        if id_src.is_empty() {
            $cx.report(
                file,
                id_at,
                "`id` is empty; give the entry a stable id such as `case.jinying`",
            );
        } else if !id_src
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
        {
            $cx.report(
                file,
                id_at,
                format!("id `{id_src}` may only use a-z, 0-9, `_`, `.` and `-`"),
            );
        }
        let source = match raw
            .source
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span().start))
        {
            None | Some(("handbook", _)) => Source::Handbook,
            Some(("drafted", _)) => Source::Drafted,
            Some(("external", _)) => Source::External,
            Some((other, at)) => {
                $cx.report(
                    file,
                    at,
                    format!("unknown source `{other}`; use `handbook`, `drafted` or `external`"),
                );
                Source::Handbook
            }
        };
        for r in &raw.related {
            $refs.push(Ref {
                file,
                at: r.span().start,
                target: r.get_ref().clone(),
                field: "related",
                want: None,
            });
        }
        let entry = Entry {
            id: Id(id_src),
            title: $cx.text(file, &raw.title, "title"),
            title_zh: $cx.text(file, &raw.title_zh, "title_zh"),
            summary: $cx.text(file, &raw.summary, "summary"),
            summary_zh: $cx.opt_text(file, &raw.summary_zh, "summary_zh"),
            keywords: $cx.opt_list(file, &raw.keywords, "keywords"),
            triggers: $cx.patterns(file, &raw.triggers, "triggers"),
            source,
            related: raw
                .related
                .iter()
                .map(|r| Id(r.get_ref().clone()))
                .collect(),
            notes: $cx.opt_list(file, &raw.notes, "notes"),
            editor_notes: $cx.opt_list(file, &raw.editor_notes, "editor_notes"),
            body: $body,
        };
        Head { file, id_at, entry }
    }};
}

/// Validate a parsed set into the model, or return every problem.
pub(crate) fn validate(set: RawSet) -> Result<Knowledge, Vec<Problem>> {
    let mut cx = Ctx {
        files: &set.files,
        problems: set.problems.clone(),
    };
    let mut refs: Vec<Ref> = Vec::new();
    let mut heads: Vec<Head> = Vec::new();

    for (f, r) in &set.cases {
        let f = *f;
        let contacts = r
            .contacts
            .iter()
            .map(|c| Contact {
                name: cx.text(f, &c.name, "contacts.name"),
                role: cx.opt_text(f, &c.role, "contacts.role"),
                note: cx.opt_text(f, &c.note, "contacts.note"),
            })
            .collect();
        let at = r.id.span().start;
        let body = Body::Case(Case {
            customer: cx.text(f, &r.customer, "customer"),
            industry: cx.text(f, &r.industry, "industry"),
            background: cx.text(f, &r.background, "background"),
            contacts,
            pain: cx.text(f, &r.pain, "pain"),
            causes: cx.list(f, at, &r.causes, "causes"),
            capabilities_by: cx.opt_text(f, &r.capabilities_by, "capabilities_by"),
            capabilities: cx.list(f, at, &r.capabilities, "capabilities"),
            provided: cx.text(f, &r.provided, "provided"),
            products: cx.list(f, at, &r.products, "products"),
            results: cx.list(f, at, &r.results, "results"),
            branch: cx.text(f, &r.branch, "branch"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.selling_points {
        let f = *f;
        let at = r.id.span().start;
        let demo = match (&r.demo, &r.demo_missing) {
            (Some(d), None) => Ok(cx.text(f, d, "demo")),
            (None, Some(m)) => Err(cx.text(f, m, "demo_missing")),
            (Some(d), Some(_)) => {
                cx.report(
                    f,
                    d.span().start,
                    "give either `demo` or `demo_missing`, not both",
                );
                Ok(d.get_ref().clone())
            }
            (None, None) => {
                cx.report(
                    f,
                    at,
                    "missing `demo`; when the handbook has no demo guide, say so in `demo_missing`",
                );
                Err(String::new())
            }
        };
        let values = cx.role_lines(f, &r.values, "values");
        let needs = cx.role_lines(f, &r.needs, "needs");
        let body = Body::SellingPoint(SellingPoint {
            area: cx.text(f, &r.area, "area"),
            description: cx.text(f, &r.description, "description"),
            benefits: cx.list(f, at, &r.benefits, "benefits"),
            values,
            needs,
            demo,
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.closings {
        let f = *f;
        let body = Body::Closing(Closing {
            definition: cx.text(f, &r.definition, "definition"),
            when_to_use: cx.text(f, &r.when_to_use, "when_to_use"),
            phrase: cx.text(f, &r.phrase, "phrase"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.objections {
        let f = *f;
        if r.dialogue.is_empty() {
            cx.report(
                f,
                r.id.span().start,
                "`dialogue` is empty; give the customer's line and the reply",
            );
        }
        let dialogue = r
            .dialogue
            .iter()
            .map(|l| Line {
                speaker: cx.text(f, &l.speaker, "dialogue.speaker"),
                text: cx.text(f, &l.text, "dialogue.text"),
            })
            .collect();
        let body = Body::Objection(Objection {
            when_to_use: cx.text(f, &r.when_to_use, "when_to_use"),
            dialogue,
            timing: cx.text(f, &r.timing, "timing"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.skills {
        let f = *f;
        let at = r.id.span().start;
        let body = Body::Skill(Skill {
            definition: cx.text(f, &r.definition, "definition"),
            goals: cx.list(f, at, &r.goals, "goals"),
            steps: cx.list(f, at, &r.steps, "steps"),
            key_points: cx.list(f, at, &r.key_points, "key_points"),
            script: cx.opt_text(f, &r.script, "script"),
            sections: cx.sections(f, &r.sections),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.steps {
        let f = *f;
        refs.extend(Ref::all(f, &r.activities, "activities", Kind::Activity));
        let body = Body::Step(Step {
            order: *r.order.get_ref(),
            stage: cx.text(f, &r.stage, "stage"),
            stage_en: cx.text(f, &r.stage_en, "stage_en"),
            goal: cx.text(f, &r.goal, "goal"),
            definition: cx.text(f, &r.definition, "definition"),
            activities: ids(&r.activities),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.activities {
        let f = *f;
        let at = r.id.span().start;
        refs.push(Ref::one(f, &r.step, "step", Kind::Step));
        if r.log_patterns.is_empty() {
            cx.report(
                f,
                at,
                "`log_patterns` is empty; give at least one pattern that recognises this activity in a visit log",
            );
        }
        let body = Body::Activity(Activity {
            code: cx.text(f, &r.code, "code"),
            step: Id(r.step.get_ref().clone()),
            goals: cx.list(f, at, &r.goals, "goals"),
            actions: cx.actions(f, &r.actions, "actions.name"),
            acceptance: cx.list(f, at, &r.acceptance, "acceptance"),
            key_skills: cx.opt_list(f, &r.key_skills, "key_skills"),
            tools: cx.opt_list(f, &r.tools, "tools"),
            roles: cx.text(f, &r.roles, "roles"),
            log_patterns: cx.patterns(f, &r.log_patterns, "log_patterns"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.modes {
        let f = *f;
        refs.extend(Ref::all(f, &r.visits, "visits", Kind::Visit));
        let tiers = r
            .tiers
            .iter()
            .map(|t| Tier {
                name: cx.text(f, &t.name, "tiers.name"),
                requirement: cx.text(f, &t.requirement, "tiers.requirement"),
                note: cx.opt_text(f, &t.note, "tiers.note"),
            })
            .collect();
        let body = Body::Mode(Mode {
            fits: cx.text(f, &r.fits, "fits"),
            purpose: cx.text(f, &r.purpose, "purpose"),
            value_space: cx.text(f, &r.value_space, "value_space"),
            solution: cx.text(f, &r.solution, "solution"),
            team: cx.text(f, &r.team, "team"),
            competition: cx.text(f, &r.competition, "competition"),
            customer_focus: cx.text(f, &r.customer_focus, "customer_focus"),
            key_to_win: cx.text(f, &r.key_to_win, "key_to_win"),
            visits: ids(&r.visits),
            standard: cx.opt_text(f, &r.standard, "standard"),
            tiers,
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.visits {
        let f = *f;
        let at = r.id.span().start;
        refs.push(Ref::one(f, &r.mode, "mode", Kind::Mode));
        refs.extend(Ref::all(f, &r.activities, "activities", Kind::Activity));
        let body = Body::Visit(Visit {
            code: cx.text(f, &r.code, "code"),
            mode: Id(r.mode.get_ref().clone()),
            number: *r.number.get_ref(),
            goals: cx.list(f, at, &r.goals, "goals"),
            before: cx.actions(f, &r.before, "before.name"),
            during: cx.actions(f, &r.during, "during.name"),
            after: cx.actions(f, &r.after, "after.name"),
            acceptance: cx.list(f, at, &r.acceptance, "acceptance"),
            roles: cx.opt_text(f, &r.roles, "roles"),
            activities: ids(&r.activities),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.methods {
        let f = *f;
        let category = cx.text(f, &r.category, "category");
        if !["prospecting", "approach", "assessment"].contains(&category.as_str()) {
            cx.report(
                f,
                r.category.span().start,
                format!(
                    "unknown category `{category}`; use `prospecting`, `approach` or `assessment`"
                ),
            );
        }
        let body = Body::Method(Method {
            category,
            description: cx.text(f, &r.description, "description"),
            items: cx.opt_list(f, &r.items, "items"),
            script: cx.opt_text(f, &r.script, "script"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.mans {
        let f = *f;
        let code = cx.text(f, &r.code, "code");
        let (m, a, n) = (
            *r.money.get_ref(),
            *r.authority.get_ref(),
            *r.need.get_ref(),
        );
        let expect = format!(
            "{}+{}+{}",
            if m { 'M' } else { 'm' },
            if a { 'A' } else { 'a' },
            if n { 'N' } else { 'n' }
        );
        if code != expect {
            cx.report(
                f,
                r.code.span().start,
                format!(
                    "code `{code}` does not match money/authority/need; it should be `{expect}`"
                ),
            );
        }
        let body = Body::Man(Man {
            code,
            money: m,
            authority: a,
            need: n,
            meaning: cx.text(f, &r.meaning, "meaning"),
            action: cx.text(f, &r.action, "action"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.concepts {
        let f = *f;
        let body = Body::Concept(Concept {
            body: cx.text(f, &r.body, "body"),
            sections: cx.sections(f, &r.sections),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.templates {
        let f = *f;
        if r.source.as_ref().map(|s| s.get_ref().as_str()) != Some("drafted") {
            let at = r
                .source
                .as_ref()
                .map_or(r.id.span().start, |s| s.span().start);
            cx.report(
                f,
                at,
                "a template is not from the handbook: set `source = \"drafted\"`",
            );
        }
        let body = Body::Template(Template {
            used_in: cx.text(f, &r.used_in, "used_in"),
            body: cx.text(f, &r.body, "body"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    for (f, r) in &set.gaps {
        let f = *f;
        let body = Body::Gap(Gap {
            missing: cx.text(f, &r.missing, "missing"),
            known: cx.opt_text(f, &r.known, "known"),
        });
        heads.push(head!(cx, refs, f, r, body));
    }

    // Unique ids.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for h in &heads {
        let id = h.entry.id.0.clone();
        if id.is_empty() {
            continue;
        }
        if let Some(&(pf, pat)) = seen.get(&id) {
            let (line, col) = {
                let p = cx.files[pf].problem(pat, "");
                (p.line, p.col)
            };
            let first = format!("{}:{}:{}", cx.files[pf].path.display(), line, col);
            cx.report(
                h.file,
                h.id_at,
                format!("duplicate id `{id}`, first defined at {first}; ids must be unique across all files"),
            );
        } else {
            seen.insert(id, (h.file, h.id_at));
        }
    }

    // References.
    let kinds: HashMap<&str, Kind> = heads
        .iter()
        .map(|h| (h.entry.id.as_str(), h.entry.kind()))
        .collect();
    for r in &refs {
        match kinds.get(r.target.as_str()) {
            None => {
                let hint = closest(&r.target, kinds.keys().copied())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                cx.report(
                    r.file,
                    r.at,
                    format!(
                        "`{}` refers to `{}`, which no entry defines{hint}",
                        r.field, r.target
                    ),
                );
            }
            Some(k) => {
                if let Some(want) = r.want {
                    if *k != want {
                        cx.report(
                            r.file,
                            r.at,
                            format!(
                                "`{}` must name a {} entry, but `{}` is a {}",
                                r.field,
                                want.name(),
                                r.target,
                                k.name()
                            ),
                        );
                    }
                }
            }
        }
    }

    // Language data.
    let mut synonyms = Vec::new();
    for (f, s) in &set.synonyms {
        let words: Vec<String> = s
            .words
            .iter()
            .map(|w| cx.text(*f, w, "words").to_lowercase())
            .collect();
        if words.len() < 2 {
            let at = s.words.first().map_or(0, |w| w.span().start);
            cx.report(*f, at, "a synonym group needs at least two words");
        }
        synonyms.push(words);
    }
    let mut regional = Vec::new();
    for (f, r) in &set.regionals {
        for w in &r.words {
            let text = cx.text(*f, w, "words");
            match text.split_once('=') {
                Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                    regional.push((from.trim().to_lowercase(), to.trim().to_string()))
                }
                _ => cx.report(
                    *f,
                    w.span().start,
                    format!("`{text}` is not `regional=普通话` (e.g. `睇=看`)"),
                ),
            }
        }
    }
    let mut words = Vec::new();
    let mut seen_words = HashSet::new();
    for (f, w) in &set.words {
        let word = cx.text(*f, &w.word, "word");
        if word.chars().any(char::is_whitespace) {
            cx.report(
                *f,
                w.word.span().start,
                format!("dictionary word `{word}` contains a space; segmentation words are single tokens"),
            );
        }
        if !seen_words.insert(word.clone()) {
            cx.report(
                *f,
                w.word.span().start,
                format!("dictionary word `{word}` is listed twice"),
            );
        }
        words.push((word, w.freq.as_ref().map(|x| *x.get_ref())));
    }

    let mut intents = Vec::new();
    for (f, it) in &set.intents {
        let mut kinds = Vec::new();
        for k in &it.kinds {
            match Kind::ALL.iter().find(|x| x.name() == k.get_ref().as_str()) {
                Some(kind) => kinds.push(*kind),
                None => cx.report(
                    *f,
                    k.span().start,
                    format!(
                        "unknown kind `{}`; use one of: {}",
                        k.get_ref(),
                        Kind::ALL
                            .iter()
                            .map(|k| k.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        if it.patterns.is_empty() {
            let at = it.kinds.first().map_or(0, |k| k.span().start);
            cx.report(*f, at, "`patterns` is empty; give at least one pattern");
        }
        let patterns = cx.patterns(*f, &it.patterns, "patterns");
        intents.push(Intent { kinds, patterns });
    }

    let mut man_cues = Vec::new();
    for (f, c) in &set.man_cues {
        let dimension = match c.dimension.get_ref().as_str() {
            "money" => Some(ManDimension::Money),
            "authority" => Some(ManDimension::Authority),
            "need" => Some(ManDimension::Need),
            other => {
                cx.report(
                    *f,
                    c.dimension.span().start,
                    format!("unknown MAN dimension `{other}`; use `money`, `authority` or `need`"),
                );
                None
            }
        };
        if c.patterns.is_empty() {
            cx.report(
                *f,
                c.dimension.span().start,
                "`patterns` is empty; give at least one pattern",
            );
        }
        let patterns = cx.patterns(*f, &c.patterns, "patterns");
        if let Some(dimension) = dimension {
            man_cues.push(ManCue {
                dimension,
                present: *c.present.get_ref(),
                patterns,
            });
        }
    }

    let positions: HashMap<&str, usize> = heads
        .iter()
        .enumerate()
        .map(|(i, h)| (h.entry.id.as_str(), i))
        .collect();
    let mut examples = Vec::new();
    let mut seen_examples: HashSet<String> = HashSet::new();
    for (f, x) in &set.examples {
        let target = x.entry.get_ref().as_str();
        let entry = if target == "none" {
            None
        } else {
            match positions.get(target) {
                Some(&i) => Some(i),
                None => {
                    let hint = closest(target, positions.keys().copied())
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    cx.report(
                        *f,
                        x.entry.span().start,
                        format!("`entry` refers to `{target}`, which no entry defines{hint} (use `none` for messages the handbook cannot answer)"),
                    );
                    continue;
                }
            }
        };
        if x.texts.is_empty() {
            cx.report(
                *f,
                x.entry.span().start,
                "`texts` is empty; give at least one example message",
            );
        }
        for t in &x.texts {
            let text = cx.text(*f, t, "texts");
            if text.is_empty() {
                continue;
            }
            if !seen_examples.insert(text.clone()) {
                cx.report(
                    *f,
                    t.span().start,
                    format!("example `{text}` is listed twice; keep it under one entry"),
                );
                continue;
            }
            examples.push(Example { entry, text });
        }
    }

    let mut utterances = Vec::new();
    let mut seen_utterances: HashSet<String> = HashSet::new();
    for (f, u) in &set.utterances {
        let name = u.kind.get_ref().as_str();
        let Some(kind) = MessageKind::named(name) else {
            let names = MessageKind::NAMED.map(|(n, _)| n);
            let hint = closest(name, names.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            cx.report(
                *f,
                u.kind.span().start,
                format!("`kind` is `{name}`; {hint}kinds are {}", names.join(", ")),
            );
            continue;
        };
        if u.texts.is_empty() {
            cx.report(
                *f,
                u.kind.span().start,
                "`texts` is empty; give at least one example message",
            );
        }
        for t in &u.texts {
            let text = cx.text(*f, t, "texts");
            if text.is_empty() {
                continue;
            }
            if !seen_utterances.insert(text.clone()) {
                cx.report(
                    *f,
                    t.span().start,
                    format!("message `{text}` is listed twice; keep it under one kind"),
                );
                continue;
            }
            utterances.push(Utterance { kind, text });
        }
    }

    let mut name_words = NameWords::default();
    for (f, w) in &set.name_words {
        if w.kind.get_ref() == "translation" {
            for t in &w.words {
                let text = cx.text(*f, t, "words");
                match text.split_once('=') {
                    Some((zh, en)) if !zh.trim().is_empty() && !en.trim().is_empty() => name_words
                        .translations
                        .push((zh.trim().to_string(), en.trim().to_lowercase())),
                    _ => cx.report(
                        *f,
                        t.span().start,
                        format!("`{text}` is not `中文=english` (e.g. `钢铁=steel`)"),
                    ),
                }
            }
            continue;
        }
        let list = match w.kind.get_ref().as_str() {
            "legal" => &mut name_words.legal,
            "industry" => &mut name_words.industry,
            "not_a_name" => &mut name_words.not_a_name,
            "our_side" => &mut name_words.our_side,
            "title" => &mut name_words.titles,
            "name_stop" => &mut name_words.name_stop,
            "lead" => &mut name_words.leads,
            "not_a_customer" => &mut name_words.not_a_customer,
            "own" => &mut name_words.own,
            kind @ ("surname" | "boundary") => {
                let chars = if kind == "surname" {
                    &mut name_words.surnames
                } else {
                    &mut name_words.boundary
                };
                for t in &w.words {
                    let text = cx.text(*f, t, "words");
                    chars.extend(text.chars().filter(|c| !c.is_whitespace()));
                }
                continue;
            }
            other => {
                cx.report(
                    *f,
                    w.kind.span().start,
                    format!(
                        "`kind` is `{other}`; kinds are legal, industry, own, not_a_name, not_a_customer, our_side, title, surname, name_stop, lead, boundary, translation"
                    ),
                );
                continue;
            }
        };
        for t in &w.words {
            let text = cx.text(*f, t, "words");
            if text.is_empty() {
                continue;
            }
            if text != crate::text::normalize(&text) {
                cx.report(
                    *f,
                    t.span().start,
                    format!(
                        "`{text}` is not normalized; write `{}`",
                        crate::text::normalize(&text)
                    ),
                );
                continue;
            }
            list.push(text);
        }
    }
    // Longest first, so 有限公司 is stripped before 公司.
    name_words
        .legal
        .sort_by_key(|w| std::cmp::Reverse(w.chars().count()));

    let mut message_cues = MessageCues::default();
    for (f, c) in &set.message_cues {
        let patterns = cx.patterns(*f, &c.patterns, "patterns");
        let list = match c.cue.get_ref().as_str() {
            "question" => &mut message_cues.question,
            "reported" => &mut message_cues.reported,
            "request" => &mut message_cues.request,
            "report" => &mut message_cues.report,
            "refers" => &mut message_cues.refers,
            "about_deals" => &mut message_cues.about_deals,
            "help" => &mut message_cues.help,
            "more" => &mut message_cues.more,
            other => {
                cx.report(
                    *f,
                    c.cue.span().start,
                    format!(
                        "`cue` is `{other}`; cues are question, reported, request, report, refers, about_deals, help, more"
                    ),
                );
                continue;
            }
        };
        list.extend(patterns);
    }

    const TOUCHPOINTS: [&str; 8] = [
        "visit", "call", "message", "demo", "survey", "signing", "payment", "lost",
    ];
    let mut touchpoints: Vec<(String, Vec<Regex>)> = Vec::new();
    for (f, t) in &set.touchpoints {
        let kind = t.kind.get_ref().as_str();
        if !TOUCHPOINTS.contains(&kind) {
            let hint = closest(kind, TOUCHPOINTS.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            cx.report(
                *f,
                t.kind.span().start,
                format!(
                    "`kind` is `{kind}`; {hint}kinds are {}",
                    TOUCHPOINTS.join(", ")
                ),
            );
            continue;
        }
        let patterns = cx.patterns(*f, &t.patterns, "patterns");
        touchpoints.push((kind.to_string(), patterns));
    }

    let log_cues = log_cues(&mut cx, &set.log_cues, &name_words);
    let stalls = stalls(&mut cx, &set.stalls, &heads);

    let mut problems = cx.problems;
    if !problems.is_empty() {
        problems.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        problems.dedup();
        return Err(problems);
    }
    let entries = heads.into_iter().map(|h| h.entry).collect();
    Ok(Knowledge::new(
        entries,
        Knowledge {
            synonyms,
            regional,
            words,
            intents,
            man_cues,
            examples,
            utterances,
            name_words,
            message_cues,
            touchpoints,
            log_cues,
            stalls,
            ..Knowledge::default()
        },
    ))
}

/// The drafted stall words: marked drafted, with cues that compile and
/// handbook entries that exist.
fn stalls(cx: &mut Ctx<'_>, raw: &[(usize, RawStall)], heads: &[Head]) -> Vec<Stall> {
    let at: HashMap<&str, usize> = heads
        .iter()
        .enumerate()
        .map(|(i, h)| (h.entry.id.as_str(), i))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (f, r) in raw {
        let id = cx.text(*f, &r.id, "id");
        if !id.starts_with("stall.") {
            cx.report(
                *f,
                r.id.span().start,
                format!("stall id `{id}` must start with `stall.`"),
            );
        }
        if !seen.insert(id.clone()) || at.contains_key(id.as_str()) {
            cx.report(
                *f,
                r.id.span().start,
                format!("duplicate id `{id}`; ids must be unique across all files"),
            );
        }
        if r.source.get_ref() != "drafted" {
            cx.report(
                *f,
                r.source.span().start,
                "stall words are not from the handbook: set `source = \"drafted\"`",
            );
        }
        if r.cues.is_empty() {
            cx.report(
                *f,
                r.id.span().start,
                "`cues` is empty; give at least one pattern",
            );
        }
        let cues = cx.patterns(*f, &r.cues, "cues");
        let mut answers = Vec::new();
        for a in &r.answers {
            let target = a.get_ref().as_str();
            match at.get(target) {
                Some(&i) if heads[i].entry.source.is_handbook() => answers.push(i),
                Some(_) => cx.report(
                    *f,
                    a.span().start,
                    format!("`answers` names `{target}`, which is not from the handbook; name the handbook entry these words open"),
                ),
                None => {
                    let hint = closest(target, at.keys().copied())
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    cx.report(
                        *f,
                        a.span().start,
                        format!("`answers` refers to `{target}`, which no entry defines{hint}"),
                    );
                }
            }
        }
        if r.answers.is_empty() {
            cx.report(
                *f,
                r.id.span().start,
                "`answers` is empty; name the handbook entry these words open",
            );
        }
        // The brief shows the name and the words whole: keep them short.
        for (v, field, max) in [
            (&r.title_zh, "title_zh", 14),
            (&r.title, "title", 48),
            (&r.say, "say", 70),
            (&r.say_en, "say_en", 110),
        ] {
            let n = v.get_ref().chars().count();
            if n > max {
                cx.report(
                    *f,
                    v.span().start,
                    format!(
                        "`{field}` is {n} characters; keep it to {max} so a phone shows it whole"
                    ),
                );
            }
        }
        out.push(Stall {
            id,
            title: cx.text(*f, &r.title, "title"),
            title_zh: cx.text(*f, &r.title_zh, "title_zh"),
            cues,
            answers,
            say: cx.text(*f, &r.say, "say"),
            say_en: cx.text(*f, &r.say_en, "say_en"),
            then: cx.text(*f, &r.then, "then"),
            then_en: cx.text(*f, &r.then_en, "then_en"),
        });
    }
    out
}

/// The visit-note cues, each cue's patterns (checked one by one, for
/// `file:line:col`) joined into one regex, and the person pattern built
/// from the title and surname words.
fn log_cues(cx: &mut Ctx<'_>, raw: &[(usize, RawLogCue)], words: &NameWords) -> LogCues {
    const CUES: [&str; 15] = [
        "visit",
        "plan",
        "negation",
        "yesterday",
        "day_before",
        "role",
        "mode.quick",
        "mode.consultant",
        "mode.strategic",
        "person.en",
        "not_a_person",
        "customer.at",
        "customer.new",
        "customer.en",
        "contact.en",
    ];
    // Cues whose patterns capture a name: kept apart, tried in order.
    const NAMED: [&str; 4] = ["customer.at", "customer.new", "customer.en", "contact.en"];
    let mut named: Vec<(&str, Vec<Regex>)> = NAMED.iter().map(|n| (*n, Vec::new())).collect();
    let mut by_cue: Vec<(String, Vec<String>)> = Vec::new();
    for (f, c) in raw {
        let name = c.cue.get_ref().as_str();
        if !CUES.contains(&name) {
            let hint = closest(name, CUES.iter().copied())
                .map(|x| format!("did you mean `{x}`? "))
                .unwrap_or_default();
            cx.report(
                *f,
                c.cue.span().start,
                format!("`cue` is `{name}`; {hint}cues are {}", CUES.join(", ")),
            );
            continue;
        }
        if let Some((_, list)) = named.iter_mut().find(|(n, _)| *n == name) {
            for p in &c.patterns {
                let Some(r) = cx.pattern(*f, p, "patterns") else {
                    continue;
                };
                if r.capture_names().flatten().any(|g| g == "name") {
                    list.push(r);
                } else {
                    cx.report(
                        *f,
                        p.span().start,
                        format!(
                            "a `{name}` pattern must capture the name in a group `(?P<name>…)`"
                        ),
                    );
                }
            }
            continue;
        }
        let ok: Vec<String> = c
            .patterns
            .iter()
            .filter(|p| cx.pattern(*f, p, "patterns").is_some())
            .map(|p| p.get_ref().clone())
            .collect();
        match by_cue.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.extend(ok),
            None => by_cue.push((name.to_string(), ok)),
        }
    }
    let joined = |name: &str| -> Option<Regex> {
        let (_, pats) = by_cue.iter().find(|(n, _)| n == name)?;
        if pats.is_empty() {
            return None;
        }
        let alt = pats
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        // A negation is anchored at the end of the text before a match.
        let alt = if name == "negation" {
            format!("(?:{alt})")
        } else {
            alt
        };
        Regex::new(&alt).ok()
    };
    let mut titles = words.titles.clone();
    titles.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
    let person = (!titles.is_empty() && !words.surnames.is_empty()).then(|| {
        let surnames: String = words
            .surnames
            .iter()
            .map(|c| regex::escape(&c.to_string()))
            .collect();
        let titles: Vec<String> = titles.iter().map(|t| regex::escape(t)).collect();
        Regex::new(&format!("(小|老)?[{surnames}]({})", titles.join("|"))).ok()
    });
    LogCues {
        visit: joined("visit"),
        plan: joined("plan"),
        negation: joined("negation"),
        yesterday: joined("yesterday"),
        day_before: joined("day_before"),
        role: joined("role"),
        modes: ["mode.strategic", "mode.consultant", "mode.quick"]
            .iter()
            .filter_map(|m| joined(m).map(|r| (m.to_string(), r)))
            .collect(),
        person: person.flatten(),
        person_en: joined("person.en"),
        not_a_person: joined("not_a_person"),
        customer_at: take(&mut named, "customer.at"),
        customer_new: take(&mut named, "customer.new"),
        customer_en: take(&mut named, "customer.en"),
        contact_en: take(&mut named, "contact.en"),
    }
}

fn take(named: &mut [(&str, Vec<Regex>)], name: &str) -> Vec<Regex> {
    named
        .iter_mut()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| std::mem::take(v))
        .unwrap_or_default()
}

/// The known id closest to `target` by edit distance, if close enough.
fn closest<'a>(target: &str, ids: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    ids.map(|id| (crate::text::edit_distance(target, id), id))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, id)| id)
}

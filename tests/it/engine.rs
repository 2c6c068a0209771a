//! The answer engine through its public interface: answer quality on a
//! labelled query set, honest fallbacks, hostile input, reply language and
//! provenance.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ussbot::engine::Engine;
use ussbot::reply::Reply;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let k =
            ussbot::knowledge::load_dir(Path::new("knowledge")).unwrap_or_else(|e| panic!("{e}"));
        Engine::new(Arc::new(k)).expect("engine")
    })
}

fn ask(text: &str) -> Reply {
    engine().answer(text)
}

fn top(text: &str) -> String {
    ask(text)
        .items
        .first()
        .map(|i| i.id.clone())
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct Labelled {
    query: Vec<Query>,
}

#[derive(serde::Deserialize)]
struct Query {
    text: String,
    expect: Vec<String>,
    #[serde(default)]
    area: String,
    #[serde(default)]
    voice: String,
}

/// Rates over a blind labelled set, overall, per area and per voice.
#[derive(Default)]
struct Rates {
    /// (in-scope queries, answered with an expected entry, expected entry
    /// among the first three items or offered choices).
    scope: (usize, usize, usize),
    /// (out-of-scope queries, of them given the honest fallback).
    off: (usize, usize),
    /// Fallbacks given, and of them to out-of-scope queries.
    fallbacks: (usize, usize),
    by_area: std::collections::BTreeMap<String, (usize, usize, usize)>,
    by_voice: std::collections::BTreeMap<String, (usize, usize, usize)>,
}

fn pct(a: usize, n: usize) -> f64 {
    if n == 0 {
        100.0
    } else {
        a as f64 / n as f64 * 100.0
    }
}

/// Measure a blind set. Nothing about single queries is printed.
fn blind(path: &str) -> Rates {
    let text = std::fs::read_to_string(path).expect(path);
    let set: Labelled = toml::from_str(&text).expect("labelled queries parse");
    let mut r = Rates::default();
    for q in &set.query {
        let reply = ask(&q.text);
        let fallback = reply.kind == "none";
        if fallback {
            r.fallbacks.0 += 1;
        }
        if q.expect.is_empty() {
            r.off.0 += 1;
            if fallback {
                r.off.1 += 1;
                r.fallbacks.1 += 1;
            }
            continue;
        }
        let ids: Vec<&str> = reply.items.iter().map(|i| i.id.as_str()).collect();
        let hit = |id: &&str| q.expect.iter().any(|e| e == id);
        let one = reply.kind != "choices" && ids.first().is_some_and(hit);
        let three = ids.iter().take(3).any(hit);
        for slot in [
            &mut r.scope,
            r.by_area.entry(q.area.clone()).or_default(),
            r.by_voice.entry(q.voice.clone()).or_default(),
        ] {
            slot.0 += 1;
            slot.1 += usize::from(one);
            slot.2 += usize::from(three);
        }
    }
    println!(
        "{path}: {} in scope | top-1 {:.1}% | top-3 {:.1}% | out of scope: {} of {} get the fallback ({:.1}%) | fallback precision {:.1}%",
        r.scope.0,
        pct(r.scope.1, r.scope.0),
        pct(r.scope.2, r.scope.0),
        r.off.1,
        r.off.0,
        pct(r.off.1, r.off.0),
        pct(r.fallbacks.1, r.fallbacks.0),
    );
    for (label, map) in [("area", &r.by_area), ("voice", &r.by_voice)] {
        let line: Vec<String> = map
            .iter()
            .map(|(k, (n, one, three))| {
                format!("{k} {:.0}/{:.0}% (n={n})", pct(*one, *n), pct(*three, *n))
            })
            .collect();
        println!("  by {label} (top-1/top-3): {}", line.join(" · "));
    }
    r
}

/// (top-1 %, top-3 %) over a labelled file, printing the misses.
fn quality(path: &str) -> (f64, f64, usize) {
    let text = std::fs::read_to_string(path).expect(path);
    let set: Labelled = toml::from_str(&text).expect("labelled queries parse");
    let (mut top1, mut top3) = (0usize, 0usize);
    let mut misses = Vec::new();
    for q in &set.query {
        let reply = ask(&q.text);
        let ids: Vec<&str> = reply.items.iter().map(|i| i.id.as_str()).collect();
        let hit = |id: &&str| q.expect.iter().any(|e| e == id);
        if ids.first().is_some_and(hit) {
            top1 += 1;
        } else {
            misses.push(format!(
                "{} -> {:?} (want {:?})",
                q.text,
                &ids[..ids.len().min(3)],
                q.expect
            ));
        }
        if ids.iter().take(3).any(hit) {
            top3 += 1;
        }
    }
    let n = set.query.len() as f64;
    let (p1, p3) = (top1 as f64 / n * 100.0, top3 as f64 / n * 100.0);
    println!(
        "{path}: {} queries | top-1 {p1:.1}% | top-3 {p3:.1}%",
        set.query.len()
    );
    // Held-out misses are never printed: they must not be tuned on.
    if !path.contains("holdout") {
        for m in &misses {
            println!("  miss: {m}");
        }
    }
    (p1, p3, set.query.len())
}

#[test]
fn labelled_queries_top1_at_least_90_and_top3_at_least_97_percent() {
    let (p1, p3, n) = quality("tests/data/queries.toml");
    assert!(n >= 120, "at least 120 labelled queries");
    assert!(p1 >= 90.0, "top-1 {p1:.1}% < 90%");
    assert!(p3 >= 97.0, "top-3 {p3:.1}% < 97%");
}

/// A set written apart from the knowledge and never used to tune it: it
/// measures how answers generalize. Its floor is lower than the tuned set's.
#[test]
fn held_out_queries_generalize() {
    let (p1, p3, n) = quality("tests/data/holdout.toml");
    assert!(n >= 60);
    assert!(p1 >= 80.0, "held-out top-1 {p1:.1}% < 80%");
    assert!(p3 >= 90.0, "held-out top-3 {p3:.1}% < 90%");
}

/// A blind held-out half reaches its floors: at least `min` questions in
/// scope, (top-1, top-3, out-of-scope fallback) in percent.
fn assert_blind(path: &str, min: usize, (top1, top3, off_min): (f64, f64, f64)) {
    let r = blind(path);
    let (n, one, three) = r.scope;
    assert!(n >= min, "{n} in-scope held-out questions");
    let (p1, p3) = (pct(one, n), pct(three, n));
    assert!(p1 >= top1, "held-out top-1 {p1:.1}% < {top1}%");
    assert!(p3 >= top3, "held-out top-3 {p3:.1}% < {top3}%");
    let off = pct(r.off.1, r.off.0);
    assert!(
        off >= off_min,
        "out-of-scope fallback {off:.1}% < {off_min}%"
    );
}

/// The blind held-out half: written by someone who saw neither the
/// knowledge nor the code, never tuned on. Only rates are printed.
#[test]
fn blind_held_out_questions_are_answered() {
    assert_blind("tests/data/blind_holdout.toml", 150, BLIND);
}

/// Floors on the blind held-out half (top-1, top-3, out of scope), just
/// under the measured rates (76.4 %, 88.2 %, 88.5 %; see the README's
/// "Answer quality"). The goal is 88 % and 95 %; raise these as the engine
/// gets there, never lower them.
const BLIND: (f64, f64, f64) = (76.0, 88.0, 88.0);

/// The second blind set's held-out half: written like the first, split
/// once, first run before anything was tuned on its tuning half. Only
/// rates are printed.
#[test]
fn second_blind_held_out_questions_are_answered() {
    assert_blind("tests/data/blind2_holdout.toml", 130, BLIND2);
}

/// Floors just under the second held-out half's rates (first run 74.8 %,
/// 79.7 %, 64.3 %; now 78.3 %, 84.6 %, 64.3 %); raise them, never lower
/// them.
const BLIND2: (f64, f64, f64) = (78.0, 84.0, 64.0);

/// Both blind tuning halves with every miss, for studying them by hand:
/// `cargo test --release --test it -- --ignored blind_tuning --nocapture`.
#[test]
#[ignore]
fn blind_tuning_misses() {
    for path in [
        "tests/data/blind_tuning.toml",
        "tests/data/blind2_tuning.toml",
    ] {
        blind(path);
        quality(path);
    }
}

#[test]
fn out_of_scope_messages_get_the_honest_fallback() {
    let text = std::fs::read_to_string("tests/data/out_of_scope.txt").expect("out_of_scope.txt");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r = ask(line);
        assert_eq!(
            r.kind,
            "none",
            "{line:?} answered with {:?}",
            r.items.first()
        );
        assert!(r.items.is_empty(), "{line:?}");
        assert!(
            r.text().contains("/help"),
            "{line:?}: the fallback suggests what to ask"
        );
    }
}

#[test]
fn hostile_input_never_panics_and_gets_a_reply() {
    let long = "太贵".repeat(50_000);
    // (input, the kind of reply a user should get)
    let inputs = [
        ("", "help"),
        ("   ", "help"),
        ("\u{0}\u{1}\u{7}\u{1b}[31m", "none"),
        ("😀😀😀", "none"),
        ("\u{200b}\u{200b}", "none"),
        ("\u{FFFD}\u{FFFD}", "none"),
        // 100,000 characters of an objection still get the objection answer.
        (long.as_str(), "objection"),
        // A command that is no command says which commands there are.
        ("/", "error"),
        ("//////", "error"),
        ("/case", "case"),
        ("((((((", "none"),
        ("M+a+N+x+y", "man"),
    ];
    for (input, kind) in inputs {
        let r = ask(input);
        assert_eq!(r.kind, kind, "{input:?}: {}", r.text());
        let t = r.text();
        assert!(!t.trim().is_empty(), "{input:?} got an empty reply");
        if kind == "error" {
            assert!(t.contains("/case") && t.contains("/help"), "{input:?}: {t}");
        }
    }
}

#[test]
fn the_three_examples_route_to_the_right_kind() {
    assert_eq!(ask("客户说太贵了").kind, "objection");
    assert_eq!(ask("有没有连锁餐饮的案例").kind, "case");
    assert_eq!(top("有没有连锁餐饮的案例"), "case.kfc");
    assert_eq!(ask("怎么让他今天签").kind, "closing");
    assert_eq!(ask("how do I close today").kind, "closing");
}

#[test]
fn a_closing_answer_gives_when_to_use_the_words_to_say_and_alternatives() {
    let r = ask("我想把最后一个顾虑变成签约条件，怎么说");
    assert_eq!(r.items[0].id, "closing.last_obstacle");
    let t = r.text();
    assert!(t.contains("最后障碍法"), "{t}");
    assert!(t.contains("何时使用"), "{t}");
    assert!(
        t.contains("这个问题如果用友解决了"),
        "the example phrase: {t}"
    );
    assert!(t.contains("也可以看看"), "alternatives by name: {t}");
}

#[test]
fn an_objection_answer_names_timing_and_the_six_steps() {
    let r = ask("客户说你们NC太慢了，我现在怎么回？");
    assert_eq!(r.items[0].id, "objection.compensate");
    let t = r.text();
    assert!(t.contains("补偿法"), "{t}");
    assert!(t.contains("暂停 → 询问异议原因"), "{t}");
    assert!(t.contains("安全"), "the compensating benefit: {t}");
}

#[test]
fn a_case_shows_pain_then_what_was_provided_then_results() {
    let t = ask("/case 老板常年在国外").text();
    let pain = t.find("痛点").expect("pain");
    let provided = t.find("我们提供了").expect("provided");
    let result = t.find("结果").expect("results");
    assert!(pain < provided && provided < result, "{t}");
    assert!(t.contains("金鹰"), "{t}");
}

#[test]
fn english_questions_get_english_headings_with_the_chinese_terms() {
    let r = ask("Which closing line is \"if Yonyou solves this, can we sign?\"");
    assert_eq!(r.items[0].id, "closing.last_obstacle");
    let t = r.text();
    assert!(t.contains("When to use"), "{t}");
    assert!(t.contains("最后障碍法"), "Chinese term kept: {t}");
    let zh = ask("最后障碍法怎么用").text();
    assert!(
        zh.contains("何时使用") && !zh.contains("When to use"),
        "{zh}"
    );
}

#[test]
fn traditional_chinese_and_typos_find_the_same_answers() {
    assert_eq!(top("客戶說要再降五個點"), "objection.counter_question");
    assert_eq!(top("有没有连锁餐饮的按例"), "case.kfc");
}

#[test]
fn drafted_content_says_it_is_not_from_the_handbook() {
    let r = ask("帮我起草第三封跟进信");
    assert_eq!(r.items[0].id, "template.followup3", "{}", r.text());
    assert!(r.text().contains("不是手册原文"), "{}", r.text());
    let r = ask("draft the third follow-up letter for me");
    assert_eq!(r.items[0].id, "template.followup3", "{}", r.text());
    assert!(r.text().contains("NOT from the handbook"), "{}", r.text());
    // `/help` with words is still help.
    let help = ask("/help 跟进信模板");
    assert_eq!(help.kind, "help");
    assert!(help.text().contains("/visit"), "{}", help.text());
}

#[test]
fn missing_figures_are_reported_as_missing_not_invented() {
    let r = ask("快刀要求最低几折");
    assert_eq!(r.kind, "missing", "{}", r.text());
    assert!(r.text().contains("手册里没有"), "{}", r.text());
}

#[test]
fn commands_list_restrict_and_explain() {
    let r = ask("/close");
    assert_eq!(r.kind, "closing");
    for m in [
        "直接法",
        "订单法",
        "假设法",
        "选择法",
        "利害分析法",
        "最后障碍法",
        "警戒法",
        "排除法",
        "哀兵法",
    ] {
        assert!(r.text().contains(m), "/close lists {m}");
    }
    assert_eq!(ask("/man M+a+N").items[0].id, "man.yes-no-yes");
    assert_eq!(ask("/case 制造 交货").items[0].id, "case.jieshitong");
    let unknown = ask("/weather 北京");
    assert_eq!(unknown.kind, "error");
    assert!(unknown.error);
    assert!(unknown.text().contains("/weather"), "{}", unknown.text());
    let help = ask("/help");
    assert_eq!(help.kind, "help");
    assert!(help.text().contains("/visit"), "{}", help.text());
}

#[test]
fn json_has_kind_text_and_ranked_items() {
    let r = ask("客户说太贵了");
    let j = r.to_json();
    assert_eq!(j["kind"], "objection");
    assert_eq!(j["text"], r.text());
    let items = j["items"].as_array().expect("items");
    assert!(!items.is_empty());
    for key in ["id", "kind", "title", "title_zh", "score"] {
        assert!(items[0].get(key).is_some(), "item has {key}");
    }
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
}

/// Tuning aid, not a check: `USSBOT_TUNE=FILE cargo test --test it --
/// --ignored tune --nocapture` prints every miss of a tuning file with the
/// candidates the engine weighed. The file is measured in two folds, each
/// against an engine whose examples leave that fold's texts out, so the
/// rate estimates phrasings the examples do not hold. It refuses held-out
/// files.
#[test]
#[ignore]
fn tune() {
    let Ok(path) = std::env::var("USSBOT_TUNE") else {
        return;
    };
    assert!(
        !path.contains("holdout"),
        "held-out sets are measured, never tuned on"
    );
    let text = std::fs::read_to_string(&path).expect("tuning file");
    let set: Labelled = toml::from_str(&text).expect("labelled queries parse");
    let (mut ok, mut one3, mut n_in) = (0, 0, 0);
    for fold in 0..2 {
        let queries: Vec<&Query> = set
            .query
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == fold)
            .map(|(_, q)| q)
            .collect();
        let mut k = ussbot::knowledge::load_dir(Path::new("knowledge")).expect("knowledge");
        k.examples
            .retain(|x| !queries.iter().any(|q| q.text.trim() == x.text));
        let engine = Engine::new(Arc::new(k)).expect("engine");
        for q in queries {
            let r = engine.answer(&q.text);
            let first = r.items.first().map(|i| i.id.as_str()).unwrap_or("");
            let right = if q.expect.is_empty() {
                r.kind == "none"
            } else {
                n_in += 1;
                if r.items.iter().take(3).any(|i| q.expect.contains(&i.id)) {
                    one3 += 1;
                }
                r.kind != "choices" && q.expect.iter().any(|e| e == first)
            };
            if right {
                ok += 1;
                continue;
            }
            let ranking = engine.ranking(&q.text, None);
            let cands: Vec<String> = ranking
                .hits
                .iter()
                .take(4)
                .map(|h| {
                    let e = &engine.knowledge().entries()[h.entry];
                    format!(
                        "{} {:.1}{} x{:.2}",
                        e.id,
                        h.score,
                        if h.triggered { "T" } else { "" },
                        h.example
                    )
                })
                .collect();
            println!(
                "MISS {} | want {:?} | got {} {} | off {:.2} | {}",
                q.text,
                q.expect,
                r.kind,
                first,
                ranking.off_topic,
                cands.join(", ")
            );
        }
    }
    println!(
        "{ok}/{} right; in scope top-3 {one3}/{n_in}",
        set.query.len()
    );
}

/// An entry's name, code or id opens it, inside or outside its command
/// (the examples `/help` gives among them).
#[test]
fn names_codes_and_ids_open_their_entries() {
    for (text, id) in [
        ("/mode 快刀", "mode.quick"),
        ("/man MAN原则", "method.man"),
        ("/stage KA07", "activity.ka07"),
        ("/mode Q2", "visit.q2"),
        ("反问法", "objection.counter_question"),
        ("/close closing.warning", "closing.warning"),
    ] {
        let r = ask(text);
        assert_eq!(
            r.items.first().map(|i| i.id.as_str()),
            Some(id),
            "{text}: {}",
            r.text()
        );
        assert_ne!(r.kind, "choices", "{text}");
    }
}

/// The synthetic knowledge the benchmarks measure (`ussbot-synth`) is valid
/// knowledge of the size asked for, and deterministic.
mod synthetic {
    use ussbot::knowledge::{load_sources, Kind};
    use ussbot_synth::{case_files, labelled_queries, queries, Spec, CASES_PER_FILE};

    fn load(spec: Spec) -> ussbot::knowledge::Knowledge {
        match load_sources(case_files(spec)) {
            Ok(k) => k,
            Err(e) => panic!("generated knowledge does not validate:\n{e}"),
        }
    }

    #[test]
    fn generated_cases_validate_and_count() {
        for n in [1, 7, CASES_PER_FILE + 3] {
            let k = load(Spec::new(n));
            assert_eq!(k.count(Kind::Case), n, "spec of {n} cases");
        }
        let k = load(Spec {
            triggers: true,
            ..Spec::new(50)
        });
        assert_eq!(k.count(Kind::Case), 50);
        assert!(k.entries().iter().all(|e| e.triggers.len() == 1));
    }

    #[test]
    fn files_hold_at_most_the_limit() {
        let files = case_files(Spec::new(2 * CASES_PER_FILE + 1));
        assert_eq!(files.len(), 3);
        for (_, text) in &files {
            assert!(text.matches("[[case]]").count() <= CASES_PER_FILE);
        }
        assert!(case_files(Spec::new(0)).is_empty());
    }

    #[test]
    fn generation_is_deterministic_and_ids_are_numbered() {
        let a = case_files(Spec::new(20));
        let b = case_files(Spec::new(20));
        assert_eq!(a, b);
        let k = load(Spec::new(20));
        assert!(k.get("case.gen-000001").is_some());
        assert!(k.get("case.gen-000020").is_some());
        let other = case_files(Spec {
            seed: 7,
            ..Spec::new(20)
        });
        assert_ne!(a, other);
    }

    #[test]
    fn queries_mix_labelled_and_aimed() {
        let labelled = vec!["太贵了".to_string(), "异意处理有哪几步".to_string()];
        let q = queries(Spec::new(100), &labelled, 10);
        assert_eq!(q.len(), 10);
        assert_eq!(q[0], "太贵了");
        assert_eq!(q[2], "异意处理有哪几步");
        assert!(q.iter().skip(1).step_by(2).all(|s| !labelled.contains(s)));
        let shipped_only = queries(Spec::new(0), &labelled, 5);
        assert_eq!(
            shipped_only,
            [
                "太贵了",
                "异意处理有哪几步",
                "太贵了",
                "异意处理有哪几步",
                "太贵了"
            ]
        );
    }

    #[test]
    fn labelled_queries_read_texts() {
        let text = "[[query]]\ntext = \"太贵了\"\nexpect = [\"objection.counter_question\"]\n";
        assert_eq!(labelled_queries(text).unwrap(), ["太贵了"]);
    }
}

/// No reply a rep reads, for any shipped entry in either language, holds
/// notes meant for the knowledge's editors: the damaged scrape (抓取稿),
/// restoration remarks, file names or knowledge ids.
#[test]
fn replies_hold_no_editor_notes_file_names_or_ids() {
    let id = regex::Regex::new(
        r"\b(case|closing|objection|skill|step|activity|mode|visit|method|man|concept|template|gap|point)\.[a-z0-9_.-]+",
    )
    .expect("pattern");
    let mut leaks = Vec::new();
    for e in engine().knowledge().entries() {
        for lang in [ussbot::engine::Lang::Zh, ussbot::engine::Lang::En] {
            let Some(r) = engine().open(e.id.as_str(), lang) else {
                leaks.push(format!("{} does not open", e.id.as_str()));
                continue;
            };
            let t = format!("{}\n{}", r.text(), r.brief.clone().unwrap_or_default());
            for word in [
                "抓取稿",
                "勘误",
                "已复原",
                "复原",
                ".toml",
                "scrape",
                "。；",
                "；。",
            ] {
                if t.contains(word) {
                    leaks.push(format!("{} ({lang:?}) shows `{word}`", e.id.as_str()));
                }
            }
            if let Some(m) = id.find(&t) {
                leaks.push(format!(
                    "{} ({lang:?}) shows the id `{}`",
                    e.id.as_str(),
                    m.as_str()
                ));
            }
            for n in &e.editor_notes {
                if t.contains(n.as_str()) {
                    leaks.push(format!("{} ({lang:?}) shows an editor note", e.id.as_str()));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

/// Every shipped entry, in both languages, has a brief a rep can glance at
/// mid-call: at most three lines and 200 characters, holding the words to
/// say (closing and objection methods) or the customer and pain (cases),
/// and saying when the content is not from the handbook.
#[test]
fn every_entry_has_a_brief_of_three_short_lines_with_the_words_to_say() {
    use ussbot::knowledge::Body;
    for e in engine().knowledge().entries() {
        for lang in [ussbot::engine::Lang::Zh, ussbot::engine::Lang::En] {
            let r = engine().open(e.id.as_str(), lang).expect("opens");
            let b = r.brief.clone().unwrap_or_default();
            let id = e.id.as_str();
            assert!(!b.trim().is_empty(), "{id} ({lang:?}) has no brief");
            assert!(b.lines().count() <= 3, "{id}: {b}");
            assert!(
                b.chars().count() <= 200,
                "{id}: {} chars: {b}",
                b.chars().count()
            );
            let head = |s: &str| s.chars().take(20).collect::<String>();
            match &e.body {
                Body::Closing(c) => assert!(b.contains(&head(&c.phrase)), "{id}: {b}"),
                Body::Objection(o) => {
                    let rep = o.dialogue.iter().find(|l| !l.speaker.contains("客户"));
                    if let Some(l) = rep {
                        assert!(b.contains(&head(&l.text)), "{id}: {b}");
                    }
                }
                Body::Case(c) => {
                    assert!(
                        b.contains(&head(&c.customer)) && b.contains(&head(&c.pain)),
                        "{id}: {b}"
                    )
                }
                _ => {}
            }
            if !e.source.is_handbook() && !matches!(e.body, Body::Gap(_)) {
                assert!(
                    b.contains("非手册原文") || b.contains("not from the handbook"),
                    "{id}: {b}"
                );
            }
        }
    }
}

#[test]
fn a_stall_gets_drafted_words_to_say_first_marked_as_not_the_handbooks() {
    let r = ask("客户说再想想");
    let brief = r.brief.clone().unwrap_or_default();
    assert!(brief.contains("这样说：“理解"), "{brief}");
    assert!(brief.contains("非手册原文"), "{brief}");
    assert!(brief.lines().count() <= 3, "{brief}");
    // The card is the handbook's entry on objections, the words before it.
    assert!(
        ["concept.objection_causes", "skill.objection"].contains(&r.items[0].id.as_str()),
        "{:?}",
        r.items
    );
    let full = r.text();
    assert!(full.contains("手册依据"), "{full}");
    assert!(full.contains("按手册的思路拟写，不是手册原文"), "{full}");
    // An English stall gets English words.
    let r = ask("the customer wants to think about it");
    let brief = r.brief.clone().unwrap_or_default();
    assert!(
        brief.starts_with("The customer wants to think it over (drafted"),
        "{brief}"
    );
    assert!(brief.contains("Say: \"Of course"), "{brief}");
    // A stall that used to find nothing now gets words.
    let r = ask("要找几家比比");
    assert_ne!(r.kind, "none", "{}", r.text());
    assert!(r.brief.unwrap_or_default().contains("多比较是对公司负责"));
    // A price push keeps the handbook's own words, with nothing drafted.
    let r = ask("客户说太贵了");
    assert_eq!(r.items[0].id, "objection.counter_question");
    assert!(!r.text().contains("拟写"), "{}", r.text());
}

#[test]
fn every_shipped_stall_is_found_by_its_own_name() {
    let e = engine();
    for s in &e.knowledge().stalls {
        let r = ask(&s.title_zh);
        let brief = r.brief.clone().unwrap_or_default();
        assert!(brief.contains(&s.say), "{}: {brief}", s.id);
        let r = ask(&s.title);
        let brief = r.brief.clone().unwrap_or_default();
        assert!(brief.contains(&s.say_en), "{}: {brief}", s.id);
        assert!(brief.chars().count() <= 200, "{}: {brief}", s.id);
        assert!(brief.lines().count() <= 3, "{}: {brief}", s.id);
    }
}

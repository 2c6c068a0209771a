//! The knowledge base: the shipped files validate with the handbook's
//! counts, and each kind of bad file is reported as `path:line:col: …`.

use std::path::Path;

use ussbot::knowledge::{self, Body, Kind, Source};

fn problems(dir: &str) -> Vec<String> {
    match knowledge::load_dir(Path::new(dir)) {
        Ok(_) => panic!("{dir} should not validate"),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn shipped_knowledge_validates_with_the_handbooks_counts() {
    let k = knowledge::load_dir(Path::new("knowledge")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(k.count(Kind::Case), 4, "reference cases");
    assert_eq!(k.count(Kind::Closing), 9, "closing methods");
    assert_eq!(k.count(Kind::Objection), 4, "objection methods");
    assert_eq!(k.count(Kind::Skill), 7, "selling skills");
    assert_eq!(k.count(Kind::Step), 5, "core steps");
    assert_eq!(k.count(Kind::Activity), 15, "key activities");
    assert_eq!(k.count(Kind::Mode), 3, "modes");
    assert_eq!(k.count(Kind::SellingPoint), 2, "selling points");
    assert_eq!(k.count(Kind::Visit), 8, "numbered visits (Q1-Q3, G1-G5)");
    assert_eq!(k.count(Kind::Man), 8, "MAN combinations");
}

#[test]
fn every_entry_has_english_title_summary_and_keywords() {
    let k = knowledge::load_dir(Path::new("knowledge")).unwrap_or_else(|e| panic!("{e}"));
    for e in k.entries() {
        assert!(
            e.title.is_ascii() || e.title.chars().any(|c| c.is_ascii_alphabetic()),
            "{}: English title",
            e.id
        );
        assert!(
            e.summary.chars().any(|c| c.is_ascii_alphabetic()),
            "{}: English summary",
            e.id
        );
        assert!(
            e.keywords
                .iter()
                .any(|w| w.chars().any(|c| c.is_ascii_alphabetic())),
            "{}: English keywords",
            e.id
        );
    }
}

#[test]
fn case_four_keeps_the_sources_contradiction_visible() {
    let k = knowledge::load_dir(Path::new("knowledge")).unwrap();
    let e = k.get("case.jieshitong").expect("case.jieshitong");
    let Body::Case(c) = &e.body else {
        panic!("not a case")
    };
    let names: Vec<&str> = c.contacts.iter().map(|p| p.name.as_str()).collect();
    assert!(names.iter().any(|n| n.contains('孙')), "{names:?}");
    assert!(names.iter().any(|n| n.contains('陈')), "{names:?}");
    assert!(
        e.notes.iter().any(|n| n.contains('孙') && n.contains('陈')),
        "{:?}",
        e.notes
    );
}

#[test]
fn content_not_from_the_handbook_is_marked() {
    let k = knowledge::load_dir(Path::new("knowledge")).unwrap();
    for e in k.of_kind(Kind::Template) {
        assert_eq!(e.source, Source::Drafted, "{}", e.id);
    }
    let external = k
        .of_kind(Kind::Man)
        .filter(|e| e.source == Source::External)
        .count();
    assert_eq!(external, 4, "the four MAN combinations the handbook lacks");
    for id in [
        "template.followup1",
        "template.visit_checklist",
        "template.opportunity_form",
    ] {
        assert!(k.get(id).is_some(), "{id} drafted");
    }
}

#[test]
fn syntax_error_is_reported_with_its_position() {
    assert_eq!(
        problems("tests/fixtures/syntax"),
        vec!["tests/fixtures/syntax/closing.toml:4:16: TOML syntax error: invalid basic string, expected `\"`"]
    );
}

#[test]
fn unknown_field_is_reported_at_the_key() {
    assert_eq!(
        problems("tests/fixtures/unknown_field"),
        vec!["tests/fixtures/unknown_field/closing.toml:9:1: in [[closing]]: unknown field `phrse`, expected one of `id`, `title`, `title_zh`, `summary`, `summary_zh`, `keywords`, `triggers`, `source`, `related`, `notes`, `editor_notes`, `definition`, `when_to_use`, `phrase`; remove it or fix its spelling"]
    );
}

#[test]
fn missing_field_is_reported_at_the_entry() {
    assert_eq!(
        problems("tests/fixtures/missing_field"),
        vec!["tests/fixtures/missing_field/closing.toml:1:1: in [[closing]]: missing field `when_to_use`; add it to this entry"]
    );
}

#[test]
fn duplicate_id_names_both_places() {
    assert_eq!(
        problems("tests/fixtures/duplicate_id"),
        vec!["tests/fixtures/duplicate_id/b.toml:11:6: duplicate id `closing.direct`, first defined at tests/fixtures/duplicate_id/a.toml:2:6; ids must be unique across all files"]
    );
}

#[test]
fn dangling_reference_suggests_the_closest_id() {
    assert_eq!(
        problems("tests/fixtures/bad_reference"),
        vec!["tests/fixtures/bad_reference/closing.toml:6:12: `related` refers to `closing.ordr`, which no entry defines; did you mean `closing.order`?"]
    );
}

#[test]
fn invalid_trigger_pattern_is_reported_at_the_pattern() {
    assert_eq!(
        problems("tests/fixtures/bad_pattern"),
        vec!["tests/fixtures/bad_pattern/closing.toml:6:24: invalid pattern in `triggers`: error: unclosed group; see the regex crate's syntax (no look-around)"]
    );
}

#[test]
fn empty_required_text_is_reported() {
    assert_eq!(
        problems("tests/fixtures/empty_text"),
        vec!["tests/fixtures/empty_text/closing.toml:7:15: `when_to_use` is empty; write the text or remove the entry"]
    );
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let p = problems("tests/fixtures/many");
    assert_eq!(p.len(), 4, "{p:#?}");
    assert!(
        p[0].starts_with("tests/fixtures/many/a.toml:9:1: in [[closing]]: unknown field `phrse`"),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("tests/fixtures/many/b.toml:6:13: invalid pattern")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("tests/fixtures/many/b.toml:7:15: `when_to_use` is empty")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("tests/fixtures/many/b.toml:14:3: unknown table `widget`")),
        "{p:#?}"
    );
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let p = problems("tests/fixtures/does-not-exist");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].contains("cannot read the knowledge directory"),
        "{}",
        p[0]
    );
}

/// The vocabulary the deal understanding reads by is checked like every
/// other pattern: a bad cue, touchpoint or visit-note pattern, or an
/// unknown cue name, is an error at its place, not a cue that never fires.
#[test]
fn bad_cues_and_name_words_are_check_errors_at_their_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("cues.toml"),
        "[[log_cue]]\ncue = \"plan\"\npatterns = [\"下周(\"]\n\n\
         [[log_cue]]\ncue = \"plann\"\npatterns = [\"明天\"]\n\n\
         [[touchpoint]]\nkind = \"call\"\npatterns = [\"电话[\"]\n\n\
         [[message_cue]]\ncue = \"question\"\npatterns = [\"怎么(\"]\n\n\
         [[name_words]]\nkind = \"industry\"\nwords = [\"钢铁\", \"Steel\"]\n\n\
         [[utterance]]\nkind = \"lg\"\ntexts = [\"拜访了{客户}\"]\n\n\
         [[log_cue]]\ncue = \"customer.en\"\npatterns = [\"visited ([A-Z]\\\\w+)\"]\n\n\
         [[regional]]\nwords = [\"睇=看\", \"冇没有\"]\n",
    )
    .expect("write");
    let err = ussbot::knowledge::load_dir(dir.path()).expect_err("refused");
    let text = err.to_string();
    for want in [
        "cues.toml:3:13: invalid pattern in `patterns`",
        "cues.toml:6:7: `cue` is `plann`; did you mean `plan`?",
        "cues.toml:11:13: invalid pattern in `patterns`",
        "cues.toml:15:13: invalid pattern in `patterns`",
        "cues.toml:19:16: `Steel` is not normalized; write `steel`",
        "cues.toml:22:8: `kind` is `lg`; did you mean `log`?",
        "cues.toml:27:13: a `customer.en` pattern must capture the name in a group `(?P<name>…)`",
        "cues.toml:30:17: `冇没有` is not `regional=普通话` (e.g. `睇=看`)",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
}

/// `load_dir` on a thread, failing the test if it has not returned within
/// ten seconds (a blocked or endless read), else its problems.
fn problems_in_time(dir: &Path) -> Vec<String> {
    let dir = dir.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = knowledge::load_dir(&dir).map(|_| ());
        let _ = tx.send(r);
    });
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(Ok(())) => panic!("should not validate"),
        Ok(Err(e)) => e.problems.iter().map(|p| p.to_string()).collect(),
        Err(_) => panic!("loading did not end within 10 s"),
    }
}

/// A copy of the shipped knowledge in a temp dir, to add a bad file to.
fn shipped_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for e in std::fs::read_dir("knowledge").expect("knowledge") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
    }
    dir
}

#[test]
fn a_fifo_or_a_device_as_a_knowledge_file_is_refused_unread() {
    let dir = shipped_copy();
    let fifo = dir.path().join("x.toml");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).expect("symlink");
    let p = problems_in_time(dir.path());
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(
        p.iter().any(|s| s.ends_with(
            "x.toml:1:1: not a regular file; a knowledge file must be a plain .toml file"
        )),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|s| s.contains("zero.toml:1:1: not a regular file")),
        "{p:#?}"
    );
}

#[test]
fn knowledge_files_are_size_limited_one_by_one_and_together() {
    let dir = shipped_copy();
    let big = std::fs::File::create(dir.path().join("big.toml")).expect("create");
    big.set_len(5 * 1024 * 1024).expect("sparse 5 MiB");
    let p = problems_in_time(dir.path());
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("big.toml:1:1: the file is 5.0 MiB and the limit is 4.0 MiB"),
        "{p:#?}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..10 {
        let f = std::fs::File::create(dir.path().join(format!("part{i}.toml"))).expect("create");
        f.set_len(3 * 1024 * 1024 + 512 * 1024)
            .expect("sparse 3.5 MiB");
    }
    let p = problems_in_time(dir.path());
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("part9.toml:1:1: the knowledge files together are over the limit of 32 MiB"),
        "{p:#?}"
    );
}

/// A decision-maker who has signed off is authority reached; one the
/// contact still has to wait for is not (the two used to read the same).
#[test]
fn man_cues_tell_an_approval_given_from_one_awaited() {
    let k = knowledge::load_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge")))
        .expect("shipped knowledge loads");
    let authority = |text: &str| k.man_signals(text)[1];
    for given in [
        "说董事长批了 可以进商务谈判了",
        "老板拍板了",
        "张总自己说了算",
    ] {
        assert_eq!(authority(given), Some(true), "{given}");
    }
    for awaited in ["要等董事会批", "预算 ok 但要等 board", "还得请示老板"] {
        assert_eq!(authority(awaited), Some(false), "{awaited}");
    }
}

/// English contractions read as typed: normalizing turns the apostrophe
/// into a space ("isn t", "budget s"), and the MAN cues still read them.
#[test]
fn man_cues_read_english_contractions() {
    let k = knowledge::load_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge")))
        .expect("shipped knowledge loads");
    let n = ussbot::text::Normalizer::new().expect("normalizer");
    let man = |text: &str| k.man_signals(&n.normalize(text));
    assert_eq!(man("the budget isn't approved yet")[0], Some(false));
    assert_eq!(man("budget's approved")[0], Some(true));
    assert_eq!(man("he can't decide, the board does")[1], Some(false));
    assert_eq!(man("it's his call")[1], Some(true));
    assert_eq!(man("there's a real need for it")[2], Some(true));
    assert_eq!(man("they don't need it")[2], Some(false));
}

#[test]
fn a_stall_not_marked_drafted_with_a_bad_cue_or_answer_is_reported_at_each() {
    assert_eq!(
        problems("tests/fixtures/bad_stall"),
        vec![
            "tests/fixtures/bad_stall/stalls.toml:5:10: stall words are not from the handbook: set `source = \"drafted\"`",
            "tests/fixtures/bad_stall/stalls.toml:6:9: invalid pattern in `cues`: error: unclosed group; see the regex crate's syntax (no look-around)",
            "tests/fixtures/bad_stall/stalls.toml:7:12: `answers` refers to `closing.drect`, which no entry defines; did you mean `closing.direct`?",
        ]
    );
}

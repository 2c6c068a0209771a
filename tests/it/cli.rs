//! The command line as a user runs it: `check`, `ask`, `chat` (piped, with
//! hostile input), configuration errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary, never reaching for Discord.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ussbot"));
    c.env_remove("DISCORD_TOKEN");
    c
}

/// The binary on the shipped knowledge and a data directory.
fn ussbot(data: &std::path::Path) -> Command {
    let mut c = bin();
    c.arg("--knowledge")
        .arg("knowledge")
        .arg("--data")
        .arg(data);
    c
}

fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ussbot");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_prints_one_summary_line_with_counts_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let o = ussbot(dir.path()).arg("check").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    for part in [
        "4 case",
        "9 closing",
        "4 objection",
        "7 skill",
        "5 step",
        "15 activity",
        "3 mode",
    ] {
        assert!(out.contains(part), "summary has `{part}`: {out}");
    }
}

#[test]
fn check_lists_every_problem_with_its_location_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["--knowledge", "tests/fixtures/many", "--data"])
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("tests/fixtures/many/a.toml:9:1: in [[closing]]: unknown field `phrse`"),
        "{err}"
    );
    assert!(
        err.contains("tests/fixtures/many/b.toml:6:13: invalid pattern"),
        "{err}"
    );
    assert!(err.contains("4 problem(s) found"), "{err}");
}

#[test]
fn the_bot_refuses_to_start_on_invalid_knowledge() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["--knowledge", "tests/fixtures/bad_pattern", "--data"])
        .arg(dir.path())
        .args(["ask", "hello"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("closing.toml:6:24: invalid pattern"), "{err}");
    assert!(err.contains("does not start on invalid knowledge"), "{err}");
}

#[test]
fn ask_json_prints_kind_brief_text_and_items() {
    let dir = tempfile::tempdir().unwrap();
    let o = ussbot(dir.path())
        .args(["ask", "--json", "客户说太贵了"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    assert_eq!(v["kind"], "objection");
    assert_eq!(v["items"][0]["id"], "objection.counter_question");
    assert!(v["text"].as_str().unwrap().contains("反问法"));
    // The brief beside the full text: the words to say, in three lines.
    let brief = v["brief"].as_str().expect("a brief");
    assert!(
        brief.contains("这样说") && brief.lines().count() <= 3,
        "{brief}"
    );
    assert!(
        v["text"].as_str().unwrap().contains("时机与步骤"),
        "text is the full card"
    );
}

#[test]
fn piped_chat_answers_every_line_and_survives_hostile_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = Vec::new();
    input.extend_from_slice("客户说太贵了\n".as_bytes());
    input.extend_from_slice(b"\xed\xa0\x80 lone surrogate bytes \xff\xfe\n");
    input.extend_from_slice("\u{0}\u{7}\u{1b}[2J\n".as_bytes());
    input.extend_from_slice("😀\n".as_bytes());
    input.extend_from_slice("天气怎么样\n".as_bytes());
    input.extend_from_slice("太贵".repeat(50_000).as_bytes());
    input.push(b'\n');
    input.extend_from_slice("有没有连锁餐饮的案例\n".as_bytes());
    let o = run_with_stdin(
        ussbot(dir.path()).args(["chat", "--json", "--user", "t1"]),
        &input,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let replies: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(replies.len(), 7, "one reply per non-empty line");
    assert_eq!(replies[0]["kind"], "objection");
    assert!(
        ["none", "unsupported"].contains(&replies[4]["kind"].as_str().unwrap_or("")),
        "weather gets an honest \"not mine to answer\": {}",
        replies[4]
    );
    assert_eq!(
        replies[5]["kind"], "objection",
        "100,000 characters still answered"
    );
    assert_eq!(
        replies[6]["kind"], "case",
        "chat keeps going after bad input"
    );
    assert_eq!(replies[6]["items"][0]["id"], "case.kfc");
}

/// `export` prints the whole export on stdout (it is written to memory
/// first, so no stdout lock is held while it reads the store) and `import`
/// of that output restores it.
#[test]
fn export_prints_every_deal_and_import_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for note in [
        "/visit 金鹰国际 见了小王总，确认了需求范围",
        "/visit \"Acme Corp\" met John, discussed their needs",
    ] {
        let o = ussbot(&data)
            .args(["ask", "--user", "alice", note])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = ussbot(&data)
        .args(["export", "--user", "alice", "--format", "csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    assert_eq!(
        csv.lines().count(),
        3,
        "header and one row per visit: {csv}"
    );
    assert!(
        csv.contains("金鹰国际") && csv.contains("Acme Corp"),
        "{csv}"
    );

    let o = ussbot(&data)
        .args(["export", "--user", "alice"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.path().join("alice.json");
    std::fs::write(&file, &o.stdout).unwrap();
    let o = ussbot(&dir.path().join("other"))
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("imported 2 deal(s) with 2 visit(s) for 1 user(s)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_bad_config_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[deals]\nstale_days = 7\nstale_dayz = 3\n").unwrap();
    let o = bin()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml:3:1: unknown field `stale_dayz`"),
        "{err}"
    );
}

/// Regression: semantic config errors were located with `text.find(key)`,
/// so they pointed at the first comment or other text naming the key.
#[test]
fn a_config_error_names_the_line_of_the_field_not_a_comment_that_mentions_it() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str| {
        let cfg = dir.path().join(name);
        std::fs::write(&cfg, text).unwrap();
        let o = bin()
            .arg("--config")
            .arg(&cfg)
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        stderr(&o)
    };

    let err = check(
        "small.toml",
        "[knowledge]\ndir = \"stale_days\"\n\n[deals]\n# stale_days = 0 is refused\nstale_days = 0\n",
    );
    assert!(
        err.contains("small.toml:6:14: `deals.stale_days` must be at least 1"),
        "{err}"
    );

    // The shipped file, with an empty prefix: `prefix` is also named in the
    // comment on message_content, several lines above the key.
    let shipped = std::fs::read_to_string("config.toml").unwrap();
    let text = shipped.replace("prefix = \"!ussbot\"", "prefix = \" \"");
    assert_ne!(text, shipped);
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("prefix ="))
        .unwrap();
    let err = check("shipped.toml", &text);
    assert!(
        err.contains(&format!(
            "shipped.toml:{line}:10: `discord.prefix` must not be empty"
        )),
        "{err}"
    );
}

#[test]
fn the_shipped_config_is_valid_and_matches_the_defaults() {
    let text = std::fs::read_to_string("config.toml").unwrap();
    let parsed = ussbot::config::Config::parse(std::path::Path::new("config.toml"), &text).unwrap();
    assert_eq!(parsed, ussbot::config::Config::default());
}

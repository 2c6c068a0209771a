//! Backups as a user makes them, with the real binary on real sled in temp
//! directories: import merges and never destroys, `--user` and
//! `--dry-run`, visit numbers from a file, CSV cells a spreadsheet would
//! run, byte-order marks, exports of unknown users, exports while the chat
//! runs, and what the chat prints to a terminal.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ussbot(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ussbot"));
    c.env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG")
        .arg("--knowledge")
        .arg("knowledge")
        .arg("--data")
        .arg(data);
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `ask --user USER NOTE`, which must succeed.
fn ask(data: &Path, user: &str, note: &str) -> String {
    let o = ussbot(data)
        .args(["ask", "--user", user, note])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn export_output(data: &Path, user: &str, format: &str) -> Output {
    ussbot(data)
        .args(["export", "--user", user, "--format", format])
        .output()
        .unwrap()
}

/// The JSON export of `user`, which must succeed.
fn export(data: &Path, user: &str) -> serde_json::Value {
    let o = export_output(data, user, "json");
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("export is JSON")
}

fn import(data: &Path, file: &Path, args: &[&str]) -> Output {
    ussbot(data)
        .arg("import")
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

/// The raw texts of every visit of every deal of the export's first user.
fn visit_texts(export: &serde_json::Value) -> Vec<String> {
    export["users"][0]["deals"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["visits"].as_array().cloned().unwrap_or_default())
        .map(|v| v["raw"].as_str().unwrap_or("").to_string())
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn importing_an_older_backup_into_the_live_store_keeps_every_visit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ask(&data, "alice", "/visit 金鹰国际 见了小王总，确认了需求范围");
    let backup = serde_json::to_vec(&export(&data, "alice")).unwrap();
    let file = write(dir.path(), "old.json", &backup);
    ask(&data, "alice", "/visit 金鹰国际 做了方案呈现");
    ask(&data, "alice", "/mode 金鹰 顾问");
    ask(&data, "alice", "/visit 金鹰国际 给王总打了电话");

    let o = import(&data, &file, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary = text(&o.stdout);
    assert!(
        summary
            .contains("terminal:alice: 0 new deal(s) added; 0 visit(s) added, 1 already here kept"),
        "{summary}"
    );
    assert!(summary.contains("keep their own fields"), "{summary}");
    let after = export(&data, "alice");
    assert_eq!(visit_texts(&after).len(), 3, "{after}");
    let deal = &after["users"][0]["deals"][0];
    assert_eq!(
        deal["mode"]["chosen"], true,
        "the live /mode is kept: {deal}"
    );
}

#[test]
fn a_backup_from_elsewhere_adds_only_what_the_store_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let (live, other) = (dir.path().join("live"), dir.path().join("other"));
    ask(&live, "alice", "/visit 金鹰国际 见了小王总，确认了需求范围");
    let shared = serde_json::to_vec(&export(&live, "alice")).unwrap();
    // The same deal elsewhere, with one more visit, and a new deal.
    let file = write(dir.path(), "shared.json", &shared);
    assert!(import(&other, &file, &[]).status.success());
    ask(&other, "alice", "/visit 金鹰国际 做了方案呈现");
    ask(&other, "alice", "/visit \"Acme Corp\" met John");
    let file = write(
        dir.path(),
        "other.json",
        &serde_json::to_vec(&export(&other, "alice")).unwrap(),
    );
    ask(&live, "alice", "/visit 金鹰国际 给王总打了电话");

    let o = import(&live, &file, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary = text(&o.stdout);
    assert!(
        summary
            .contains("terminal:alice: 1 new deal(s) added; 2 visit(s) added, 1 already here kept"),
        "{summary}"
    );
    let mut texts = visit_texts(&export(&live, "alice"));
    texts.sort();
    assert_eq!(texts.len(), 4, "{texts:?}");
    for t in ["见了小王总", "做了方案呈现", "met John", "给王总打了电话"] {
        assert!(texts.iter().any(|x| x.contains(t)), "{t}: {texts:?}");
    }
}

#[test]
fn a_dry_run_says_what_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (live, other) = (dir.path().join("live"), dir.path().join("other"));
    ask(&live, "alice", "/visit 金鹰国际 见了小王总");
    ask(&other, "alice", "/visit \"Acme Corp\" met John");
    let file = write(
        dir.path(),
        "b.json",
        &serde_json::to_vec(&export(&other, "alice")).unwrap(),
    );
    let before = export(&live, "alice")["users"].clone();

    let o = import(&live, &file, &["--dry-run"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout)
            .contains("dry run, nothing written: would import 1 deal(s) with 1 visit(s)"),
        "{}",
        text(&o.stdout)
    );
    let after = export(&live, "alice");
    assert_eq!(visit_texts(&after).len(), 1);
    assert_eq!(after["users"], before, "the store is as it was");
}

#[test]
fn import_user_takes_one_owner_and_reports_the_others_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ask(&src, "alice", "/visit 金鹰国际 见了小王总");
    ask(&src, "bob", "/visit 华联超市 做了开场白");
    let mut both = export(&src, "alice");
    let bob = export(&src, "bob");
    both["users"]
        .as_array_mut()
        .unwrap()
        .push(bob["users"][0].clone());
    let file = write(dir.path(), "both.json", &serde_json::to_vec(&both).unwrap());

    let live = dir.path().join("live");
    let o = import(&live, &file, &["--user", "alice"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("skipped terminal:bob: 1 deal(s)"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(visit_texts(&export(&live, "alice")).len(), 1);
    let o = export_output(&live, "bob", "json");
    assert!(!o.status.success(), "bob was not imported");
}

/// A visit numbered 2^64-1 in a file does not wrap the store's counter:
/// it is renumbered, and `/undo` after a new log removes the new visit.
#[test]
fn a_visit_numbered_at_the_top_is_renumbered_and_undo_removes_the_newest_log() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ask(&src, "alice", "/visit 金鹰国际 见了小王总，确认了需求范围");
    let mut doc = export(&src, "alice");
    doc["users"][0]["deals"][0]["visits"][0]["seq"] = serde_json::json!(u64::MAX);
    let file = write(dir.path(), "top.json", &serde_json::to_vec(&doc).unwrap());

    let live = dir.path().join("live");
    let o = import(&live, &file, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("1 visit(s) given new numbers"),
        "{}",
        text(&o.stdout)
    );
    ask(&live, "alice", "/visit 金鹰国际 做了方案呈现");
    let undo = ask(&live, "alice", "/undo");
    assert!(
        undo.contains("做了方案呈现"),
        "it offers the new log: {undo}"
    );
    let done = ask(&live, "alice", "1");
    assert!(done.contains("已撤销"), "{done}");
    let texts = visit_texts(&export(&live, "alice"));
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("确认了需求范围"), "{texts:?}");
}

#[test]
fn csv_cells_a_spreadsheet_would_run_are_escaped_and_come_back_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ask(&src, "alice", "/visit \"=HYPERLINK(1)\" 见了王总");
    ask(&src, "alice", "/visit \"@SUM(1+1)\" -报价被砍 +2");
    ask(&src, "alice", "/visit \"'quoted\" 见了李总");
    let o = export_output(&src, "alice", "csv");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = text(&o.stdout);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let mut cells = 0;
    for row in r.records() {
        for cell in row.unwrap().iter() {
            cells += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "cell `{cell}` would run in a spreadsheet: {csv}"
            );
        }
    }
    assert!(cells > 0);
    assert!(csv.contains("'=HYPERLINK(1)"), "{csv}");

    let file = write(dir.path(), "a.csv", csv.as_bytes());
    let back = dir.path().join("back");
    let o = import(&back, &file, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let names = |v: &serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> = v["users"][0]["deals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["customer"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let (a, b) = (export(&src, "alice"), export(&back, "alice"));
    assert_eq!(names(&a), names(&b));
    assert!(
        names(&b).contains(&"'quoted".to_string()),
        "{:?}",
        names(&b)
    );
    let (mut ta, mut tb) = (visit_texts(&a), visit_texts(&b));
    ta.sort();
    tb.sort();
    assert_eq!(ta, tb);
    assert!(ta.iter().any(|t| t.contains("-报价被砍 +2")), "{ta:?}");
}

#[test]
fn a_backup_with_a_byte_order_mark_imports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ask(&src, "alice", "/visit 金鹰国际 见了小王总");
    for format in ["json", "csv"] {
        let o = export_output(&src, "alice", format);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        bytes.extend_from_slice(&o.stdout);
        let file = write(dir.path(), &format!("bom.{format}"), &bytes);
        let to = dir.path().join(format);
        let o = import(&to, &file, &[]);
        assert!(o.status.success(), "{format}: {}", text(&o.stderr));
        assert_eq!(visit_texts(&export(&to, "alice")).len(), 1, "{format}");
    }
}

#[test]
fn exporting_a_user_without_deals_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ask(&data, "alice", "/visit 金鹰国际 见了小王总");
    let o = export_output(&data, "alcie", "json");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("terminal:alcie has no deals"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty());
}

/// A piped chat on `data`, its stdin kept open.
struct Chat {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Chat {
    fn start(data: &Path, user: &str) -> Chat {
        let mut child = ussbot(data)
            .args(["chat", "--user", user])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Chat { child, out }
    }

    /// Send a line and read its reply (up to the blank line after it).
    fn say(&mut self, line: &str) -> String {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let mut reply = String::new();
        loop {
            let mut l = String::new();
            if self.out.read_line(&mut l).unwrap() == 0 || l == "\n" {
                return reply;
            }
            reply.push_str(&l);
        }
    }

    /// Close stdin and wait for the chat to end.
    fn end(mut self) -> (std::process::ExitStatus, String) {
        drop(self.child.stdin.take());
        let o = self.child.wait_with_output().unwrap();
        (o.status, text(&o.stderr))
    }
}

#[test]
fn export_works_while_the_chat_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut chat = Chat::start(&data, "alice");
    let reply = chat.say("/visit 金鹰国际 见了小王总，确认了需求范围");
    assert!(reply.contains("金鹰国际"), "{reply}");
    let sock = data.join("ussbot.sock");
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only the owner may ask for exports");

    let o = export_output(&data, "alice", "json");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        visit_texts(&doc)[0].contains("确认了需求范围"),
        "the acknowledged visit is in the export: {doc}"
    );
    let o = export_output(&data, "bob", "csv");
    assert_eq!(o.status.code(), Some(1), "a user without deals, live too");

    let (status, _) = chat.end();
    assert!(status.success());
    assert!(!sock.exists(), "the socket is removed on a clean exit");
}

/// A socket left by a killed chat is replaced, with a warning in the log;
/// piped stderr gets no colour escapes.
#[test]
fn a_stale_socket_is_replaced_and_piped_logs_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ask(&data, "alice", "/visit 金鹰国际 见了小王总");
    drop(std::os::unix::net::UnixListener::bind(data.join("ussbot.sock")).unwrap());

    let mut chat = Chat::start(&data, "alice");
    chat.say("/deals");
    let o = export_output(&data, "alice", "json");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (status, stderr) = chat.end();
    assert!(status.success());
    assert!(
        stderr.contains("replacing a socket left by a ussbot"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("\x1b["),
        "colour codes in a pipe: {stderr:?}"
    );
}

#[test]
fn control_characters_and_bidi_overrides_in_names_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut chat = Chat::start(&data, "alice");
    let reply = chat.say("/visit \"金鹰\x1b[31m国际\u{202e}\x07\" 见了王总");
    let reply2 = chat.say("/deals");
    chat.end();
    for r in [&reply, &reply2] {
        assert!(
            !r.contains(['\x1b', '\x07', '\u{202e}']),
            "raw control characters: {r:?}"
        );
    }
    assert!(
        reply.contains("金鹰<U+001B>[31m国际<U+202E><U+0007>"),
        "{reply:?}"
    );
}

/// A store on a read-only file system is exported from a copy. The
/// read-only bind mount is made in a private user and mount namespace
/// (`unshare -rm`), so no root is needed; where namespaces are not
/// allowed, the test says so and checks nothing.
#[test]
fn a_store_on_a_read_only_file_system_is_exported_from_a_copy() {
    if !Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: `unshare -rm` is not allowed here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (data, ro) = (dir.path().join("data"), dir.path().join("ro"));
    ask(&data, "alice", "/visit 金鹰国际 见了小王总，确认了需求范围");
    std::fs::create_dir(&ro).unwrap();
    let script = format!(
        "mount --bind '{d}' '{r}' && mount -o remount,bind,ro '{r}' && exec '{b}' --knowledge knowledge --data '{r}' export --user alice",
        d = data.display(),
        r = ro.display(),
        b = env!("CARGO_BIN_EXE_ussbot"),
    );
    let o = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("exporting from a copy"),
        "{}",
        text(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(visit_texts(&doc)[0].contains("确认了需求范围"), "{doc}");
}

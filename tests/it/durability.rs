//! Durability and start-up failures, against the real `ussbot` binary.
//!
//! - A visit acknowledged by `chat --json` is on disk: SIGKILL the process
//!   in the middle of a stream of visit logs, reopen the store, and every
//!   acknowledged visit is there.
//! - A locked or corrupt data directory makes the binary exit non-zero with
//!   a clear message, not panic and not start on an empty store.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use ussbot::deals::DealStore;
use ussbot::storage::open_sled;
use ussbot::user::UserKey;

fn ussbot(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ussbot"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    c.current_dir(root)
        .arg("--data")
        .arg(data)
        .arg("--knowledge")
        .arg(root.join("knowledge"));
    c
}

#[tokio::test]
async fn every_acknowledged_visit_survives_sigkill() {
    const SENT: usize = 300;
    const KILL_AFTER: usize = 60;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut child = ussbot(&data)
        .args(["chat", "--json", "--user", "u1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ussbot");

    // Queue the whole stream at once so visits are in flight when the kill lands.
    let lines: Vec<String> = (0..SENT)
        .map(|i| format!("/visit 客户{} 第{i}次拜访，聊了需求", i % 7))
        .collect();
    let mut stdin = child.stdin.take().expect("stdin");
    let to_send = lines.clone();
    let writer = std::thread::spawn(move || {
        for l in to_send {
            if writeln!(stdin, "{l}").is_err() {
                return; // the process is gone
            }
        }
        // Keep stdin open: end of input would let the process exit cleanly.
        std::mem::forget(stdin);
    });

    let stdout = child.stdout.take().expect("stdout");
    let mut acked = Vec::new();
    for (i, line) in BufReader::new(stdout).lines().enumerate() {
        let line = line.expect("read reply");
        let reply: serde_json::Value =
            serde_json::from_str(&line).expect("one JSON reply per line");
        assert_eq!(reply["kind"], "visit_logged", "reply {i}: {line}");
        acked.push(lines[i].clone());
        if acked.len() == KILL_AFTER {
            child.kill().expect("SIGKILL");
            break;
        }
    }
    child.wait().expect("reap");
    let _ = writer.join();
    assert_eq!(
        acked.len(),
        KILL_AFTER,
        "the bot stopped acknowledging early"
    );

    let store = open_sled(&data).expect("reopen after SIGKILL");
    let user = UserKey::new("terminal", "u1");
    let stored: Vec<String> = store
        .deals(&user)
        .await
        .expect("deals")
        .into_iter()
        .flat_map(|d| d.visits.into_iter().map(|v| v.raw))
        .collect();
    for a in &acked {
        assert!(
            stored.contains(a),
            "acknowledged visit lost after SIGKILL: {a}"
        );
    }
    assert!(stored.len() >= acked.len());
}

#[test]
fn a_locked_data_directory_exits_non_zero_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let _held = open_sled(&data).expect("open");
    let out = ussbot(&data)
        .args(["ask", "--json", "/deals"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a locked store must fail");
    assert!(err.contains("locked"), "stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
}

#[test]
fn a_corrupt_data_directory_exits_non_zero_and_is_not_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("conf"), b"\xff\xfe garbage").expect("write");
    std::fs::write(data.join("db"), vec![0x5Au8; 8192]).expect("write");
    let out = ussbot(&data)
        .args(["ask", "--json", "/deals"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a corrupt store must fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "stderr: {err}");
    assert!(
        err.contains(&*data.to_string_lossy()),
        "the error names the directory: {err}"
    );
    assert_eq!(
        std::fs::read(data.join("db")).expect("db"),
        vec![0x5Au8; 8192],
        "the data was overwritten"
    );
}

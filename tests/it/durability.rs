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

/// A deal with one visit whose text holds `marker`, for finding a live
/// record's bytes in sled's data file.
fn marked_deal(i: usize, marker: &str) -> ussbot::deals::model::Deal {
    use crate::storage::contract::{sample_deal, sample_visit};
    let name = format!("客户{i:03}");
    let mut d = sample_deal(&name);
    d.visits.push(ussbot::deals::model::Visit {
        raw: format!("{marker}{i:03} {}", "见了王总，确认了需求范围。".repeat(40)),
        ..sample_visit(i as u64 + 1, &name)
    });
    d
}

/// 64 KiB zeroed in the middle of live records is found when the store
/// opens: the binary exits non-zero and says to restore from a backup with
/// `ussbot import` into a new --data directory, in plain words. (It used
/// to open, then answer every deal command of that user with "Something
/// went wrong … Read corrupted data at file offset Some(Inline(…))".)
#[tokio::test]
async fn damage_inside_live_data_is_reported_at_open_with_what_to_do() {
    const MARKER: &str = "LIVE-RECORD-MARKER-";
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let store = open_sled(&data).expect("open");
        let deals: Vec<_> = (0..400).map(|i| marked_deal(i, MARKER)).collect();
        store
            .put_deals(&UserKey::new("terminal", "u1"), &deals)
            .await
            .expect("put");
        // More data after it, so the damage lies in the middle of the log.
        for u in 0..4 {
            let more: Vec<_> = (0..400).map(|i| marked_deal(i, "OTHER-")).collect();
            store
                .put_deals(&UserKey::new("terminal", format!("other{u}")), &more)
                .await
                .expect("put");
        }
    }
    let db = data.join("db");
    let mut bytes = std::fs::read(&db).expect("read db");
    let needle = format!("{MARKER}200");
    // sled may hold older, dead copies of a record too (segments it
    // cleaned): zero 64 KiB around every copy, so the live one is hit.
    let copies: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_bytes())
        .map(|(i, _)| i)
        .collect();
    assert!(
        !copies.is_empty(),
        "the record's bytes are in the data file"
    );
    for at in copies {
        let from = at.saturating_sub(32 * 1024);
        let to = (from + 64 * 1024).min(bytes.len());
        bytes[from..to].fill(0);
    }
    std::fs::write(&db, &bytes).expect("write db");

    let err = match open_sled(&data) {
        Err(e) => e,
        Ok(s) => {
            let n = s
                .deals(&UserKey::new("terminal", "u1"))
                .await
                .map(|d| d.len());
            panic!("a damaged store opened; u1 has {n:?} deals");
        }
    };
    assert!(
        matches!(err, ussbot::deals::StorageError::Corrupt { .. }),
        "expected Corrupt, got {err}"
    );
    let out = ussbot(&data)
        .args(["ask", "--user", "u1", "/deals"])
        .output()
        .expect("run ussbot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "started on a damaged store: {stdout}"
    );
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(
        stderr.contains("ussbot --data NEW_DIR import"),
        "says how to restore: {stderr}"
    );
    for debug in ["Some(", "Inline(", "Os {", "kind:"] {
        assert!(!stderr.contains(debug), "Debug text {debug} in: {stderr}");
    }
}

/// A small tmpfs, unmounted on drop. `None` where mounting is not allowed
/// (tests not run as root).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then_some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fill the disk under `path` with a file; returns it.
fn fill(path: &Path) -> std::path::PathBuf {
    let file = path.join("filler");
    let mut f = std::fs::File::create(&file).expect("filler");
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
    file
}

/// A full disk (a 4 MiB tmpfs, filled): a visit that could not be saved is
/// reported as such in plain words, is not shown by `/deal` afterwards
/// (sled kept it in memory, so it showed until a restart), and once space
/// is freed the same process saves visits again (it used to fail with
/// ENOSPC until restarted). What was acknowledged is still there after a
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_shows_what_is_on_disk_and_writes_resume_when_space_returns() {
    use std::sync::Arc;
    use ussbot::deals::{DealService, DealSettings};
    let Some(disk) = SmallDisk::mount(4 * 1024 * 1024) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let data = disk.path().join("data");
    let knowledge = Arc::new(
        ussbot::knowledge::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"))
            .expect("knowledge"),
    );
    let store = Arc::new(open_sled(&data).expect("open"));
    let svc = DealService::new(store.clone(), knowledge, DealSettings { stale_days: 14 });
    let user = UserKey::new("terminal", "u1");
    let note = "见了王总，确认了需求范围，下周做方案呈现。".repeat(20);
    let mut acked = 0;
    for _ in 0..3 {
        let r = svc
            .command(&user, &format!("/visit 金鹰国际 {note}"), None)
            .await
            .expect("handled");
        assert_eq!(r.kind, "visit_logged", "{}", r.text());
        acked += 1;
    }
    let filler = fill(disk.path());
    let mut failed = None;
    for _ in 0..200 {
        let r = svc
            .command(&user, &format!("/visit 金鹰国际 {note}"), None)
            .await
            .expect("handled");
        if r.kind == "visit_logged" {
            acked += 1;
        } else {
            failed = Some(r.text());
            break;
        }
    }
    let failed = failed.expect("a write failed on the full disk");
    assert!(
        failed.contains("没有保存"),
        "says it was not saved: {failed}"
    );
    assert!(failed.contains("full"), "says the disk is full: {failed}");
    for debug in ["Os {", "kind:", "code:", "Some("] {
        assert!(!failed.contains(debug), "Debug text {debug} in: {failed}");
    }
    // What the process shows is what is on disk: the failed visit is not
    // there (or the store says it cannot read, never shows it).
    if let Ok(deal) = store.deal(&user, "金鹰国际").await {
        let n = deal.map(|d| d.visits.len()).unwrap_or(0);
        assert_eq!(
            n, acked,
            "/deal shows {n} visits, {acked} were acknowledged"
        );
    }
    std::fs::remove_file(&filler).expect("free space");
    let r = svc
        .command(&user, &format!("/visit 金鹰国际 {note}"), None)
        .await
        .expect("handled");
    assert_eq!(
        r.kind,
        "visit_logged",
        "writes resume once space is back: {}",
        r.text()
    );
    acked += 1;
    let n = store
        .deal(&user, "金鹰国际")
        .await
        .expect("deal")
        .map(|d| d.visits.len());
    assert_eq!(n, Some(acked));
    drop(svc);
    drop(store);
    let store = open_sled(&data).expect("reopen");
    let n = store
        .deal(&user, "金鹰国际")
        .await
        .expect("deal")
        .map(|d| d.visits.len());
    assert_eq!(
        n,
        Some(acked),
        "after a restart: the acknowledged visits, no more"
    );
}

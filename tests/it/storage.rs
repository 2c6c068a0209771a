//! The sled deal store: the shared contract, plus what only a real
//! directory can show (reopening, locks, corruption, old records).

use std::sync::Arc;

use ussbot::deals::model::Deal;
#[path = "support/contract.rs"]
pub(crate) mod contract;

use contract::{sample_deal, sample_visit};
use ussbot::deals::{DealStore, StorageError};
use ussbot::storage::{open_sled, SledStore};
use ussbot::user::UserKey;

fn fresh() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_sled(&dir.path().join("data")).expect("open");
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sled_store_meets_the_deal_store_contract() {
    let dirs = std::sync::Mutex::new(Vec::new());
    contract::run_all(|| {
        let (dir, store) = fresh();
        if let Ok(mut d) = dirs.lock() {
            d.push(dir);
        }
        async move { Arc::new(store) as Arc<dyn DealStore> }
    })
    .await;
}

#[tokio::test]
async fn visits_survive_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data");
    let u = UserKey::new("terminal", "u1");
    {
        let store = open_sled(&path).expect("open");
        let t = sample_deal("金鹰国际");
        for _ in 1..=3 {
            let seq = store.next_seq().await.expect("seq");
            store
                .append_visit(&u, &t, &sample_visit(seq, "金鹰国际"), &|_| {})
                .await
                .expect("append");
        }
    }
    let store = open_sled(&path).expect("reopen");
    let deals = store.deals(&u).await.expect("deals");
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0].visits.len(), 3, "visits lost across a reopen");
    let used: Vec<u64> = deals[0].visits.iter().map(|v| v.seq).collect();
    let seq = store.next_seq().await.expect("seq");
    assert!(
        used.iter().all(|&u| seq > u),
        "after a reopen the next visit number {seq} reuses one of {used:?}"
    );
}

#[tokio::test]
async fn a_locked_directory_is_a_clear_error() {
    let (dir, _held) = fresh();
    match open_sled(&dir.path().join("data")) {
        Err(e @ StorageError::Locked { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("data"), "names the directory: {msg}");
            assert!(msg.contains("locked by another running ussbot"), "{msg}");
            assert!(msg.contains("--data"), "says what to do: {msg}");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[tokio::test]
async fn a_corrupt_store_is_an_error_not_a_fresh_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data");
    {
        let store = open_sled(&path).expect("open");
        let u = UserKey::new("terminal", "u1");
        store
            .put_deal(&u, &sample_deal("金鹰国际"))
            .await
            .expect("put");
    }
    // Overwrite the data file with garbage.
    let db = path.join("db");
    let len = std::fs::metadata(&db).expect("db file").len().max(4096);
    std::fs::write(&db, vec![0xA5u8; len as usize]).expect("scribble");
    match open_sled(&path) {
        Err(StorageError::Corrupt { .. }) => {}
        Err(e) => panic!("expected Corrupt, got {e}"),
        Ok(s) => {
            // sled may not detect every scribble at open; it must then not
            // pretend the data is simply gone.
            let u = UserKey::new("terminal", "u1");
            let deals = s.deals(&u).await;
            assert!(
                !matches!(deals, Ok(ref d) if d.is_empty()),
                "a corrupt store opened as an empty one"
            );
        }
    }
}

#[tokio::test]
async fn a_directory_of_other_files_is_not_taken_for_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    match open_sled(dir.path()) {
        Err(StorageError::Corrupt { detail, .. }) => {
            assert!(detail.contains("not a ussbot deal store"))
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_data_file_is_not_a_fresh_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data");
    drop(open_sled(&path).expect("open"));
    std::fs::remove_file(path.join("db")).expect("remove db");
    assert!(matches!(
        open_sled(&path),
        Err(StorageError::Corrupt { .. })
    ));
}

/// A data path that cannot be opened as a store directory is a clear
/// error naming it, never a fresh store: a file where the directory should
/// be (so the check holds when the tests run as root, as CI does), and,
/// for other users, a directory without permissions.
#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_data_path_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("data");
    std::fs::write(&file, "not a store").expect("write");
    let result = open_sled(&file);
    let Err(e @ StorageError::Unreadable { .. }) = &result else {
        panic!("expected Unreadable, got {result:?}");
    };
    let msg = e.to_string();
    assert!(
        msg.contains(&file.display().to_string()) && msg.contains("not a directory"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "not a store",
        "the file is untouched"
    );

    if unsafe_is_root() {
        return; // root reads a directory whatever its permissions
    }
    let path = dir.path().join("locked");
    drop(open_sled(&path).expect("open"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let result = open_sled(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert!(
        matches!(result, Err(StorageError::Unreadable { .. })),
        "expected Unreadable, got {result:?}"
    );
}

#[cfg(unix)]
fn unsafe_is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::fs::read_to_string("/proc/self/status")
            .map(|s| {
                s.lines()
                    .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
            })
            .unwrap_or(false)
}

/// A record exactly as schema version 1 wrote it: it must keep loading.
const V1_RECORD: &str = r#"{"v":1,"id":"金鹰国际","customer":{"name":"金鹰国际","key":"金鹰国际","aliases":["金鹰"]},"mode":{"mode":"quick","chosen":true,"reason":"由销售人员设定"},"step":"step.criteria","stage":"方案阶段","activities":[{"id":"activity.ka07","code":"KA07","done":true,"at":"2026-03-02T10:00:00+00:00","visit":1}],"man":{"money":{"value":"yes","visit":1,"at":"2026-03-02T10:00:00+00:00"},"authority":{"value":"unknown","visit":null,"at":null},"need":{"value":"yes","visit":1,"at":"2026-03-02T10:00:00+00:00"}},"man_settings":[],"contacts":[{"name":"小王总","role":null,"first_visit":1}],"visits":[{"seq":1,"at":"2026-03-02T10:00:00+00:00","logged_at":"2026-03-02T10:00:00+00:00","raw":"/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现","customer":"金鹰国际","contacts":[{"name":"小王总","role":null,"first_visit":null}],"activities":["activity.ka07"],"objections":[],"man":[["need","yes"]],"mode_cue":null,"next":{"text":"下周做方案呈现","due":"2026-03-09","when":"下周","activity":"activity.ka10","visit":1}}],"objections":[],"next_steps":[{"text":"下周做方案呈现","due":"2026-03-09","when":"下周","activity":"activity.ka10","visit":1}],"outcome":null,"created":"2026-03-02T10:00:00+00:00","updated":"2026-03-02T10:00:00+00:00"}"#;

#[test]
fn schema_v1_records_still_load() {
    let deal: Deal = ussbot::storage::decode_record(b"k", V1_RECORD.as_bytes()).expect("v1 loads");
    assert_eq!(deal.customer.name, "金鹰国际");
    assert_eq!(deal.customer.aliases, vec!["金鹰"]);
    assert_eq!(deal.visits.len(), 1);
    assert_eq!(deal.next_steps[0].text, "下周做方案呈现");
    assert_eq!(deal.man.code(), "M+?+N");
}

#[test]
fn records_from_a_newer_schema_are_refused_not_misread() {
    let newer = V1_RECORD.replacen("\"v\":1", "\"v\":9", 1);
    let err = ussbot::storage::decode_record(b"k", newer.as_bytes()).expect_err("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

/// Regression: the sled backend read and decoded records on the calling
/// runtime thread (only the flush was on the blocking pool), so a big
/// `/deals` held up every other task on that thread, the Discord gateway's
/// included. On a one-thread runtime, a task that is ready when a store
/// call starts now runs before the call returns, and many reads at once
/// still all complete.
#[test]
fn store_calls_leave_the_runtime_thread_to_other_tasks() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (_dir, store) = fresh();
        let u = UserKey::new("discord", "busy");
        let many: Vec<Deal> = (0..200)
            .map(|i| sample_deal(&format!("客户{i:03}")))
            .collect();
        store.put_deals(&u, &many).await.expect("put");

        // Another task (the gateway, say), woken just before each call.
        let ran = Arc::new(AtomicBool::new(false));
        let (wake, mut woken) = tokio::sync::mpsc::unbounded_channel::<()>();
        let other = tokio::spawn({
            let ran = ran.clone();
            async move {
                while woken.recv().await.is_some() {
                    ran.store(true, SeqCst);
                }
            }
        });
        macro_rules! beside_other_task {
            ($what:literal, $call:expr) => {{
                ran.store(false, SeqCst);
                wake.send(()).expect("wake");
                let out = $call.await;
                assert!(
                    ran.load(SeqCst),
                    "{}: the other task waited for the store to finish",
                    $what
                );
                out
            }};
        }

        let deals = beside_other_task!("deals", store.deals(&u)).expect("deals");
        assert_eq!(deals.len(), 200);
        let one = beside_other_task!("deal", store.deal(&u, &deals[7].id)).expect("deal");
        assert_eq!(one.as_ref(), Some(&deals[7]));
        let users = beside_other_task!("users", store.users()).expect("users");
        assert_eq!(users, vec![u.clone()]);
        let unchanged = beside_other_task!(
            "update_deal that changes nothing",
            store.update_deal(&u, &deals[0].id, &|_| false)
        )
        .expect("update");
        assert_eq!(unchanged.as_ref(), Some(&deals[0]));
        beside_other_task!("next_seq", store.next_seq()).expect("seq");

        let reads = futures_util::future::join_all((0..16).map(|_| store.deals(&u)));
        for read in beside_other_task!("16 reads at once", reads) {
            assert_eq!(read.expect("deals").len(), 200);
        }

        drop(wake);
        other.await.expect("other task");
    });
}

/// The visit counter stops with a clear error at its limit instead of
/// wrapping to 0 (a backup with a visit numbered 2^64-1 made the next visit
/// number 0, and `/undo` then removed the wrong visit).
#[tokio::test]
async fn the_visit_counter_never_wraps() {
    let (_dir, store) = fresh();
    let err = store
        .reserve_seq(u64::MAX)
        .await
        .expect_err("no number above it");
    assert!(
        matches!(err, StorageError::SequenceExhausted { .. }),
        "expected SequenceExhausted, got {err}"
    );
    assert!(err.to_string().contains("used up"), "{err}");
    store.reserve_seq(u64::MAX - 2).await.expect("reserve");
    assert_eq!(store.next_seq().await.expect("last number"), u64::MAX - 1);
    for _ in 0..2 {
        match store.next_seq().await {
            Err(StorageError::SequenceExhausted { .. }) => {}
            other => panic!("expected SequenceExhausted, got {other:?}"),
        }
    }
    // Deals carrying a visit at the limit are refused whole.
    let u = UserKey::new("terminal", "u1");
    let mut d = sample_deal("金鹰国际");
    d.visits.push(sample_visit(u64::MAX, "金鹰国际"));
    let err = store.put_deals(&u, &[d]).await.expect_err("refused");
    assert!(
        matches!(err, StorageError::SequenceExhausted { .. }),
        "{err}"
    );
    assert!(store.deals(&u).await.expect("deals").is_empty());
}

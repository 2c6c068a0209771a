//! The deal store's on-disk layout: stores written by an earlier release
//! are migrated on open, and disk use grows with the data, not with its
//! square.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ussbot::conversation::PendingStore;
use ussbot::deals::{DealService, DealSettings, DealStore};
use ussbot::storage::open_sled;
use ussbot::user::UserKey;

fn knowledge() -> Arc<ussbot::knowledge::Knowledge> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    Arc::new(ussbot::knowledge::load_dir(&dir).expect("knowledge loads"))
}

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The users, customers and logs of the schema-1 fixture.
const FIXTURE_LOGS: &[(&str, &str, &str)] = &[
    (
        "terminal",
        "alice",
        "/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现",
    ),
    (
        "terminal",
        "alice",
        "/visit 金鹰国际 给王总打了电话，预算批了",
    ),
    (
        "terminal",
        "alice",
        "/visit 金鹰 做了方案呈现，财务总监林总说太贵了",
    ),
    ("terminal", "alice", "/visit 恒力集团 见了孙经理，聊了需求"),
    (
        "terminal",
        "alice",
        "/visit 恒力集团 做了现场调研，下周二谈商务",
    ),
    (
        "discord",
        "4242",
        "/visit Harbor Foods met John the CFO, budget approved",
    ),
    (
        "discord",
        "4242",
        "/visit Harbor Foods demo for the IT team, next week pricing",
    ),
    ("discord", "4242", "/visit 海诚集团 见了刘经理，聊了需求"),
];

/// The pending offer kept for alice in the fixture.
const FIXTURE_PENDING: &[u8] = br#"{"fixture":"pending offer"}"#;

/// Writes the schema-1 fixture with the release that wrote schema 1:
/// `USSBOT_WRITE_FIXTURE=1 cargo test --test it -- --ignored write_store_fixture`.
/// Kept so the fixture can be made again from that release's source.
#[tokio::test]
#[ignore]
async fn write_store_fixture() {
    if std::env::var_os("USSBOT_WRITE_FIXTURE").is_none() {
        return;
    }
    let dir = data_dir("store-v1");
    let _ = std::fs::remove_dir_all(&dir);
    let store = Arc::new(open_sled(&dir).expect("open"));
    let svc = DealService::new(store.clone(), knowledge(), DealSettings { stale_days: 14 });
    for (platform, id, msg) in FIXTURE_LOGS {
        let r = svc
            .command(&UserKey::new(*platform, *id), msg, None)
            .await
            .expect("handled");
        assert_eq!(r.kind, "visit_logged", "{msg}: {}", r.text());
    }
    store
        .save_pending(&UserKey::new("terminal", "alice"), FIXTURE_PENDING)
        .await
        .expect("pending");
    let mut all = Vec::new();
    for u in store.users().await.expect("users") {
        all.push((u.clone(), store.deals(&u).await.expect("deals")));
    }
    let json: Vec<serde_json::Value> = all
        .iter()
        .map(|(u, d)| serde_json::json!({"platform": u.platform, "id": u.id, "deals": d}))
        .collect();
    std::fs::write(
        data_dir("store-v1-expected.json"),
        serde_json::to_string_pretty(&json).expect("json"),
    )
    .expect("write expected");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read fixture") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
    // git keeps no empty directories; sled's `blobs` may be one.
    std::fs::create_dir_all(to.join("blobs")).expect("blobs");
}

/// What the schema-1 fixture held, per user, as written by that release.
fn expected_v1() -> Vec<(UserKey, serde_json::Value)> {
    let text = std::fs::read_to_string(data_dir("store-v1-expected.json")).expect("expected");
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    all.into_iter()
        .map(|u| {
            let user = UserKey::new(
                u["platform"].as_str().expect("platform"),
                u["id"].as_str().expect("id"),
            );
            (user, u["deals"].clone())
        })
        .collect()
}

/// A store written by the release with the one-record-per-deal layout
/// opens with the new layout: every deal, visit, contact and the pending
/// offer survive, the next visit number is above every one in use, and a
/// second open finds the store already migrated.
#[tokio::test]
async fn a_store_written_by_the_schema_1_release_is_migrated_on_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    copy_dir(&data_dir("store-v1"), &data);
    let expected = expected_v1();
    assert_eq!(expected.len(), 2, "the fixture has two users");
    for round in ["first open (migrates)", "second open"] {
        let store = open_sled(&data).unwrap_or_else(|e| panic!("{round}: {e}"));
        let mut users = store.users().await.expect("users");
        users.sort_by(|a, b| (&a.platform, &a.id).cmp(&(&b.platform, &b.id)));
        let mut want: Vec<UserKey> = expected.iter().map(|(u, _)| u.clone()).collect();
        want.sort_by(|a, b| (&a.platform, &a.id).cmp(&(&b.platform, &b.id)));
        assert_eq!(users, want, "{round}: users");
        let mut used = Vec::new();
        for (user, deals) in &expected {
            let got = store.deals(user).await.expect("deals");
            assert_eq!(
                serde_json::to_value(&got).expect("json"),
                *deals,
                "{round}: {user}'s deals differ from what the old release wrote"
            );
            for d in &got {
                let one = store.deal(user, &d.id).await.expect("deal");
                assert_eq!(one.as_ref(), Some(d), "{round}: /deal {}", d.id);
                assert!(!d.contacts.is_empty(), "{round}: contacts of {}", d.id);
                used.extend(d.visits.iter().map(|v| v.seq));
            }
        }
        assert_eq!(used.len(), 8, "{round}: every visit of the fixture");
        if round.starts_with("first") {
            let pending = store
                .take_pending(&UserKey::new("terminal", "alice"))
                .await
                .expect("pending");
            assert_eq!(
                pending.as_deref(),
                Some(FIXTURE_PENDING),
                "pending offer kept"
            );
        }
        let next = store.next_seq().await.expect("seq");
        assert!(
            used.iter().all(|&s| next > s),
            "{round}: next visit number {next} is not above {used:?}"
        );
    }
}

/// Logging visits to one deal writes each visit once: disk use stays a
/// small multiple of the data (the old layout rewrote the whole deal on
/// every visit, so 400 visits of 2 KB took hundreds of MB).
#[tokio::test]
async fn disk_use_grows_with_the_visits_not_with_their_square() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let store = open_sled(&data).expect("open");
    let user = UserKey::new("terminal", "rep");
    let template = crate::storage::contract::sample_deal("金鹰国际");
    let text = "见了王总，确认了需求范围，下周做方案呈现。".repeat(30);
    for _ in 0..400 {
        let seq = store.next_seq().await.expect("seq");
        let visit = ussbot::deals::model::Visit {
            raw: text.clone(),
            ..crate::storage::contract::sample_visit(seq, "金鹰国际")
        };
        store
            .append_visit(&user, &template, &visit, &|_| {})
            .await
            .expect("append");
    }
    let deal = store
        .deal(&user, "金鹰国际")
        .await
        .expect("deal")
        .expect("exists");
    assert_eq!(deal.visits.len(), 400);
    let bytes = serde_json::to_vec(&deal).expect("json").len() as u64;
    drop(store);
    let disk = dir_size(&data);
    assert!(
        disk < 12 * bytes,
        "{disk} bytes on disk for {bytes} bytes of data"
    );
}

fn dir_size(p: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(p).expect("dir").flatten() {
        match e.metadata() {
            Ok(m) if m.is_dir() => total += dir_size(&e.path()),
            Ok(m) => total += m.len(),
            Err(_) => {}
        }
    }
    total
}

/// A migration cut short (the process killed while it wrote the new
/// records, before the schema marker changed) leaves a schema-1 store with
/// some new records beside it; the next open migrates it again, from
/// scratch, and nothing is doubled or lost. The store is put in that state
/// with sled itself, as the crash would leave it.
#[tokio::test]
async fn a_migration_cut_short_runs_again_at_the_next_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    copy_dir(&data_dir("store-v1"), &data);
    {
        let db = sled::open(&data).expect("sled");
        let records = db.open_tree("records").expect("tree");
        // Half-written new records, including one that no longer matches.
        records
            .insert(
                b"d8:terminal5:alice12:\xe9\x87\x91\xe9\xb9\xb0\xe5\x9b\xbd\xe9\x99\x85s",
                &b"{\"v\":1}"[..],
            )
            .expect("insert");
        records.insert(b"junk", &b"x"[..]).expect("insert");
        db.flush().expect("flush");
    }
    let store = open_sled(&data).expect("the interrupted migration runs again");
    for (user, deals) in expected_v1() {
        let got = store.deals(&user).await.expect("deals");
        assert_eq!(serde_json::to_value(&got).expect("json"), deals, "{user}");
    }
}

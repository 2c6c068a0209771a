//! The deal store's on-disk layout: stores written by an earlier release
//! are migrated on open, and disk use grows with the data, not with its
//! square.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ussbot::conversation::PendingStore;
use ussbot::deals::model::Deal;
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
    ("terminal", "alice", "/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现"),
    ("terminal", "alice", "/visit 金鹰国际 给王总打了电话，预算批了"),
    ("terminal", "alice", "/visit 金鹰 做了方案呈现，财务总监林总说太贵了"),
    ("terminal", "alice", "/visit 恒力集团 见了孙经理，聊了需求"),
    ("terminal", "alice", "/visit 恒力集团 做了现场调研，下周二谈商务"),
    ("discord", "4242", "/visit Harbor Foods met John the CFO, budget approved"),
    ("discord", "4242", "/visit Harbor Foods demo for the IT team, next week pricing"),
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
    let svc = DealService::new(
        store.clone(),
        knowledge(),
        DealSettings { stale_days: 14 },
    );
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

//! Deal-side measurements: `cargo bench --bench deals`.
//!
//! 1. Visit log round trip (parse → update → durable flush → reply): p50/p99.
//! 2. `/deals` for a user with 1,000 deals: p50/p99.
//! 3. One deal with VISITS visits (10,000, or `USSBOT_BENCH_VISITS`)
//!    logged one by one: bytes on disk per byte of data, the visit round
//!    trip as the deal grows, `/deal` and `/deals` p50/p99.
//! 4. A store of USERS × 100 deals × 20 visits (USERS = 1,000, or
//!    `USSBOT_BENCH_USERS`): build time, bytes on disk per byte of data,
//!    then, in a fresh child process, open time (which verifies every
//!    record), memory, and `/deal` and `/deals` p50/p99 for one user.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ussbot::deals::model::Deal;
use ussbot::deals::program::recompute;
use ussbot::deals::DealStore;
use ussbot::deals::{DealService, DealSettings};
use ussbot::knowledge::Knowledge;
use ussbot::storage::open_sled;
use ussbot::user::UserKey;

fn knowledge() -> Arc<Knowledge> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    Arc::new(ussbot::knowledge::load_dir(&dir).expect("knowledge"))
}

fn percentiles(mut d: Vec<Duration>) -> (Duration, Duration) {
    d.sort();
    let at = |p: f64| d[((d.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

fn dir_size(p: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_size(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// A deal with `visits` visits, built through the real parser and rules.
fn synthetic_deal(svc_k: &Knowledge, template: &Deal, name: &str, visits: usize) -> Deal {
    let mut d = template.clone();
    d.id = name.to_string();
    d.customer.name = name.to_string();
    d.customer.key = name.to_string();
    d.visits.truncate(visits);
    recompute(&mut d, svc_k);
    d
}

async fn round_trip(k: Arc<Knowledge>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn DealStore> = Arc::new(open_sled(&dir.path().join("data")).expect("open"));
    let svc = DealService::new(store, k, DealSettings { stale_days: 14 });
    let user = UserKey::new("bench", "rep");
    let mut times = Vec::new();
    for i in 0..400 {
        let msg = format!(
            "/visit 客户{} 见了王总，确认了需求范围，下周三做方案呈现",
            i % 50
        );
        let t = Instant::now();
        let r = svc.command(&user, &msg, None).await.expect("handled");
        times.push(t.elapsed());
        assert_eq!(r.kind, "visit_logged");
    }
    let (p50, p99) = percentiles(times);
    println!(
        "visit log round trip (parse → update → durable), 400 visits: p50 {p50:.2?}, p99 {p99:.2?}"
    );
}

/// A template deal with 20 visits made by logging them for real.
async fn template(k: Arc<Knowledge>) -> Deal {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn DealStore> = Arc::new(open_sled(&dir.path().join("data")).expect("open"));
    let svc = DealService::new(store.clone(), k, DealSettings { stale_days: 14 });
    let user = UserKey::new("bench", "rep");
    let script = [
        "见了王总和财务总监林总，做了开场白，聊了需求",
        "见了决策人张总，讲了参考案例，发了第一封跟进信",
        "做了现场调研，确认了需求范围，客户说太贵了",
        "影响了客户的选型标准，下周三提交方案",
        "提交了方案，约了下周做方案呈现",
    ];
    for i in 0..20 {
        let msg = format!("/visit 金鹰国际 {}", script[i % script.len()]);
        svc.command(&user, &msg, None).await.expect("handled");
    }
    let deals = store.deals(&user).await.expect("deals");
    deals.into_iter().next().expect("template deal")
}

async fn deals_listing(k: Arc<Knowledge>, t: &Deal) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn DealStore> = Arc::new(open_sled(&dir.path().join("data")).expect("open"));
    let user = UserKey::new("bench", "rep");
    let deals: Vec<Deal> = (0..1000)
        .map(|i| synthetic_deal(&k, t, &format!("客户{i:04}"), 20))
        .collect();
    store.put_deals(&user, &deals).await.expect("put");
    let svc = DealService::new(store, k, DealSettings { stale_days: 14 });
    let mut times = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        let r = svc.command(&user, "/deals", None).await.expect("handled");
        times.push(t0.elapsed());
        assert_eq!(r.items.len(), 1000);
    }
    let (p50, p99) = percentiles(times);
    println!(
        "/deals for a user with 1,000 deals × 20 visits, 30 runs: p50 {p50:.2?}, p99 {p99:.2?}"
    );
}

/// One deal grown to `USSBOT_BENCH_VISITS` visits through the real
/// `/visit` path.
async fn one_long_deal(k: Arc<Knowledge>) {
    let visits: usize = std::env::var("USSBOT_BENCH_VISITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = Arc::new(open_sled(&data).expect("open"));
    let svc = DealService::new(store.clone(), k, DealSettings { stale_days: 14 });
    let user = UserKey::new("bench", "rep");
    let start = Instant::now();
    let mut last = Vec::new();
    for i in 0..visits {
        let msg = format!("/visit 金鹰国际 第{i}次，见了王总，确认了需求范围，下周三做方案呈现");
        let t = Instant::now();
        let r = svc.command(&user, &msg, None).await.expect("handled");
        if i + 200 >= visits {
            last.push(t.elapsed());
        }
        assert_eq!(r.kind, "visit_logged");
    }
    let build = start.elapsed();
    let (p50, p99) = percentiles(last);
    let deal = store.deals(&user).await.expect("deals").remove(0);
    let bytes = serde_json::to_vec(&deal).map(|b| b.len()).unwrap_or(1) as u64;
    store.flush().await.expect("flush");
    let disk = dir_size(&data);
    println!(
        "one deal, {visits} visits logged in {build:.1?}: {:.1} MiB on disk for {:.1} MiB of data = {:.1} bytes on disk per byte",
        mib(disk),
        mib(bytes),
        disk as f64 / bytes as f64
    );
    println!("  visit round trip, last 200 visits: p50 {p50:.2?}, p99 {p99:.2?}");
    for cmd in ["/deal 金鹰国际", "/deals"] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            svc.command(&user, cmd, None).await.expect("handled");
            times.push(t.elapsed());
        }
        let (p50, p99) = percentiles(times);
        println!("  {cmd}, 30 runs: p50 {p50:.2?}, p99 {p99:.2?}");
    }
}

async fn big_store(k: Arc<Knowledge>, t: &Deal) {
    let users: usize = std::env::var("USSBOT_BENCH_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = open_sled(&data).expect("open");
    let deals: Vec<Deal> = (0..100)
        .map(|i| synthetic_deal(&k, t, &format!("客户{i:03}"), 20))
        .collect();
    let start = Instant::now();
    eprintln!("building {users} users × 100 deals × 20 visits …");
    for u in 0..users {
        store
            .put_deals(&UserKey::new("discord", format!("{u}")), &deals)
            .await
            .expect("put");
        if (u + 1) % 100 == 0 {
            eprintln!("  {} users, {:.0?}", u + 1, start.elapsed());
        }
    }
    let build = start.elapsed();
    drop(store);
    let bytes: u64 = deals
        .iter()
        .map(|d| serde_json::to_vec(d).map(|b| b.len()).unwrap_or(0) as u64)
        .sum::<u64>()
        * users as u64;
    let disk = dir_size(&data);
    println!(
        "store of {users} users × 100 deals × 20 visits: built in {build:.1?}, {:.0} MiB on disk for {:.0} MiB of data = {:.2} bytes on disk per byte",
        mib(disk),
        mib(bytes),
        disk as f64 / bytes as f64
    );
    let exe = std::env::current_exe().expect("exe");
    let out = std::process::Command::new(exe)
        .env("USSBOT_BENCH_OPEN", &data)
        .output()
        .expect("child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

/// Child mode: open the store cold, read one user's deals, report memory,
/// then time `/deal` and `/deals` for that user.
async fn open_only(data: &Path) {
    let before = status("VmRSS:");
    let t = Instant::now();
    let store = open_sled(data).expect("open");
    let open = t.elapsed();
    let rss_open = status("VmRSS:");
    let t = Instant::now();
    let deals = store
        .deals(&UserKey::new("discord", "7"))
        .await
        .expect("deals");
    let read = t.elapsed();
    assert_eq!(deals.len(), 100);
    println!(
        "  open: {open:.1?}; first /deals read of 100 deals: {read:.1?}; RSS before open {before}, after open {rss_open}, after read {}, peak {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
    let svc = DealService::new(
        Arc::new(store),
        knowledge(),
        DealSettings { stale_days: 14 },
    );
    let user = UserKey::new("discord", "7");
    for cmd in ["/deal 客户042", "/deals"] {
        let mut times = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            svc.command(&user, cmd, None).await.expect("handled");
            times.push(t.elapsed());
        }
        let (p50, p99) = percentiles(times);
        println!("  {cmd} on this store, 50 runs: p50 {p50:.2?}, p99 {p99:.2?}");
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(data) = std::env::var_os("USSBOT_BENCH_OPEN") {
        rt.block_on(open_only(Path::new(&data)));
        return;
    }
    // `cargo test --benches` runs benches with no arguments after `--bench`? Skip heavy work then.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let k = knowledge();
    rt.block_on(async {
        round_trip(k.clone()).await;
        let t = template(k.clone()).await;
        let bytes = serde_json::to_vec(&t).map(|b| b.len()).unwrap_or(0);
        println!("one deal with 20 visits: {bytes} bytes as JSON");
        deals_listing(k.clone(), &t).await;
        one_long_deal(k.clone()).await;
        big_store(k, &t).await;
    });
}

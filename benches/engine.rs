//! Engine speed: startup (load + validate + index), per-message latency of
//! `Engine::answer` (normalize → route → rank → render) and resident memory,
//! on the shipped knowledge and on shipped + 10,000 / 100,000 generated cases
//! (`ussbot-synth`).
//!
//! ```text
//! cargo bench --bench engine                 # all three sizes
//! cargo bench --bench engine -- --quick      # shipped and 10k, fewer runs
//! cargo bench --bench engine -- --triggers   # generated cases carry a trigger each
//! ```
//!
//! Each size runs in a child process of this binary, so that its resident
//! memory is not inflated by the previous size's freed heap. Latency is
//! measured per call after a warm-up pass, over at least 2,000 calls cycling
//! the query list (labelled queries, plus questions aimed at generated cases).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ussbot::engine::{Base, Engine};
use ussbot::knowledge::{load_sources, Kind};
use ussbot_synth::{self as synth, Spec};

/// Generated case counts measured, with a display name.
const SIZES: &[(&str, usize)] = &[("shipped", 0), ("10k", 10_000), ("100k", 100_000)];
/// Timed `answer` calls per size (at least).
const CALLS: usize = 2_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let triggers = args.iter().any(|a| a == "--triggers");
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let cases = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .expect("--child takes a case count");
        child(cases, quick, triggers);
        return;
    }

    let exe = std::env::current_exe().expect("cannot find the bench binary");
    let mut rows = Vec::new();
    for &(name, cases) in SIZES {
        if quick && cases > 10_000 {
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.arg("--child").arg(cases.to_string());
        if quick {
            cmd.arg("--quick");
        }
        if triggers {
            cmd.arg("--triggers");
        }
        let out = cmd.output().expect("cannot run the bench child");
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            panic!("size {name} failed");
        }
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        eprintln!("{name}: done");
        rows.push((name, line));
    }

    println!();
    println!(
        "ussbot engine, release build{}",
        if triggers {
            ", one trigger per generated case"
        } else {
            ", generated cases without triggers"
        }
    );
    println!(
        "{:<8} {:>7} {:>7} {:>11} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6}",
        "size",
        "entries",
        "cases",
        "startup ms",
        "rss MiB",
        "+rss MiB",
        "p50 µs",
        "p99 µs",
        "mean µs",
        "rank p99",
        "calls"
    );
    for (name, line) in rows {
        println!("{name:<8} {line}");
    }
}

/// Measure one size and print one table row (without the size name).
fn child(cases: usize, quick: bool, triggers: bool) {
    // As the bot starts.
    ussbot::app::configure_allocator();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rss_base = rss_kib();
    let spec = Spec {
        triggers,
        ..Spec::new(cases)
    };
    let labelled = synth::labelled_queries(&read(&root.join("tests/data/queries.toml")))
        .expect("tests/data/queries.toml does not parse");
    let queries = synth::queries(spec, &labelled, CALLS);

    // First build: timed, and the one whose memory is reported.
    let shipped =
        ussbot::knowledge::read_sources(&root.join("knowledge")).unwrap_or_else(|e| panic!("{e}"));
    let (engine, first) = build(&shipped, spec);
    let rss_after = rss_kib();
    let entries = engine.knowledge().entries().len();
    let total_cases = engine.knowledge().count(Kind::Case);

    let runs = match (quick, cases) {
        (true, _) => 1,
        (false, 0) => 5,
        (false, c) if c <= 10_000 => 3,
        _ => 2,
    };
    let mut startups = vec![first];
    for _ in 1..runs {
        let (e, t) = build(&shipped, spec);
        drop(e);
        startups.push(t);
    }
    let startup = median(&mut startups);

    // Warm-up, then time each call.
    for q in &queries {
        black_box(engine.answer(black_box(q)));
    }
    let mut answer = Vec::with_capacity(queries.len().max(CALLS));
    let mut rank = Vec::with_capacity(answer.capacity());
    while answer.len() < CALLS {
        for q in &queries {
            let t = Instant::now();
            black_box(engine.answer(black_box(q)));
            answer.push(t.elapsed());
        }
    }
    while rank.len() < CALLS {
        for q in &queries {
            let t = Instant::now();
            black_box(engine.rank(black_box(q), None));
            rank.push(t.elapsed());
        }
    }
    let mean = answer.iter().sum::<Duration>() / answer.len() as u32;
    answer.sort_unstable();
    rank.sort_unstable();
    println!(
        "{:>7} {:>7} {:>11.1} {:>9.1} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>6}",
        entries,
        total_cases,
        ms(startup),
        rss_after as f64 / 1024.0,
        (rss_after.saturating_sub(rss_base)) as f64 / 1024.0,
        us(pct(&answer, 50.0)),
        us(pct(&answer, 99.0)),
        us(mean),
        us(pct(&rank, 99.0)),
        answer.len()
    );
}

/// Generate the spec's cases, then load, validate and index shipped +
/// generated knowledge. The generation is not timed: it stands in for
/// reading files.
fn build(shipped: &[(PathBuf, String)], spec: Spec) -> (Engine, Duration) {
    let mut files = shipped.to_vec();
    files.extend(synth::case_files(spec));
    let t = Instant::now();
    // As the bot starts: the engine's dictionaries load beside the knowledge.
    let (knowledge, base) = std::thread::scope(|scope| {
        let base = scope.spawn(Base::load);
        let knowledge = load_sources(files);
        (knowledge, base.join().expect("base loads"))
    });
    let knowledge = match knowledge {
        Ok(k) => k,
        Err(e) => panic!("knowledge does not validate:\n{e}"),
    };
    let engine = Engine::with_base(Arc::new(knowledge), base.expect("dictionaries load"))
        .expect("engine builds");
    // As the bot does once its engine is built.
    ussbot::app::release_freed_memory();
    (engine, t.elapsed())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Resident memory of this process in KiB (`VmRSS`), 0 when unknown.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The `p`th percentile of sorted durations (nearest rank).
fn pct(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

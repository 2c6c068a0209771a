//! The understanding step (`ussbot::understand::understand`): what kind a
//! message is and which of the rep's deals it is about, p50/p99, for a rep
//! with 5 and with 200 deals, beside `Engine::answer` on the same messages
//! in the same run (the step runs before every free-text reply).
//!
//! ```text
//! cargo bench --bench understand
//! ```

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ussbot::deals::model::{Customer, Deal, ModeChoice, SalesMode};
use ussbot::engine::Engine;

/// Messages as reps write them: visit notes, deal questions, handbook
/// questions, both at once, requests the bot cannot do.
const MESSAGES: &[&str] = &[
    "今天去恒力给孙经理做了方案呈现，预算批了，下周二谈商务",
    "鑫达签了！！",
    "刚给刘经理打了电话，约好下周一去做调研",
    "visited 海诚集团, did the solution presentation",
    "这个客户下一步干嘛",
    "哪些客户好久没跟了",
    "客户说再想想 咋回",
    "连锁餐饮有案例吗",
    "how do I close today",
    "川味坊张总说太贵了，怎么回？",
    "帮我订张明天去上海的机票",
    "客户12 财务总监陈总说预算5万左右，他自己拍板",
];
/// Timed calls per size (at least).
const CALLS: usize = 3_000;

fn deals(n: usize) -> Vec<Deal> {
    let named = ["恒力集团", "鑫达商贸", "海诚集团", "川味坊", "金桥科技"];
    (0..n)
        .map(|i| {
            let name = match named.get(i) {
                Some(s) => s.to_string(),
                None => format!("客户{i}"),
            };
            let customer = Customer {
                key: name.to_lowercase(),
                name,
                aliases: Vec::new(),
            };
            let mode = ModeChoice {
                mode: SalesMode::Consultant,
                chosen: false,
                reason: String::new(),
            };
            Deal::new(customer, mode, chrono::Local::now())
        })
        .collect()
}

fn time(mut f: impl FnMut(&str)) -> (Duration, Duration) {
    for m in MESSAGES {
        f(m);
    }
    let mut t = Vec::with_capacity(CALLS);
    while t.len() < CALLS {
        for m in MESSAGES {
            let at = Instant::now();
            f(m);
            t.push(at.elapsed());
        }
    }
    t.sort_unstable();
    (t[t.len() / 2], t[t.len() * 99 / 100])
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let knowledge = ussbot::knowledge::load_dir(&dir).expect("knowledge loads");
    let engine = Engine::new(Arc::new(knowledge)).expect("engine builds");
    let normalized: Vec<(String, String)> = MESSAGES
        .iter()
        .map(|m| (m.to_string(), engine.normalizer().normalize(m)))
        .collect();
    let norm = |m: &str| {
        normalized
            .iter()
            .find(|(raw, _)| raw == m)
            .map(|(_, n)| n.as_str())
            .unwrap_or("")
    };
    let (a50, a99) = time(|m| {
        black_box(engine.answer(black_box(m)));
    });
    println!(
        "ussbot understanding step, release build, {} messages cycled",
        MESSAGES.len()
    );
    println!(
        "{:<28} {:>9} {:>9} {:>12} {:>12}",
        "", "p50 µs", "p99 µs", "p50 / answer", "p99 / answer"
    );
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{:<28} {:>9.1} {:>9.1} {:>12} {:>12}",
        "Engine::answer",
        us(a50),
        us(a99),
        "1.00",
        "1.00"
    );
    for n in [5, 200] {
        let deals = deals(n);
        let (p50, p99) = time(|m| {
            black_box(ussbot::understand::understand(
                &engine,
                black_box(norm(m)),
                &deals,
            ));
        });
        println!(
            "{:<28} {:>9.1} {:>9.1} {:>12.2} {:>12.2}",
            format!("understand, {n} deals"),
            us(p50),
            us(p99),
            us(p50) / us(a50),
            us(p99) / us(a99)
        );
    }
}

//! The deal side as a rep sees it: messages in, replies out, over a real
//! sled store and the real knowledge files, with a fixed clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Local, TimeZone};
use ussbot::deals::DealStore;
use ussbot::deals::{DealService, DealSettings, ExportFormat};
use ussbot::knowledge::Knowledge;
use ussbot::reply::Reply;
use ussbot::storage::open_sled;
use ussbot::text::Normalizer;
use ussbot::user::UserKey;

mod references;
mod understanding;

fn knowledge() -> Arc<Knowledge> {
    static K: OnceLock<Arc<Knowledge>> = OnceLock::new();
    K.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        Arc::new(ussbot::knowledge::load_dir(&dir).expect("knowledge loads"))
    })
    .clone()
}

fn normalizer() -> &'static Normalizer {
    static N: OnceLock<Normalizer> = OnceLock::new();
    N.get_or_init(|| Normalizer::new().expect("normalizer"))
}

/// The engine over the shipped knowledge, built once.
fn engine() -> Arc<ussbot::engine::Engine> {
    static E: OnceLock<Arc<ussbot::engine::Engine>> = OnceLock::new();
    E.get_or_init(|| Arc::new(ussbot::engine::Engine::new(knowledge()).expect("engine")))
        .clone()
}

/// The real conversation over real sled in a temp dir, with a clock at
/// Monday 2026-03-02 09:00 plus `minutes`, adjustable by tests; `svc` is a
/// deal service over the same store for import and export.
struct Bot {
    chat: ussbot::conversation::Bot,
    svc: DealService,
    store: Arc<dyn DealStore>,
    minutes: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

fn start() -> DateTime<Local> {
    Local
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid time")
}

impl Bot {
    fn new() -> Bot {
        Bot::with(knowledge(), engine())
    }

    fn with_knowledge(k: Arc<Knowledge>) -> Bot {
        let engine = Arc::new(ussbot::engine::Engine::new(k.clone()).expect("engine"));
        Bot::with(k, engine)
    }

    fn with(k: Arc<Knowledge>, engine: Arc<ussbot::engine::Engine>) -> Bot {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn DealStore> =
            Arc::new(open_sled(&dir.path().join("data")).expect("open"));
        let minutes = Arc::new(AtomicI64::new(0));
        let m = minutes.clone();
        let clock: ussbot::deals::Clock =
            Arc::new(move || start() + Duration::minutes(m.load(Ordering::SeqCst)));
        let service = || {
            DealService::new(store.clone(), k.clone(), DealSettings { stale_days: 14 })
                .with_clock(clock.clone())
        };
        Bot {
            chat: ussbot::conversation::Bot::new(engine, service()),
            svc: service(),
            store,
            minutes,
            _dir: dir,
        }
    }

    fn advance_days(&self, days: i64) {
        self.minutes.fetch_add(days * 24 * 60, Ordering::SeqCst);
    }

    async fn reply(&self, user: &UserKey, text: &str) -> Reply {
        self.chat.handle(user, text).await
    }
}

fn alice() -> UserKey {
    UserKey::new("terminal", "alice")
}

fn bob() -> UserKey {
    UserKey::new("discord", "bob")
}

#[tokio::test]
async fn a_visit_command_says_what_it_understood() {
    let bot = Bot::new();
    let r = bot
        .reply(
            &alice(),
            "/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现",
        )
        .await;
    let text = r.text();
    assert_eq!(r.kind, "visit_logged", "{text}");
    assert!(r.private, "deal replies are private");
    assert!(
        text.contains("金鹰国际") && text.contains("新商机"),
        "{text}"
    );
    assert!(text.contains("小王总"), "contact missing: {text}");
    assert!(
        text.contains("KA07 确认需求范围"),
        "activity missing: {text}"
    );
    assert!(text.contains("方案阶段"), "stage missing: {text}");
    assert!(
        text.contains("下周做方案呈现（2026-03-09）"),
        "next visit missing: {text}"
    );
    assert_eq!(r.items[0].kind, "deal");

    // The plan is a next visit, not a done activity.
    let d = bot.reply(&alice(), "/deal 金鹰").await;
    let t = d.text();
    assert_eq!(d.kind, "deal");
    assert!(t.contains("关键活动已完成 1/15：KA07\n"), "{t}");
    assert!(t.contains("关键活动已完成 1/15"), "{t}");
}

#[tokio::test]
async fn a_quick_knife_first_visit_gives_the_q1_follow_ups() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 华联超市 做了开场白，聊了需求")
        .await;
    let m = bot.reply(&alice(), "/mode 华联 快刀").await;
    assert_eq!(m.kind, "mode_changed");
    assert!(m.text().contains("快刀模式"), "{}", m.text());
    let t = m.text();
    assert!(t.contains("商机评价"), "{t}");
    assert!(t.contains("第一封跟进信"), "{t}");
    assert!(t.contains("快刀模式第二次拜访（Q2）"), "{t}");
    assert!(t.contains("一周之内") && t.contains("2026-03-09 前"), "{t}");
    // KA06 (buying vision) was not logged: Q1's acceptance is not met yet.
    assert!(t.contains("KA06") && t.contains("检验标准"), "{t}");
}

#[tokio::test]
async fn free_text_visit_logs_are_recognised() {
    let bot = Bot::new();
    let r = bot
        .reply(&alice(), "今天拜访了金鹰国际，见了王总和财务总监林总，聊了需求，他们想上标准财务软件，预算已经批了")
        .await;
    let t = r.text();
    assert_eq!(r.kind, "visit_logged", "{t}");
    assert!(t.contains("金鹰国际"), "{t}");
    assert!(t.contains("王总") && t.contains("林总（财务总监）"), "{t}");
    assert!(t.contains("KA05"), "{t}");
    assert!(t.contains("钱（预算） 未知→有"), "MAN change missing: {t}");
    assert!(t.contains("快刀模式（建议"), "mode suggestion missing: {t}");

    let r = bot
        .reply(&alice(), "昨天又去了金鹰国际，客户说太贵了，要再降五个点")
        .await;
    let t = r.text();
    assert_eq!(r.kind, "visit_logged", "{t}");
    assert!(t.contains("已有商机") && t.contains("第 2 次见面"), "{t}");
    assert!(t.contains("反问法"), "objection missing: {t}");
}

#[tokio::test]
async fn a_contact_named_right_after_the_customer_is_a_contact() {
    let bot = Bot::new();
    let r = bot
        .reply(&alice(), "拜访了金鹰国际王总，做了方案呈现")
        .await;
    let t = r.text();
    assert_eq!(r.kind, "visit_logged", "{t}");
    assert!(t.contains("客户：金鹰国际（新商机）"), "{t}");
    assert!(t.contains("联系人：王总"), "{t}");
    assert!(t.contains("KA10"), "{t}");
    let deal = bot.reply(&alice(), "/deal 金鹰").await;
    assert_eq!(deal.kind, "deal", "{}", deal.text());
    assert!(!deal.text().contains("金鹰国际王总"), "{}", deal.text());
}

#[tokio::test]
async fn english_visit_logs_get_english_replies_with_uss_terms() {
    let bot = Bot::new();
    let r = bot
        .reply(
            &alice(),
            "Visited Acme Corp today, met with John Smith, discussed their needs.",
        )
        .await;
    let t = r.text();
    assert_eq!(r.kind, "visit_logged", "{t}");
    assert!(t.contains("Logged (visit): Acme Corp (meeting 1)"), "{t}");
    assert!(
        t.contains("Key activities (关键活动)") && t.contains("KA05"),
        "{t}"
    );
    assert!(t.contains("John Smith"), "{t}");
}

#[tokio::test]
async fn questions_and_knowledge_commands_are_left_to_the_engine() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总").await;
    let mut messages: Vec<String> = [
        "拜访前要准备什么",
        "客户说太贵了",
        "how do I close",
        "刚拜访完发起人，接下来我要做哪几件事",
        "见了决策人之后该干嘛？",
        "/mode 快刀",
        "/man M+a+N",
        "/help",
        "What should I do after I visited the customer?",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    #[derive(serde::Deserialize)]
    struct Q {
        text: String,
    }
    #[derive(serde::Deserialize)]
    struct Queries {
        query: Vec<Q>,
    }
    let q: Queries =
        toml::from_str(&std::fs::read_to_string(root.join("queries.toml")).expect("queries"))
            .expect("queries parse");
    messages.extend(q.query.into_iter().map(|q| q.text));
    messages.extend(
        std::fs::read_to_string(root.join("out_of_scope.txt"))
            .expect("out of scope")
            .lines()
            .map(str::to_string),
    );
    for m in &messages {
        let r = bot.reply(&alice(), m).await;
        // Deal replies (and questions about deals) are private.
        assert!(
            !r.private,
            "`{m}` was taken as a deal matter: {} {}",
            r.kind,
            r.text()
        );
    }
    let d = bot.reply(&alice(), "/deal 金鹰国际").await;
    assert!(
        d.text().contains("见面 1 次"),
        "a question changed the deal: {}",
        d.text()
    );
}

#[tokio::test]
async fn the_pipeline_flags_stale_deals() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总，确认了需求范围")
        .await;
    bot.advance_days(20);
    bot.reply(&alice(), "/visit 华联超市 做了开场白").await;
    let r = bot.reply(&alice(), "/deals").await;
    let t = r.text();
    assert_eq!(r.kind, "deals");
    assert!(r.private);
    assert!(t.contains("2 个进行中"), "{t}");
    let gold = t
        .lines()
        .find(|l| l.contains("金鹰国际"))
        .expect("金鹰 line");
    assert!(
        gold.contains("⚠ 已 20 天没拜访") && gold.contains("方案阶段"),
        "{gold}"
    );
    let hl = t
        .lines()
        .find(|l| l.contains("华联超市"))
        .expect("华联 line");
    assert!(!hl.contains('⚠') && hl.contains("0 天前"), "{hl}");
    assert!(t.contains("1 个商机超过 14 天没拜访"), "{t}");
}

/// `/undo` says what it would take back and asks; `1` undoes it.
async fn undo(bot: &Bot, user: &UserKey) -> Reply {
    let ask = bot.reply(user, "/undo").await;
    if ask.kind != "choices" {
        return ask;
    }
    bot.reply(user, "1").await
}

#[tokio::test]
async fn undo_says_what_it_will_undo_and_undoes_exactly_that_or_an_older_log() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总").await;
    bot.reply(&alice(), "/visit 金鹰国际 确认了需求范围").await;
    let ask = bot.reply(&alice(), "/undo").await;
    assert_eq!(ask.kind, "choices", "{}", ask.text());
    assert!(
        ask.text().contains("要撤销这条记录吗") && ask.text().contains("「确认了需求范围」"),
        "{}",
        ask.text()
    );
    // ① this one, ② the one before, ③ keep.
    let keep = bot.reply(&alice(), "3").await;
    assert!(keep.text().contains("没有撤销"), "{}", keep.text());
    let d = bot.reply(&alice(), "/deal 金鹰国际").await;
    assert!(
        d.text().contains("见面 2 次"),
        "asking undid nothing: {}",
        d.text()
    );

    let u = undo(&bot, &alice()).await;
    assert_eq!(u.kind, "undo");
    assert!(u.text().contains("确认了需求范围"), "{}", u.text());
    let d = bot.reply(&alice(), "/deal 金鹰国际").await;
    assert!(
        d.text().contains("见面 1 次") && !d.text().contains("KA07"),
        "{}",
        d.text()
    );
    // What was asked about is what is undone: a log made in between is
    // not taken back in its place.
    let ask = bot.reply(&alice(), "/undo").await;
    assert!(ask.text().contains("商机会一并删除"), "{}", ask.text());
    bot.svc
        .command(&alice(), "/visit 金鹰国际 做了方案呈现", Some(true))
        .await;
    let done = bot.reply(&alice(), "1").await;
    assert!(done.text().contains("「见了王总」"), "{}", done.text());
    let d = bot.reply(&alice(), "/deal 金鹰国际").await;
    assert!(
        d.text().contains("见面 1 次") && d.text().contains("KA10"),
        "the newer log stays: {}",
        d.text()
    );

    // A pick whose log is gone already undoes nothing else.
    let gone = bot.svc.undo_exactly(&alice(), 9_999, true).await;
    assert!(gone.text().contains("已经不在了"), "{}", gone.text());

    // An older log can be taken back instead of the newest.
    bot.reply(&alice(), "/visit 鑫达商贸 见了张总").await;
    bot.reply(&alice(), "/visit 金鹰国际 确认了需求范围").await;
    let ask = bot.reply(&alice(), "/undo").await;
    assert!(
        ask.text().contains("改撤销更早的：【鑫达商贸】"),
        "{}",
        ask.text()
    );
    let older = bot.reply(&alice(), "2").await;
    assert!(older.text().contains("「见了张总」"), "{}", older.text());
    assert_eq!(
        bot.reply(&alice(), "/deal 鑫达商贸").await.kind,
        "deal_not_found"
    );
    let d = bot.reply(&alice(), "/deal 金鹰国际").await;
    assert!(d.text().contains("见面 2 次"), "{}", d.text());

    undo(&bot, &alice()).await;
    let u = undo(&bot, &alice()).await;
    assert!(u.text().contains("商机已一并删除"), "{}", u.text());
    assert_eq!(
        bot.reply(&alice(), "/deal 金鹰国际").await.kind,
        "deal_not_found"
    );
    // alice writes Chinese, so the wordless /undo answers in Chinese.
    assert!(bot
        .reply(&alice(), "/undo")
        .await
        .text()
        .contains("没有可以撤销的拜访记录"));
}

#[tokio::test]
async fn an_ambiguous_customer_asks_which() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总").await;
    bot.reply(&alice(), "/visit 金鹰商贸 见了林总").await;
    let r = bot.reply(&alice(), "/deal 金鹰").await;
    assert_eq!(r.kind, "ambiguous");
    assert!(r.text().contains("金鹰国际") && r.text().contains("金鹰商贸"));
    let v = bot.reply(&alice(), "/visit 金鹰 确认了需求范围").await;
    assert_eq!(v.kind, "ambiguous", "an ambiguous visit must not be logged");
    let deals = bot.store.deals(&alice()).await.expect("deals");
    assert_eq!(deals.iter().map(|d| d.visits.len()).sum::<usize>(), 2);
    // A loose name that fits one deal is that deal, and becomes an alias.
    let v = bot.reply(&alice(), "/visit 金鹰商 确认了需求范围").await;
    assert!(
        v.text().contains("金鹰商贸") && v.text().contains("第 2 次见面"),
        "{}",
        v.text()
    );
}

#[tokio::test]
async fn man_mode_won_and_lost_commands() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总，确认了需求范围")
        .await;
    let m = bot
        .reply(&alice(), "/man 金鹰 money=yes authority=no")
        .await;
    assert_eq!(m.kind, "man_changed");
    assert!(m.text().contains("M+a+N"), "{}", m.text());
    assert!(
        m.text().contains("设法找到具有 A 的人"),
        "the handbook's meaning of M+a+N: {}",
        m.text()
    );
    let d = bot.reply(&alice(), "/deal 金鹰").await;
    assert!(d.text().contains("决策权 无（手动）"), "{}", d.text());
    let mode = bot.reply(&alice(), "/mode 金鹰 战略").await;
    assert_eq!(mode.kind, "mode_changed");
    assert!(mode.text().contains("战略模式"));
    let won = bot.reply(&alice(), "/won 金鹰 三月签约").await;
    assert_eq!(won.kind, "won");
    assert!(won.text().contains("KA13 收首期款"), "{}", won.text());
    bot.reply(&alice(), "/visit 华联超市 见了张总").await;
    let lost = bot.reply(&alice(), "/lost 华联 预算被砍").await;
    assert_eq!(lost.kind, "lost");
    assert!(lost.text().contains("预算被砍"));
    let all = bot.reply(&alice(), "/deals").await;
    assert!(all.text().contains("赢单 1，丢单 1"), "{}", all.text());
    let nf = bot.reply(&alice(), "/won 不存在的客户").await;
    assert_eq!(nf.kind, "deal_not_found");
    let usage = bot.reply(&alice(), "/man 金鹰 money=maybe").await;
    assert_eq!(usage.kind, "error");
}

#[tokio::test]
async fn user_b_cannot_read_or_change_user_a_deals() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了王总，确认了需求范围")
        .await;
    for cmd in [
        "/deal 金鹰国际",
        "/mode 金鹰国际 快刀",
        "/man 金鹰国际 money=no",
        "/won 金鹰国际",
        "/lost 金鹰国际 被抢了",
    ] {
        let r = bot.reply(&bob(), cmd).await;
        assert_eq!(r.kind, "deal_not_found", "{cmd}: {}", r.text());
        assert!(!r.text().contains("王总"), "{cmd} leaked: {}", r.text());
    }
    let r = bot.reply(&bob(), "/deals").await;
    assert!(!r.text().contains("金鹰"), "{}", r.text());
    assert!(bot
        .reply(&bob(), "/undo")
        .await
        .text()
        .contains("没有可以撤销的拜访记录"));
    assert!(bot.svc.customers(&bob()).await.is_empty());
    let mut out = Vec::new();
    bot.svc
        .export(&bob(), ExportFormat::Json, &mut out)
        .await
        .expect("export");
    assert!(!String::from_utf8_lossy(&out).contains("金鹰"));
    // Bob logging the same customer name starts Bob's own deal.
    bot.reply(&bob(), "/visit 金鹰国际 见了林总").await;
    let a = bot.reply(&alice(), "/deal 金鹰国际").await;
    let t = a.text();
    assert!(
        t.contains("见面 1 次") && t.contains("王总") && !t.contains("林总"),
        "{t}"
    );
    assert!(
        t.contains("MAN") && !t.contains("（手动）") && !t.contains("赢单") && !t.contains("丢单"),
        "{t}"
    );
    assert_eq!(
        bot.svc.customers(&alice()).await,
        vec!["金鹰国际".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_visit_logs_to_one_deal_lose_nothing() {
    let bot = Arc::new(Bot::new());
    bot.reply(&alice(), "/visit 金鹰国际 见了王总").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let bot = bot.clone();
        tasks.push(tokio::spawn(async move {
            let r = bot
                .reply(&alice(), &format!("/visit 金鹰国际 第{i}次跟进，聊了需求"))
                .await;
            assert_eq!(r.kind, "visit_logged");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let deals = bot.store.deals(&alice()).await.expect("deals");
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0].visits.len(), 41, "concurrent visit logs were lost");
}

#[tokio::test]
async fn json_export_and_import_round_trip_everything() {
    let bot = Bot::new();
    bot.reply(
        &alice(),
        "/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现",
    )
    .await;
    bot.reply(&alice(), "/man 金鹰 money=yes").await;
    bot.reply(&alice(), "/visit 华联超市 做了开场白").await;
    bot.reply(&alice(), "/lost 华联 预算被砍").await;
    let mut out = Vec::new();
    bot.svc
        .export(&alice(), ExportFormat::Json, &mut out)
        .await
        .expect("export");
    let json = String::from_utf8(out).expect("utf8");

    let other = Bot::new();
    let s = other.svc.import(&json).await.expect("import");
    assert_eq!((s.users, s.deals, s.visits), (1, 2, 2));
    let before = bot.store.deals(&alice()).await.expect("deals");
    let after = other.store.deals(&alice()).await.expect("deals");
    assert_eq!(before, after, "JSON must round-trip every field");
    // After an import, /undo still removes the newest visit.
    other.reply(&alice(), "/visit 金鹰国际 做了方案呈现").await;
    let u = undo(&other, &alice()).await;
    assert!(u.text().contains("做了方案呈现"), "{}", u.text());
}

#[tokio::test]
async fn csv_export_and_import_keep_visits_mode_and_outcome() {
    let bot = Bot::new();
    bot.reply(
        &alice(),
        "/visit 金鹰国际 见了小王总，确认了需求范围，下周做方案呈现",
    )
    .await;
    bot.reply(&alice(), "/mode 金鹰 快刀").await;
    bot.reply(
        &alice(),
        "/visit \"Acme Corp\" met John, discussed their needs",
    )
    .await;
    bot.reply(&alice(), "/won Acme").await;
    let mut out = Vec::new();
    bot.svc
        .export(&alice(), ExportFormat::Csv, &mut out)
        .await
        .expect("export");
    let csv = String::from_utf8(out).expect("utf8");
    assert_eq!(
        csv.lines().count(),
        3,
        "header plus one row per visit: {csv}"
    );

    let other = Bot::new();
    let s = other.svc.import(&csv).await.expect("import");
    assert_eq!((s.deals, s.visits), (2, 2));
    let before = bot.store.deals(&alice()).await.expect("deals");
    let after = other.store.deals(&alice()).await.expect("deals");
    assert_eq!(before.len(), 2);
    assert_eq!(
        after.len(),
        before.len(),
        "the import stored every exported deal"
    );
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.customer, a.customer);
        assert_eq!(b.mode, a.mode);
        assert_eq!(b.stage, a.stage);
        assert_eq!(b.activities, a.activities);
        assert_eq!(b.outcome, a.outcome);
        assert_eq!(b.next_steps, a.next_steps);
        assert_eq!(b.visits.len(), a.visits.len());
    }
}

#[tokio::test]
async fn a_broken_import_says_why() {
    let bot = Bot::new();
    let e = bot
        .svc
        .import("{\"format\":\"other\"}")
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("not a ussbot"), "{e}");
    let e = bot
        .svc
        .import(r#"{"format":"other","version":1,"exported_at":"2026-03-02T09:00:00+08:00","users":[]}"#)
        .await
        .expect_err("refused");
    assert!(
        e.to_string()
            .contains("not a ussbot deal export (format `other`)"),
        "the format check itself: {e}"
    );
    let e = bot.svc.import("a,b\n1,2\n").await.expect_err("refused");
    assert!(e.to_string().contains("csv line 1"), "{e}");
}

/// Every knowledge choice Discord's autocomplete offers, sent back as that
/// command, opens the very entry it named (it is never read as a deal
/// command nor answered "not found").
#[tokio::test]
async fn every_autocomplete_choice_opens_its_entry() {
    use ussbot::discord::commands::{knowledge_choices, to_text, Parts};
    let t = Bot::new();
    let bot = &t.chat;
    let user = alice();
    let mut checked = 0;
    for (name, sub) in [
        ("case", None),
        ("point", None),
        ("objection", None),
        ("close", None),
        ("skill", None),
        ("stage", None),
        ("mode", Some("about")),
        ("man", Some("about")),
    ] {
        let choices = knowledge_choices(&knowledge(), name, "");
        assert!(!choices.is_empty(), "/{name} offers choices");
        for (shown, value) in choices {
            let parts = Parts {
                name: name.to_string(),
                sub: sub.map(str::to_string),
                options: vec![("query".to_string(), value.clone())],
            };
            let inv = to_text(&parts).expect("valid invocation");
            assert!(!inv.deal, "/{name} {shown} is a handbook question");
            let r = bot.handle(&user, &inv.text).await;
            assert_eq!(
                r.items.first().map(|i| i.id.as_str()),
                Some(value.as_str()),
                "/{name} choice {shown:?} opened {} instead",
                r.text()
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked} choices checked");
}

/// After "您是想问：① … ② …", typing a number opens that choice; any other
/// message is a new question.
#[tokio::test]
async fn a_number_after_choices_opens_that_choice() {
    let engine = engine();
    let candidates = [
        // Two entries named at once, each as likely as the other.
        "拜访技巧 电话技巧",
        "电话技巧 拜访技巧",
        "拜访技巧还是电话技巧",
    ];
    let Some(question) = candidates
        .iter()
        .find(|q| engine.answer(q).kind == "choices")
    else {
        panic!("none of the candidate questions gets choices any more; add one that does");
    };
    let t = Bot::new();
    let bot = ussbot::conversation::Bot::new(engine, t.svc);
    let user = alice();
    let offered = bot.handle(&user, question).await;
    assert_eq!(offered.kind, "choices");
    let text = offered.text();
    assert!(text.contains('①') && text.contains('②'), "{text}");
    let opened = bot.handle(&user, "2").await;
    assert_eq!(opened.items[0].id, offered.items[1].id, "{}", opened.text());
    // The offer is used up: a second "2" is not that entry again.
    let again = bot.handle(&user, "2").await;
    assert_ne!(
        again.items.first().map(|i| &i.id),
        Some(&offered.items[1].id)
    );
    // Another user's number opens nothing of this offer.
    let other = bot.handle(&bob(), "1").await;
    assert_ne!(
        other.items.first().map(|i| &i.id),
        Some(&offered.items[0].id)
    );
}

async fn names_of(bot: &Bot, user: &UserKey) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = bot
        .store
        .deals(user)
        .await
        .expect("deals")
        .into_iter()
        .map(|d| (d.customer.name, d.visits.len()))
        .collect();
    v.sort();
    v
}

/// Look-alike names are never merged by guess: a free-text log asks and
/// saves nothing; an explicit `/visit X` means X; a short form or a legal
/// ending still finds the deal.
#[tokio::test]
async fn look_alike_customers_are_asked_about_never_merged() {
    let bot = Bot::new();
    let u = alice();
    bot.reply(&u, "/visit 鑫达商贸 见了张总，确认了需求范围")
        .await;
    bot.reply(&u, "/visit 广州钢铁集团 见了王总").await;
    // A short form goes to its deal.
    let r = bot.reply(&u, "/visit 鑫达 张总说预算批了").await;
    assert!(r.text().contains("鑫达商贸"), "{}", r.text());
    assert_eq!(
        names_of(&bot, &u).await,
        vec![("广州钢铁集团".to_string(), 1), ("鑫达商贸".to_string(), 2)]
    );
    // Free text about look-alikes: asked, nothing saved.
    for note in [
        "今天拜访了鑫达电子李总，也是做分销的，李总说今年没预算",
        "拜访了杭州钢铁集团王总，做了方案呈现",
    ] {
        let r = bot.reply(&u, note).await;
        assert_eq!(r.kind, "ask_customer", "{note}: {}", r.text());
        let t = r.text();
        assert!(t.contains("还没有保存"), "{t}");
        assert!(t.contains("/visit"), "says how to save it: {t}");
        assert_eq!(
            names_of(&bot, &u).await,
            vec![("广州钢铁集团".to_string(), 1), ("鑫达商贸".to_string(), 2)],
            "{note} changed the deals"
        );
    }
    // The rep says which: a new customer.
    bot.reply(&u, "/visit 鑫达电子 李总说今年没预算").await;
    bot.reply(&u, "/visit 杭州钢铁集团 王总，做了方案呈现")
        .await;
    assert_eq!(
        names_of(&bot, &u).await,
        vec![
            ("广州钢铁集团".to_string(), 1),
            ("杭州钢铁集团".to_string(), 1),
            ("鑫达商贸".to_string(), 2),
            ("鑫达电子".to_string(), 1),
        ]
    );
    // Each name now goes to its own deal; the legal ending changes nothing.
    bot.reply(&u, "/visit 鑫达电子有限公司 李总回电话了").await;
    bot.reply(&u, "/visit 广州钢铁集团有限公司 王总回电话了")
        .await;
    assert_eq!(
        names_of(&bot, &u).await,
        vec![
            ("广州钢铁集团".to_string(), 2),
            ("杭州钢铁集团".to_string(), 1),
            ("鑫达商贸".to_string(), 2),
            ("鑫达电子".to_string(), 2),
        ]
    );
}

/// Roles, amounts and sentences never become deals; a question that merely
/// reads like a note still gets its answer, with word that nothing was saved.
#[tokio::test]
async fn no_deal_is_named_after_a_role_an_amount_or_a_sentence() {
    let t = Bot::new();
    let store = t.store.clone();
    let bot = &t.chat;
    let u = alice();
    for note in [
        "今天见了一个客户说太贵了怎么办",
        "拜访了财务总监陈总，集团下面二十几家子公司",
        "海诚预算报上去了，老板说要等董事会批",
        "拜访了大概800万的那个项目",
    ] {
        let r = bot.handle(&u, note).await;
        let deals = store.deals(&u).await.expect("deals");
        assert!(
            deals.is_empty(),
            "{note}: created {:?}",
            deals.iter().map(|d| &d.customer.name).collect::<Vec<_>>()
        );
        assert!(!r.text().contains("已记录"), "{note}: {}", r.text());
    }
    let r = bot.handle(&u, "今天见了一个客户说太贵了怎么办").await;
    assert_eq!(r.kind, "objection", "{}", r.text());
    assert!(r.text().contains("还没有保存"), "{}", r.text());
}

/// "今天去X…做了…" is a visit log, not a handbook question.
#[tokio::test]
async fn a_note_that_starts_with_today_went_to_is_logged() {
    let bot = Bot::new();
    let u = alice();
    let r = bot
        .reply(
            &u,
            "今天去恒力集团给孙经理做了方案呈现，预算批了，下周二谈商务",
        )
        .await;
    assert_eq!(r.kind, "visit_logged", "{}", r.text());
    assert_eq!(names_of(&bot, &u).await, vec![("恒力集团".to_string(), 1)]);
    let q = bot.reply(&u, "今天去见客户之前要准备啥").await;
    assert!(!q.private, "a question is not a log: {}", q.text());
    assert_eq!(names_of(&bot, &u).await, vec![("恒力集团".to_string(), 1)]);
}

/// `/undo` takes back the name a log added: 鑫达商贸公司 stops standing for
/// 鑫达商贸, and the reply says so.
#[tokio::test]
async fn undo_takes_back_the_name_a_log_added() {
    let bot = Bot::new();
    let u = alice();
    bot.reply(&u, "/visit 鑫达商贸 见了张总").await;
    let r = bot.reply(&u, "/visit 鑫达商贸公司 张总说预算批了").await;
    assert!(r.text().contains("鑫达商贸"), "{}", r.text());
    let deals = bot.store.deals(&u).await.expect("deals");
    assert_eq!(deals[0].customer.aliases, vec!["鑫达商贸公司".to_string()]);
    let ask = bot.reply(&u, "/undo").await;
    assert!(
        ask.text()
            .contains("“鑫达商贸公司”也会不再算作鑫达商贸的名称"),
        "{}",
        ask.text()
    );
    let undo = undo(&bot, &u).await;
    assert!(undo.text().contains("张总说预算批了"), "{}", undo.text());
    assert!(
        undo.text()
            .contains("“鑫达商贸公司”也不再算作鑫达商贸的名称"),
        "{}",
        undo.text()
    );
    let deals = bot.store.deals(&u).await.expect("deals");
    assert!(
        deals[0].customer.aliases.is_empty(),
        "{:?}",
        deals[0].customer
    );
    assert_eq!(deals[0].visits.len(), 1);
}

/// A consultant-mode deal followed over two weeks in the rep's own words:
/// calls and letters are recorded as what they were and do not count as
/// visits; the stage and the visit program follow what happened.
#[tokio::test]
async fn a_consultant_deal_follows_what_happened_not_the_number_of_messages() {
    let bot = Bot::new();
    let u = alice();
    let log = |text: &'static str| {
        let bot = &bot;
        let u = u.clone();
        async move {
            let r = bot.reply(&u, text).await;
            assert_eq!(r.kind, "visit_logged", "{text}: {}", r.text());
            r
        }
    };
    log("拜访了恒力集团 见了孙经理 聊了排产和交货延期的问题 需求很明确").await;
    let call = log("给恒力孙经理打了电话 约好下周二去做现场调研").await;
    assert!(
        call.text().contains("已记录电话：恒力集团"),
        "{}",
        call.text()
    );
    let letter = log("给恒力发了第一封跟进信").await;
    assert!(
        letter.text().contains("已记录信息/邮件"),
        "{}",
        letter.text()
    );
    bot.advance_days(7);
    let survey = log("恒力 售前李工去做了现场调研 车间和仓库都看了").await;
    assert!(
        survey.text().contains("第 2 次见面"),
        "two meetings, not four: {}",
        survey.text()
    );
    let deal = bot.store.deals(&u).await.expect("deals").remove(0);
    assert_eq!(deal.visits.len(), 4, "every touchpoint is kept");
    assert!(
        !deal.contacts.iter().any(|c| c.name.contains("李工")),
        "our presales engineer is not the customer's contact: {:?}",
        deal.contacts
    );
    bot.advance_days(7);
    let demo = log("今天去恒力给孙经理做了方案呈现 效果不错 预算也批了").await;
    let t = demo.text();
    assert!(t.contains("第 3 次见面"), "{t}");
    assert!(
        !t.contains("程序已走完"),
        "the program is not over after three visits: {t}"
    );
    assert!(
        !t.contains("收首期款"),
        "no payment is due before the signing: {t}"
    );
    let d = bot.reply(&u, "恒力现在啥阶段").await;
    assert_eq!(d.kind, "deal", "{}", d.text());
    assert!(
        d.text().contains("KA10") || d.text().contains("方案呈现"),
        "{}",
        d.text()
    );
}

/// What is only wished for or arranged ("说要看演示", "敲定了调研时间") or
/// asked about ("跟进信怎么写？") is not recorded as done; a part of the
/// customer written after its short form (广钢信息中心) is that customer,
/// and "这单先不做了" is a lost deal: the reply says how to close it, not
/// which visit comes next.
#[tokio::test]
async fn arranged_or_asked_activities_are_not_recorded_as_done() {
    use ussbot::deals::model::Touch;
    let bot = Bot::new();
    let u = alice();
    bot.reply(&u, "/visit 广州钢铁集团 见了黄总，需求很明确")
        .await;
    for (note, touch) in [
        ("广钢信息中心吴主任打电话说要看演示", Touch::Call),
        ("电话跟广钢黄总敲定了调研时间，下周一去", Touch::Call),
        ("去广钢见了黄总。跟进信该怎么写？", Touch::Visit),
        ("广钢黄总说老板改主意了，这单先不做了", Touch::Lost),
    ] {
        let r = bot.reply(&u, note).await;
        assert_eq!(r.kind, "visit_logged", "{note}: {}", r.text());
        let deal = bot.store.deals(&u).await.expect("deals").remove(0);
        assert_eq!(deal.customer.name, "广州钢铁集团", "{note}");
        let last = deal.visits.last().expect("a visit");
        assert_eq!(last.touch, touch, "{note}");
        assert!(
            last.activities.is_empty(),
            "{note}: recorded as done {:?}",
            last.activities
        );
        if touch == Touch::Lost {
            // No next visit of the program for a customer who walked away.
            let brief = r.brief.clone().unwrap_or_default();
            for shown in [r.text(), brief] {
                assert!(shown.contains("/lost 广州钢铁集团"), "{shown}");
                assert!(!shown.contains("第二次拜访"), "{shown}");
            }
        }
    }
}

/// A log waiting on "新客户吗？" is not dropped when the rep asks something
/// else first: the answer says it is unsaved and how to save it, and the
/// number still saves it.
#[tokio::test]
async fn a_log_waiting_on_an_answer_outlives_a_question_in_between() {
    let bot = Bot::new();
    let u = alice();
    let first = bot.reply(&u, "今天去了趟鑫达，见了陈总").await;
    assert!(first.text().contains("新客户"), "{}", first.text());
    let answer = bot.reply(&u, "客户说太贵了").await;
    assert_eq!(answer.kind, "objection", "{}", answer.text());
    let shown = answer.brief.clone().unwrap_or_else(|| answer.text());
    assert!(
        shown.contains("还没有保存") && shown.contains("回复 1 记到【鑫达】"),
        "{shown}"
    );
    assert!(names_of(&bot, &u).await.is_empty(), "saved without asking");
    let saved = bot.reply(&u, "1").await;
    assert_eq!(saved.kind, "visit_logged", "{}", saved.text());
    assert_eq!(names_of(&bot, &u).await, vec![("鑫达".to_string(), 1)]);
}

/// A quick-knife deal signed and paid: the signing and the payment are
/// recorded as such and the deal's card shows them.
#[tokio::test]
async fn a_quick_knife_deal_runs_to_signing_and_payment() {
    let bot = Bot::new();
    let u = alice();
    bot.reply(
        &u,
        "/visit 华联超市 老板想上标准财务软件 预算三万 他自己拍板",
    )
    .await;
    bot.reply(&u, "/mode 华联超市 快刀").await;
    let signed = bot.reply(&u, "华联超市签了！！合同2.8万").await;
    assert_eq!(signed.kind, "visit_logged", "{}", signed.text());
    assert!(signed.text().contains("已记录签约"), "{}", signed.text());
    let paid = bot.reply(&u, "华联超市首款到了 1.4万").await;
    assert!(paid.text().contains("已记录收款"), "{}", paid.text());
    let deal = bot.store.deals(&u).await.expect("deals").remove(0);
    let touches: Vec<_> = deal.visits.iter().map(|v| v.touch).collect();
    use ussbot::deals::model::Touch;
    assert_eq!(touches, vec![Touch::Visit, Touch::Signing, Touch::Payment]);
}

/// Two reps with a customer of the same name each keep their own deal;
/// one's log never lands on the other's.
#[tokio::test]
async fn two_reps_with_the_same_customer_stay_apart() {
    let bot = Bot::new();
    bot.reply(&alice(), "拜访了恒力集团 见了孙经理 需求很明确")
        .await;
    bot.reply(&bob(), "拜访了恒力集团 见了钱总 预算没批").await;
    bot.reply(&alice(), "恒力 孙经理说预算批了").await;
    let a = bot.store.deals(&alice()).await.expect("deals");
    let b = bot.store.deals(&bob()).await.expect("deals");
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!((a[0].visits.len(), b[0].visits.len()), (2, 1));
    assert!(a[0].contacts.iter().all(|c| c.name != "钱总"));
    let card = bot.reply(&bob(), "恒力下一步干嘛").await;
    assert!(!card.text().contains("孙经理"), "{}", card.text());
}

/// Questions about the rep's deals in plain words get the deals, not a
/// handbook card: the next step, the stale ones, the planned follow-ups,
/// and "this customer" after talking about one.
#[tokio::test]
async fn deal_questions_in_plain_words_are_answered_from_the_deals() {
    let bot = Bot::new();
    let u = alice();
    bot.reply(&u, "拜访了鑫达商贸 见了张总 下周三去做方案呈现")
        .await;
    bot.reply(&u, "拜访了川味坊餐饮 见了黄总").await;
    bot.advance_days(20);
    bot.reply(&u, "拜访了恒力集团 见了孙经理 明天去做现场调研")
        .await;
    let stale = bot.reply(&u, "哪些客户好久没跟了").await;
    assert_eq!(stale.kind, "deals", "{}", stale.text());
    assert!(
        stale.text().contains("川味坊餐饮") && !stale.text().contains("恒力集团"),
        "{}",
        stale.text()
    );
    let plans = bot.reply(&u, "今天要跟谁").await;
    assert_eq!(plans.kind, "deals", "{}", plans.text());
    assert!(
        plans.text().contains("已过期"),
        "the 鑫达 demo is overdue: {}",
        plans.text()
    );
    assert!(plans.text().contains("恒力集团"), "{}", plans.text());
    // The heading counts what it lists.
    assert!(
        plans.text().contains("计划的跟进：2 项"),
        "{}",
        plans.text()
    );
    let mine = bot.reply(&u, "我的商机").await;
    assert!(mine.text().contains("3 个进行中"), "{}", mine.text());
    bot.reply(&u, "恒力那边怎么样了").await;
    let next = bot.reply(&u, "这个客户下一步干嘛").await;
    assert_eq!(next.kind, "deal", "{}", next.text());
    assert_eq!(next.title.as_deref(), Some("恒力集团"));
    for r in [&stale, &plans, &mine, &next] {
        assert!(r.private, "deal data is private: {}", r.text());
    }
}

/// An offer the bot is waiting on survives a restart: after "关于【恒力集团】，
/// 要我做什么？", the bot restarts, and the rep's "2" still records the note.
#[tokio::test]
async fn a_pending_choice_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let bot_over = |store: Arc<ussbot::storage::SledStore>| {
        let svc = DealService::new(store.clone(), knowledge(), DealSettings { stale_days: 14 });
        ussbot::conversation::Bot::new(engine(), svc).with_pending(store)
    };
    let u = alice();
    {
        let bot = bot_over(Arc::new(open_sled(&data).expect("open")));
        bot.handle(&u, "/visit 恒力集团 见了孙经理").await;
        let asked = bot.handle(&u, "恒力那边还行吧").await;
        assert_eq!(asked.kind, "choices", "{}", asked.text());
        assert!(
            asked.text().contains("② 把这句记为【恒力集团】的拜访"),
            "{}",
            asked.text()
        );
    }
    let store = Arc::new(open_sled(&data).expect("reopen"));
    let bot = bot_over(store.clone());
    let logged = bot.handle(&u, "2").await;
    assert_eq!(logged.kind, "visit_logged", "{}", logged.text());
    let deals = store.deals(&u).await.expect("deals");
    assert_eq!(deals[0].visits.len(), 2);
    assert!(deals[0].visits.iter().any(|v| v.raw == "恒力那边还行吧"));
    // Used up: another "2" is not that choice again.
    let again = bot.handle(&u, "2").await;
    assert_ne!(again.kind, "visit_logged", "{}", again.text());
}

/// `csv` with the `man` column of its last row set to `code`.
fn with_man_code(csv: &str, code: &str) -> String {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(r.headers().expect("header")).expect("write");
    let mut rows: Vec<csv::StringRecord> = r.records().map(|row| row.expect("row")).collect();
    let last = rows.last_mut().expect("a row");
    *last = last
        .iter()
        .enumerate()
        .map(|(i, f)| if i == 8 { code } else { f })
        .collect();
    for row in &rows {
        w.write_record(row).expect("write");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf8")
}

/// Regression: the CSV import read a MAN code's letters without their
/// order, so `A+M+N` came back as money, authority and need all "yes".
/// A code out of order or malformed is refused, naming the file's line
/// (a visit written over two lines counts as two) and the column, and
/// nothing is imported; a well-formed code is read by position.
#[tokio::test]
async fn a_csv_man_code_out_of_order_is_refused_not_read_as_all_yes() {
    let bot = Bot::new();
    bot.reply(&alice(), "/visit 金鹰国际 见了小王总\n确认了需求范围")
        .await;
    bot.reply(&alice(), "/visit 金鹰国际 又见了小王总，聊了预算")
        .await;
    let mut out = Vec::new();
    bot.svc
        .export(&alice(), ExportFormat::Csv, &mut out)
        .await
        .expect("export");
    let csv = String::from_utf8(out).expect("utf8");
    assert_eq!(
        csv.lines().count(),
        4,
        "the first visit spans two lines: {csv}"
    );

    for code in [
        "A+M+N", "N+a+M", "M+A", "M+A+N+M", "MAN", "Y+a+N", "M+a+x", "Ma+a+N",
    ] {
        let other = Bot::new();
        let e = other
            .svc
            .import(&with_man_code(&csv, code))
            .await
            .expect_err(code)
            .to_string();
        assert!(
            e.contains("csv line 4")
                && e.contains("column `man`")
                && e.contains(&format!("`{code}`")),
            "{code}: {e}"
        );
        assert!(
            e.contains("M, A, N in that order"),
            "says how to fix it: {e}"
        );
        let deals = other.store.deals(&alice()).await.expect("deals");
        assert!(deals.is_empty(), "{code}: nothing imported");
    }

    let other = Bot::new();
    other
        .svc
        .import(&with_man_code(&csv, "m+A+?"))
        .await
        .expect("a well-formed code imports");
    let deals = other.store.deals(&alice()).await.expect("deals");
    let settings: Vec<(&str, &str)> = deals[0]
        .man_settings
        .iter()
        .map(|s| (s.field.en(), s.value.en()))
        .collect();
    assert_eq!(
        settings,
        [("money", "no"), ("authority", "yes")],
        "`?` sets nothing"
    );
    let answer = other.chat.handle(&alice(), "/deal 金鹰").await;
    let shown = answer.text();
    assert!(
        shown.contains("m+A+"),
        "the deal's MAN shows money no, authority yes: {shown}"
    );
}

/// The reply language follows the user: after a rep writes Chinese, the
/// wordless commands (/help, /deals, /case) answer in Chinese, and after
/// English in English; 帮助, 怎么用 and help open the help card.
#[tokio::test]
async fn the_reply_language_follows_the_user_and_help_words_open_help() {
    let bot = Bot::new();
    let zh = alice();
    bot.reply(&zh, "客户说太贵了").await;
    let help = bot.reply(&zh, "/help").await;
    assert!(
        help.text().contains("直接说你遇到的情况"),
        "{}",
        help.text()
    );
    let deals = bot.reply(&zh, "/deals").await;
    assert!(deals.text().contains("我的商机"), "{}", deals.text());
    let cases = bot.reply(&zh, "/case").await;
    assert!(cases.text().contains("参考案例"), "{}", cases.text());
    assert!(
        !cases.text().contains("reference cases"),
        "{}",
        cases.text()
    );

    let en = bob();
    bot.reply(&en, "customer says it's too expensive").await;
    let deals = bot.reply(&en, "/deals").await;
    assert!(deals.text().contains("My pipeline"), "{}", deals.text());

    for (user, words, says) in [
        (&zh, "帮助", "直接说你遇到的情况"),
        (&zh, "怎么用", "直接说你遇到的情况"),
        (&zh, "你能做什么？", "直接说你遇到的情况"),
        (&en, "help", "Just describe the situation"),
    ] {
        let r = bot.reply(user, words).await;
        assert_eq!(r.kind, "help", "{words}: {}", r.text());
        assert!(r.text().contains(says), "{words}: {}", r.text());
    }
}

/// A card comes as its brief first; "更多" (or "more") then gives the full
/// card, once.
#[tokio::test]
async fn a_brief_first_and_the_full_card_on_more() {
    let bot = Bot::new();
    let u = alice();
    let r = bot.reply(&u, "客户说太贵了").await;
    let brief = r.brief.clone().expect("a brief");
    assert!(
        brief.lines().count() <= 3 && brief.contains("这样说"),
        "{brief}"
    );
    let full = bot.reply(&u, "更多").await;
    assert_eq!(full.kind, r.kind);
    assert!(full.brief.is_none(), "the full card, not the brief again");
    assert!(full.text().contains("时机与步骤"), "{}", full.text());
    let logged = bot
        .reply(&u, "今天去恒力集团见了孙经理，下周二做方案呈现")
        .await;
    let b = logged.brief.clone().expect("a visit brief");
    assert!(
        b.contains("恒力集团") && b.contains("下一步：下周二做方案呈现"),
        "{b}"
    );
    let full = bot.reply(&u, "more").await;
    assert!(full.text().contains("关键活动"), "{}", full.text());
}

/// A handbook question that names the customer's person ("张总说再考虑考虑")
/// is answered like one about "the customer": the handbook knows no 张总.
#[tokio::test]
async fn a_question_naming_the_customers_person_still_gets_the_handbook() {
    let bot = Bot::new();
    let u = alice();
    bot.reply(&u, "拜访了鑫达商贸 见了张总").await;
    let r = bot.reply(&u, "张总说再考虑考虑 我咋回").await;
    assert_ne!(r.kind, "none", "{}", r.text());
    let ids: Vec<&str> = r.items.iter().map(|i| i.id.as_str()).collect();
    assert!(
        ids.iter()
            .any(|id| id.starts_with("objection") || id.contains("objection")),
        "{ids:?}: {}",
        r.text()
    );
}

/// A visit is dated by the day the note names, read backwards ("上周三",
/// "前天", "2026-02-14"); a day it cannot be (in 1999, or a plan for 1999)
/// is not silently moved to another date: the reply says it was not used.
#[tokio::test]
async fn visits_are_dated_by_the_day_named_and_impossible_days_are_said() {
    let bot = Bot::new();
    let u = alice();
    // The clock starts on Monday 2026-03-02.
    let r = bot
        .reply(&u, "/visit 金鹰国际 上周三见了王总，确认了需求范围")
        .await;
    assert!(r.text().contains("拜访日期：2026-02-25"), "{}", r.text());
    let r = bot
        .reply(&u, "/visit 金鹰国际 1999年12月31日见了王总")
        .await;
    assert!(
        r.text().contains("“1999年12月31日”不像拜访日"),
        "{}",
        r.text()
    );
    let r = bot
        .reply(&u, "/visit 金鹰国际 见了王总，下次1999年12月31日再去")
        .await;
    assert!(
        r.text().contains("“1999年12月31日”不像计划日"),
        "{}",
        r.text()
    );
    let deals = bot.store.deals(&u).await.expect("deals");
    let days: Vec<String> = deals[0]
        .visits
        .iter()
        .map(|v| v.at.format("%Y-%m-%d").to_string())
        .collect();
    assert_eq!(days, ["2026-02-25", "2026-03-02", "2026-03-02"]);
    assert!(
        deals[0].next_steps.iter().all(|n| n.due.is_none()),
        "no due date from 1999: {:?}",
        deals[0].next_steps
    );
}

/// English notes name people after "to", "called", a title or a Chinese
/// role ("IT 经理 Kevin"); the customer itself is never one of its contacts.
#[tokio::test]
async fn english_contacts_are_read_and_the_customer_is_not_its_own_contact() {
    let bot = Bot::new();
    let u = bob();
    bot.reply(
        &u,
        "/visit \"Acme Corp\" sent the proposal to Acme Corp and called Director Zhou",
    )
    .await;
    bot.reply(
        &u,
        "/visit \"Acme Corp\" IT 经理 Kevin says the old system is slow",
    )
    .await;
    let deals = bot.store.deals(&u).await.expect("deals");
    let names: Vec<&str> = deals[0].contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Director Zhou", "Kevin"], "{:?}", deals[0].contacts);
}

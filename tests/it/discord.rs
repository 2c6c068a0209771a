//! The Discord adapter end to end: the real serenity client against a fake
//! Discord on 127.0.0.1 (see `discord_fake`). Every test starts its own fake
//! and client; waits are event-driven, with timeouts only as failure guards.
//!
//! The load run is ignored by default:
//! `cargo test --test it -- --ignored discord::load --nocapture`

#[path = "discord_fake/mod.rs"]
pub mod discord_fake;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use discord_fake::*;
use ussbot::config::{Config, DiscordConfig};
use ussbot::conversation::Bot;
use ussbot::discord::{self, render, Core, Token};
use ussbot::knowledge::{Kind, Knowledge};
use ussbot::reply::Reply;
use ussbot::user::UserKey;

const GUILD: u64 = 700;
const CHANNEL: u64 = 701;
const ROLE: u64 = 702;

/// The real bot (knowledge, engine, deal store in a temp dir), shared by all
/// tests of this binary; tests use distinct user ids.
fn bot() -> Arc<Bot> {
    static BOT: OnceLock<Arc<Bot>> = OnceLock::new();
    Arc::clone(BOT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("ussbot-discord-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir")
            .keep();
        let mut cfg = Config::default();
        cfg.knowledge.dir = "knowledge".into();
        cfg.data.dir = dir;
        Arc::new(ussbot::app::bot(&cfg).expect("bot from the real parts"))
    }))
}

/// The real bot, plus three test-only inputs whose answers the placeholder
/// engine cannot produce yet: a very long answer, an echo (to prove no
/// ping) and a private answer.
struct TestCore {
    bot: Arc<Bot>,
    /// Holds back the answers to `/slow` and `/slowsecret` until the test
    /// has seen the deferral.
    gate: Arc<tokio::sync::Notify>,
}

const SECRET: &str = "SECRET-DEAL-DATA 秘密商机";

fn long_reply() -> Reply {
    let mut r = Reply::new("case", Some("很长的案例 A very long case".to_string()));
    for i in 0..30 {
        r.push(
            Some(&format!("第{i}节 Part {i}")),
            format!("marker-{i} {}", "案例内容。".repeat(180)),
        );
        r.push(Some("何时使用 When to use"), format!("when-{i}"));
    }
    r
}

impl Core for TestCore {
    async fn handle(&self, user: &UserKey, text: &str) -> Reply {
        if text == "/long" {
            return long_reply();
        }
        if let Some(rest) = text.strip_prefix("/echo ") {
            return Reply::plain("none", rest);
        }
        if text == "/slow" || text == "/slowsecret" {
            self.gate.notified().await;
            let mut r = Reply::plain("none", format!("slow answer {SECRET}"));
            r.private = text == "/slowsecret";
            return r;
        }
        if text == "/secret" {
            let mut r = Reply::plain("deals", SECRET);
            r.private = true;
            return r;
        }
        self.bot.handle(user, text).await
    }
    fn customers(&self, user: &UserKey) -> impl Future<Output = Vec<String>> + Send {
        self.bot.customers(user)
    }
    fn knowledge(&self) -> &Knowledge {
        Core::knowledge(&*self.bot)
    }
}

/// A running client against its own fake.
struct Running {
    fake: Fake,
    gate: Arc<tokio::sync::Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn start(message_content: bool) -> Running {
    let fake = Fake::start().await;
    let cfg = DiscordConfig {
        api_base: Some(fake.http_base.clone()),
        message_content,
        ..DiscordConfig::default()
    };
    let token = Token::parse(TOKEN).expect("test token has a valid shape");
    let (tx, rx) = oneshot::channel::<()>();
    let gate = Arc::new(tokio::sync::Notify::new());
    let core = Arc::new(TestCore {
        bot: bot(),
        gate: Arc::clone(&gate),
    });
    let task = tokio::spawn(discord::serve(core, cfg, token, async move {
        let _ = rx.await;
    }));
    fake.wait_sessions(1).await;
    // Commands are registered from the READY handler, after it learnt its own id.
    let reg = fake
        .expect("slash command registration", |r| r.method == "PUT")
        .await;
    assert!(reg
        .path
        .ends_with(&format!("/applications/{APP_ID}/commands")));
    Running {
        fake,
        gate,
        stop: Some(tx),
        task,
    }
}

impl Running {
    async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let res = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("client stops on shutdown");
        res.expect("task").expect("clean shutdown");
    }

    /// Dispatch a slash command and return (callback, final message):
    /// the final message is the callback itself, or the edit/follow-up
    /// after a deferral.
    async fn slash(&self, user: u64, guild: Option<u64>, data: Value) -> (Recorded, Recorded) {
        let id = self.fake.id();
        let token = format!("tok{id}");
        self.fake.dispatch(
            "INTERACTION_CREATE",
            interaction_json(2, id, &token, user, guild, data),
        );
        let cb = self
            .fake
            .expect("interaction callback", |r| r.callback_of() == Some(id))
            .await;
        match cb.body["type"].as_u64() {
            Some(4) => (cb.clone(), cb),
            Some(5) => {
                let fin = self
                    .fake
                    .expect("answer after deferral", |r| {
                        r.on_webhook(&token) && r.method != "DELETE"
                    })
                    .await;
                (cb, fin)
            }
            other => panic!("unexpected callback type {other:?}: {cb:?}"),
        }
    }

    /// Dispatch a DM and return the bot's message in the DM channel.
    async fn dm(&self, user: u64, text: &str) -> Recorded {
        let channel = user + 1000;
        let id = self.fake.id();
        self.fake.dispatch(
            "MESSAGE_CREATE",
            message_json(id, channel, None, user_json(user, "seller"), text),
        );
        self.fake
            .expect("answer in the DM", |r| r.message_channel() == Some(channel))
            .await
    }
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the core answers to `text` for `user`, as first shown: its brief
/// when it has one, else its first page.
async fn expected_first_page(user: u64, text: &str) -> String {
    let reply = bot()
        .handle(&UserKey::new("discord", user.to_string()), text)
        .await;
    let first = render::brief_page(&reply).unwrap_or_else(|| render::pages(&reply)[0].clone());
    words(&first.visible_text())
}

fn assert_no_pings(r: &Recorded) {
    let am = &r.message()["allowed_mentions"];
    assert_eq!(
        am["parse"],
        json!([]),
        "allowed_mentions.parse must be empty: {am}"
    );
    assert_eq!(am["users"], json!([]), "{am}");
    assert_eq!(am["roles"], json!([]), "{am}");
    assert_ne!(am["replied_user"], json!(true), "{am}");
}

fn a_case_title(k: &Knowledge) -> String {
    k.of_kind(Kind::Case)
        .next()
        .expect("knowledge has cases")
        .title_zh
        .clone()
}

#[tokio::test]
async fn payloads_deserialize_into_serenity_types() {
    use serenity::all::{GatewayEvent, Interaction, Message, PrivateChannel};
    let frame = |t: &str, d: Value| json!({"op": 0, "t": t, "s": 2, "d": d}).to_string();
    let ev = |s: String| -> GatewayEvent { serde_json::from_str(&s).expect("gateway event") };
    let msg = message_json(1, 2, None, user_json(3, "u"), "hi");
    for d in [
        msg.clone(),
        guild_message(1, 2, 3, 4, "<@5> hi", &[5], &[6]),
    ] {
        let GatewayEvent::Dispatch(_, e) = ev(frame("MESSAGE_CREATE", d)) else {
            panic!("dispatch")
        };
        assert!(matches!(e, serenity::all::Event::MessageCreate(_)), "{e:?}");
    }
    for (kind, data) in [
        (
            2,
            slash_data("visit", None, &[("customer", "甲"), ("notes", "x")]),
        ),
        (
            2,
            slash_data(
                "mode",
                Some("set"),
                &[("customer", "甲"), ("mode", "快刀模式")],
            ),
        ),
        (4, autocomplete_data("case", "query", "金")),
    ] {
        for guild in [None, Some(GUILD)] {
            let i = interaction_json(kind, 10, "t", 11, guild, data.clone());
            let _: Interaction = serde_json::from_value(i.clone()).expect("interaction");
            let GatewayEvent::Dispatch(_, e) = ev(frame("INTERACTION_CREATE", i)) else {
                panic!()
            };
            assert!(
                matches!(e, serenity::all::Event::InteractionCreate(_)),
                "{e:?}"
            );
        }
    }
    let b = button_interaction(10, "t", 11, Some(GUILD), "ussbot:page:1:1");
    let _: Interaction = serde_json::from_value(b).expect("button interaction");
    let _: Message = serde_json::from_value(msg).expect("message");
    let dm = json!({"id": "9", "type": 1, "recipients": [user_json(3, "u")]});
    let _: PrivateChannel = serde_json::from_value(dm).expect("dm channel");
    // Error bodies as Discord sends them: serenity reads them without
    // "missing field `code`".
    for f in [
        Failure::Status(500),
        Failure::Status(503),
        Failure::RateLimited { retry_after: 0.05 },
    ] {
        let body = f.json_body().expect("a JSON body");
        let _: serenity::http::DiscordJsonError =
            serde_json::from_value(body).expect("discord error body");
    }
}

#[tokio::test]
async fn slash_command_gets_the_core_answer_and_autocomplete_offers_cases() {
    let run = start(false).await;
    let user = 10_001;
    let title = a_case_title(Core::knowledge(&*bot()));
    let text = format!("/case {title}");
    let want = expected_first_page(user, &text).await;
    let (_, fin) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("case", None, &[("query", &title)]),
        )
        .await;
    assert_eq!(words(&fin.visible_text()), want);
    assert_eq!(fin.flags() & 64, 0, "a handbook answer is public");
    assert_no_pings(&fin);

    // Autocomplete on the query lists case titles from the knowledge.
    let id = run.fake.id();
    run.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_json(
            4,
            id,
            "ac",
            user,
            Some(GUILD),
            autocomplete_data("case", "query", ""),
        ),
    );
    let cb = run
        .fake
        .expect("autocomplete", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(cb.body["type"], 8);
    let choices = cb.body["data"]["choices"].as_array().expect("choices");
    // Shown by name; the value sent back is the entry's id, which opens it.
    assert!(
        choices.iter().any(|c| {
            c["name"].as_str().is_some_and(|n| n.contains(&title))
                && c["value"].as_str().is_some_and(|v| v.starts_with("case."))
        }),
        "{choices:?}"
    );
    assert!(choices.len() <= 25);
    run.shutdown().await;
}

#[tokio::test]
async fn dm_free_text_is_answered_and_shutdown_is_clean() {
    let run = start(false).await;
    let user = 10_002;
    let text = "客户说价格太贵了怎么办";
    let want = expected_first_page(user, text).await;
    let got = run.dm(user, text).await;
    assert_eq!(words(&got.visible_text()), want);
    assert!(
        got.body.get("message_reference").is_none(),
        "no reply-to needed in a DM"
    );
    assert_no_pings(&got);
    // Default intents are not privileged: no MESSAGE_CONTENT (1 << 15).
    let intents = run.fake.identifies()[0]["intents"]
        .as_u64()
        .expect("intents");
    assert_eq!(intents & (1 << 15), 0);
    run.shutdown().await;
}

#[tokio::test]
async fn guild_message_is_answered_only_when_the_bot_is_mentioned() {
    let run = start(false).await;
    let user = 10_003;
    let ignored = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(ignored, CHANNEL, GUILD, user, "/help", &[], &[]),
    );
    let asked = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            asked,
            CHANNEL,
            GUILD,
            user,
            &format!("<@{BOT_ID}> /help"),
            &[BOT_ID],
            &[],
        ),
    );
    let want = expected_first_page(user, "/help").await;
    let got = run
        .fake
        .expect("answer in the channel", |r| {
            r.message_channel() == Some(CHANNEL)
        })
        .await;
    assert_eq!(words(&got.visible_text()), want);
    assert_eq!(
        got.body["message_reference"]["message_id"],
        json!(asked.to_string())
    );
    // Give the ignored message a sure chance: one more round trip through the gateway.
    let probe = run.dm(user, "/help").await;
    assert!(
        probe.visible_text().contains("/case"),
        "{}",
        probe.visible_text()
    );
    let extra: Vec<_> = run
        .fake
        .drain()
        .await
        .into_iter()
        .filter(|r| r.message_channel() == Some(CHANNEL))
        .collect();
    assert!(
        extra.is_empty(),
        "the unmentioned message was answered: {extra:?}"
    );
    run.shutdown().await;
}

#[tokio::test]
async fn prefix_works_only_with_the_message_content_switch() {
    let run = start(true).await;
    let intents = run.fake.identifies()[0]["intents"]
        .as_u64()
        .expect("intents");
    assert_ne!(
        intents & (1 << 15),
        0,
        "MESSAGE_CONTENT requested when configured"
    );
    let id = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(id, CHANNEL, GUILD, 10_004, "!ussbot /help", &[], &[]),
    );
    let got = run
        .fake
        .expect("prefix answer", |r| r.message_channel() == Some(CHANNEL))
        .await;
    assert_eq!(
        words(&got.visible_text()),
        expected_first_page(10_004, "/help").await
    );
    run.shutdown().await;
}

#[tokio::test]
async fn deal_commands_are_deferred_and_ephemeral_in_guilds_not_in_dms() {
    let run = start(false).await;
    let user = 10_012;
    let visit = slash_data(
        "visit",
        None,
        &[("customer", "测试客户丙"), ("notes", "初次拜访")],
    );
    // (command, what its answer says)
    for (data, says) in [
        (visit, "测试客户丙"),
        (slash_data("deals", None, &[]), "我的商机：1 个进行中"),
        (slash_data("undo", None, &[]), "要撤销这条记录吗"),
    ] {
        let (cb, fin) = run.slash(user, Some(GUILD), data.clone()).await;
        assert_eq!(
            cb.body["type"], 5,
            "storage work is deferred at once: {data}"
        );
        assert_eq!(
            cb.flags() & 64,
            64,
            "deal replies are ephemeral in a guild: {data}"
        );
        assert!(
            fin.visible_text().contains(says),
            "the deal answer follows the deferral: {data} got {}",
            fin.visible_text()
        );
        assert_no_pings(&fin);
        if data["name"] == "undo" {
            // It says what it would take back; the button does it.
            let buttons = fin.buttons();
            assert_eq!(buttons.len(), 2, "撤销 / 不撤销: {buttons:?}");
            let id = run.fake.id();
            run.fake.dispatch(
                "INTERACTION_CREATE",
                button_interaction(id, "pick", user, Some(GUILD), &buttons[0].0),
            );
            let done = run
                .fake
                .expect("the undo", |r| r.callback_of() == Some(id))
                .await;
            assert!(
                done.visible_text().contains("已撤销 测试客户丙"),
                "{}",
                done.visible_text()
            );
            assert_no_pings(&done);
        }
    }
    // In a DM nothing needs hiding.
    let (cb, _) = run.slash(user, None, slash_data("deals", None, &[])).await;
    assert_eq!(cb.flags() & 64, 0);
    run.shutdown().await;
}

#[tokio::test]
async fn slow_answers_are_deferred_and_private_ones_stay_private() {
    let run = start(false).await;
    let user = 10_013;
    // The answer is held back until the deferral has been seen.
    let id = run.fake.id();
    let data = slash_data("ask", None, &[("question", "/slow")]);
    run.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_json(2, id, "slow", user, Some(GUILD), data),
    );
    let cb = run
        .fake
        .expect("deferral", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(cb.body["type"], 5, "deferred before the 3-second deadline");
    assert_eq!(cb.flags() & 64, 0);
    run.gate.notify_one();
    let edit = run
        .fake
        .expect("edited answer", |r| r.on_webhook("slow"))
        .await;
    assert_eq!(edit.method, "PATCH");
    assert!(edit.visible_text().contains("slow answer"));

    // A private answer after a public deferral: the deferral is removed
    // and the answer goes to the user alone.
    let id = run.fake.id();
    let data = slash_data("ask", None, &[("question", "/slowsecret")]);
    run.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_json(2, id, "sec", user, Some(GUILD), data),
    );
    run.fake
        .expect("deferral", |r| r.callback_of() == Some(id))
        .await;
    run.gate.notify_one();
    let del = run
        .fake
        .expect("deferral removed", |r| r.on_webhook("sec"))
        .await;
    assert_eq!(del.method, "DELETE");
    let fu = run
        .fake
        .expect("private follow-up", |r| r.on_webhook("sec"))
        .await;
    assert_eq!(fu.method, "POST");
    assert_eq!(fu.flags() & 64, 64);
    assert!(fu.visible_text().contains(SECRET));
    run.shutdown().await;
}

#[tokio::test]
async fn visit_by_slash_shows_in_own_deals_only() {
    let run = start(false).await;
    let (alice, bob) = (10_005, 10_006);
    let customer = "测试客户甲";
    run.slash(
        alice,
        Some(GUILD),
        slash_data(
            "visit",
            None,
            &[("customer", customer), ("notes", "见了财务总监，认可痛点")],
        ),
    )
    .await;
    let (cb, mine) = run
        .slash(alice, Some(GUILD), slash_data("deals", None, &[]))
        .await;
    assert_eq!(cb.flags() & 64, 64);
    assert!(
        mine.visible_text().contains(customer),
        "{}",
        mine.visible_text()
    );
    let (_, theirs) = run
        .slash(bob, Some(GUILD), slash_data("deals", None, &[]))
        .await;
    assert!(
        !theirs.visible_text().contains(customer),
        "{}",
        theirs.visible_text()
    );

    // Autocomplete offers the caller's own customers only.
    for (user, expect) in [(alice, true), (bob, false)] {
        let id = run.fake.id();
        let data = autocomplete_data("deal", "customer", "测试");
        run.fake.dispatch(
            "INTERACTION_CREATE",
            interaction_json(4, id, "ac", user, Some(GUILD), data),
        );
        let cb = run
            .fake
            .expect("autocomplete", |r| r.callback_of() == Some(id))
            .await;
        let offered = cb.body["data"]["choices"].to_string().contains(customer);
        assert_eq!(offered, expect, "user {user}: {}", cb.body);
    }
    run.shutdown().await;
}

#[tokio::test]
async fn private_answer_to_a_guild_message_goes_by_dm() {
    let run = start(false).await;
    let user = 10_007;
    let id = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            id,
            CHANNEL,
            GUILD,
            user,
            &format!("<@{BOT_ID}> /secret"),
            &[BOT_ID],
            &[],
        ),
    );
    let dm = run
        .fake
        .expect("private answer by DM", |r| {
            r.message_channel() == Some(user + DM_OFFSET)
        })
        .await;
    assert!(dm.visible_text().contains(SECRET));
    let notice = run
        .fake
        .expect("notice in the channel", |r| {
            r.message_channel() == Some(CHANNEL)
        })
        .await;
    assert!(
        !notice.visible_text().contains(SECRET),
        "private data leaked to the channel"
    );
    assert!(notice.visible_text().contains("DM"));
    run.shutdown().await;
}

#[tokio::test]
async fn long_answer_is_paged_within_discord_limits() {
    let run = start(false).await;
    let user = 10_008;
    let (_, first) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("ask", None, &[("question", "/long")]),
        )
        .await;
    let mut seen = String::new();
    let mut page = first;
    let mut count = 0;
    loop {
        count += 1;
        let m = page.message();
        assert!(m["content"].as_str().unwrap_or("").chars().count() <= 2000);
        let embeds = m["embeds"].as_array().expect("embed page");
        assert_eq!(embeds.len(), 1);
        let e = &embeds[0];
        let desc = e["description"].as_str().unwrap_or("");
        assert!(desc.encode_utf16().count() <= 4096);
        let total = page.visible_text().encode_utf16().count();
        assert!(total <= 6000, "embed total {total}");
        assert!(e["fields"].as_array().map_or(0, Vec::len) <= 25);
        seen.push_str(&page.visible_text());
        let buttons = page.buttons();
        assert_eq!(buttons.len(), 2, "previous and next buttons");
        let (next, disabled) = buttons[1].clone();
        if disabled {
            break;
        }
        assert!(count < 50, "paging does not end");
        let id = run.fake.id();
        run.fake.dispatch(
            "INTERACTION_CREATE",
            button_interaction(id, "btn", user, Some(GUILD), &next),
        );
        page = run
            .fake
            .expect("next page", |r| r.callback_of() == Some(id))
            .await;
        assert_eq!(page.body["type"], 7, "the page turns in place");
    }
    assert!(count >= 2, "a long answer has several pages");
    assert!(seen.contains(&format!("Page {count} of {count}")));
    for i in 0..30 {
        assert!(seen.contains(&format!("marker-{i} ")), "part {i} missing");
        assert!(seen.contains(&format!("when-{i}")), "part {i} missing");
    }
    run.shutdown().await;
}

#[tokio::test]
async fn everyone_and_role_mentions_never_ping() {
    let run = start(false).await;
    let user = 10_009;
    let echo = format!("/echo @everyone <@&{ROLE}> <@{user}> 开会");
    let id = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            id,
            CHANNEL,
            GUILD,
            user,
            &format!("<@{BOT_ID}> {echo}"),
            &[BOT_ID],
            &[ROLE],
        ),
    );
    let got = run
        .fake
        .expect("echo in the channel", |r| {
            r.message_channel() == Some(CHANNEL)
        })
        .await;
    assert!(
        got.visible_text().contains("@everyone"),
        "the echo is there"
    );
    assert_no_pings(&got);
    let (_, fin) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("ask", None, &[("question", &echo)]),
        )
        .await;
    assert!(fin.visible_text().contains(&format!("<@&{ROLE}>")));
    assert_no_pings(&fin);
    run.shutdown().await;
}

#[tokio::test]
async fn reconnects_after_the_gateway_drops_and_answers_again() {
    let run = start(false).await;
    let user = 10_010;
    let help = run.dm(user, "/help").await.visible_text();
    assert!(help.contains("/case"), "{help}");
    run.fake.drop_gateway();
    run.fake.wait_sessions(2).await;
    assert!(run.fake.resumes() + run.fake.identifies().len() >= 2);
    let got = run.dm(user, "/help").await;
    assert_eq!(
        words(&got.visible_text()),
        expected_first_page(user, "/help").await
    );
    run.shutdown().await;
}

#[tokio::test]
async fn unknown_command_and_missing_option_get_clear_ephemeral_errors() {
    let run = start(false).await;
    let user = 10_011;
    let (cb, _) = run
        .slash(user, Some(GUILD), slash_data("frobnicate", None, &[]))
        .await;
    assert_eq!(cb.body["type"], 4);
    assert_eq!(cb.flags() & 64, 64);
    assert!(
        cb.visible_text().contains("Unknown command /frobnicate"),
        "{}",
        cb.visible_text()
    );
    let (cb, _) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("visit", None, &[("customer", "测试客户乙")]),
        )
        .await;
    assert_eq!(cb.flags() & 64, 64);
    assert!(
        cb.visible_text().contains("`notes`"),
        "{}",
        cb.visible_text()
    );
    run.shutdown().await;
}

/// 200 users × 20 DMs each through the fake gateway, every message
/// answered; prints p50/p99 from dispatch to reply received and the peak
/// memory of the process (fake and bot together).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run: cargo test --test it -- --ignored discord::load --nocapture"]
async fn load_200_users_x_20_messages() {
    const USERS: u64 = 200;
    const MESSAGES: usize = 20;
    let texts = [
        "客户说价格太贵了怎么办",
        "/help",
        "/close",
        "how do I close a hesitant customer",
        "/case",
        "客户说要再考虑一下",
        "/stage 立项",
        "/objection 太贵",
    ];
    let run = Arc::new(start(false).await);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let run = Arc::clone(&run);
        tasks.push(tokio::spawn(async move {
            let user = 50_000 + u;
            let channel = user + 1000;
            let mut inbox = run.fake.route_channel(channel);
            let mut lat = Vec::with_capacity(MESSAGES);
            for i in 0..MESSAGES {
                let id = run.fake.id();
                let text = texts[(u as usize + i) % texts.len()];
                let t0 = Instant::now();
                run.fake.dispatch(
                    "MESSAGE_CREATE",
                    message_json(id, channel, None, user_json(user, "load"), text),
                );
                let r = tokio::time::timeout(Duration::from_secs(60), inbox.recv())
                    .await
                    .expect("answer in time")
                    .expect("fake alive");
                lat.push(r.at.duration_since(t0));
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("user task"));
    }
    let wall = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "VmHWM unknown".into());
    println!(
        "load: {} users x {} messages = {} answered of {} in {:.2?} ({:.0} msg/s); p50 {:.2?}, p99 {:.2?}, max {:.2?}; peak memory {}",
        USERS,
        MESSAGES,
        all.len(),
        USERS as usize * MESSAGES,
        wall,
        all.len() as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        all[all.len() - 1],
        hwm.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
    );
    assert_eq!(
        all.len(),
        USERS as usize * MESSAGES,
        "every message answered"
    );
    let run = Arc::into_inner(run).expect("all user tasks done");
    run.shutdown().await;
}

/// When the engine is unsure it offers two or three entries; on Discord each
/// is a button, and clicking one opens that entry.
#[tokio::test]
async fn an_unsure_answer_offers_buttons_and_a_click_opens_the_entry() {
    let candidates = [
        // Two entries named at once, each as likely as the other.
        "拜访技巧 电话技巧",
        "电话技巧 拜访技巧",
        "拜访技巧还是电话技巧",
    ];
    let the_bot = bot();
    let engine = the_bot.engine();
    let Some((question, offered)) = candidates.iter().find_map(|q| {
        let r = engine.answer(q);
        (r.kind == "choices").then_some((*q, r.items))
    }) else {
        panic!("none of the candidate questions gets choices any more; add one that does");
    };
    assert!((2..=3).contains(&offered.len()), "{offered:?}");
    let run = start(false).await;
    let user = 10_031;
    let (_, fin) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("ask", None, &[("question", question)]),
        )
        .await;
    assert!(fin.visible_text().contains("您是想问") || fin.visible_text().contains("Did you mean"));
    let buttons = fin.buttons();
    assert_eq!(buttons.len(), offered.len(), "one button per choice");
    let (second, _) = buttons[1].clone();
    let id = run.fake.id();
    run.fake.dispatch(
        "INTERACTION_CREATE",
        button_interaction(id, "pick", user, Some(GUILD), &second),
    );
    let opened = run
        .fake
        .expect("the picked entry", |r| r.callback_of() == Some(id))
        .await;
    let text = opened.visible_text();
    assert!(
        text.contains(&offered[1].title_zh),
        "clicking ② opens {}: {text}",
        offered[1].title_zh
    );
    assert_no_pings(&opened);
    run.shutdown().await;
}

/// Dispatch `/ask question` as slash command interaction `id` in the guild.
fn ask(run: &Running, id: u64, user: u64, question: &str) {
    let token = format!("tok{id}");
    run.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_json(
            2,
            id,
            &token,
            user,
            Some(GUILD),
            slash_data("ask", None, &[("question", question)]),
        ),
    );
}

/// Dispatch a DM from `user`; returns the DM channel.
fn dm_to_bot(run: &Running, user: u64, text: &str) -> u64 {
    let channel = user + 1000;
    let id = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        message_json(id, channel, None, user_json(user, "seller"), text),
    );
    channel
}

const LOST: &str = "could not be delivered";

#[tokio::test]
async fn a_reply_rejected_with_a_5xx_is_retried_once_and_arrives() {
    let run = start(false).await;
    let user = 10_041;

    // The response to a slash command meets a 502 of the proxy in front of Discord.
    let id = run.fake.id();
    run.fake.fail_next(1, Failure::Status(502), move |r| {
        r.callback_of() == Some(id)
    });
    ask(&run, id, user, "/echo 斜杠答案 slash answer");
    let first = run
        .fake
        .expect("rejected response", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(first.status, 502);
    let again = run
        .fake
        .expect("retried response", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(again.status, 204, "the retry is accepted");
    assert!(again.visible_text().contains("slash answer"));

    // A DM answer meets a 503; the retry is the same post (same nonce, so
    // Discord would drop it had the first arrived after all).
    let channel = user + 1000;
    run.fake.fail_next(1, Failure::Status(503), move |r| {
        r.message_channel() == Some(channel)
    });
    dm_to_bot(&run, user, "/echo 私信答案 dm answer");
    let first = run
        .fake
        .expect("rejected DM answer", |r| {
            r.message_channel() == Some(channel)
        })
        .await;
    assert_eq!(first.status, 503);
    let again = run
        .fake
        .expect("retried DM answer", |r| {
            r.message_channel() == Some(channel)
        })
        .await;
    assert_eq!(again.status, 200);
    assert!(again.visible_text().contains("dm answer"));
    assert_eq!(again.body["nonce"], first.body["nonce"]);
    assert_eq!(again.body["enforce_nonce"], json!(true));
    run.shutdown().await;
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_arrives() {
    let run = start(false).await;
    let user = 10_042;
    let channel = user + 1000;
    run.fake
        .fail_next(1, Failure::RateLimited { retry_after: 0.05 }, move |r| {
            r.message_channel() == Some(channel)
        });
    dm_to_bot(&run, user, "/echo 限流答案 rate-limited answer");
    let limited = run
        .fake
        .expect("rate-limited answer", |r| {
            r.message_channel() == Some(channel)
        })
        .await;
    assert_eq!(limited.status, 429);
    let again = run
        .fake
        .expect("answer after retry_after", |r| {
            r.message_channel() == Some(channel)
        })
        .await;
    assert_eq!(again.status, 200);
    assert!(again.visible_text().contains("rate-limited answer"));
    let waited = again.at.duration_since(limited.at);
    assert!(
        waited >= Duration::from_millis(50),
        "retried after {waited:?}, before retry_after"
    );
    run.shutdown().await;
}

#[tokio::test]
async fn a_reply_that_keeps_failing_is_reported_not_lost() {
    let run = start(false).await;
    let user = 10_043;
    let id = run.fake.id();
    run.fake.fail_next(5, Failure::Status(503), move |r| {
        r.callback_of() == Some(id)
    });
    ask(&run, id, user, "/echo never arrives");
    for attempt in ["first", "second"] {
        let r = run
            .fake
            .expect(attempt, |r| r.callback_of() == Some(id))
            .await;
        assert_eq!(r.status, 503);
    }
    // The interaction cannot carry a message any more: the user hears it by DM.
    let dm = run
        .fake
        .expect("notice by DM", |r| {
            r.message_channel() == Some(user + DM_OFFSET)
        })
        .await;
    assert_eq!(dm.status, 200);
    let text = dm.visible_text();
    assert!(text.contains(LOST) && text.contains("/ask"), "{text}");
    let more: Vec<_> = run
        .fake
        .drain()
        .await
        .into_iter()
        .filter(|r| r.callback_of() == Some(id))
        .collect();
    assert!(more.is_empty(), "a 5xx is retried once only: {more:?}");

    // A guild message whose answer keeps failing: the author hears it by DM.
    run.fake.fail_next(5, Failure::Status(500), |r| {
        r.message_channel() == Some(CHANNEL)
    });
    let mid = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            mid,
            CHANNEL,
            GUILD,
            user,
            &format!("<@{BOT_ID}> /echo never arrives"),
            &[BOT_ID],
            &[],
        ),
    );
    for attempt in ["first", "second"] {
        let r = run
            .fake
            .expect(attempt, |r| r.message_channel() == Some(CHANNEL))
            .await;
        assert_eq!(r.status, 500);
    }
    let dm = run
        .fake
        .expect("notice by DM", |r| {
            r.message_channel() == Some(user + DM_OFFSET)
        })
        .await;
    assert!(dm.visible_text().contains(LOST), "{}", dm.visible_text());
    run.shutdown().await;
}

#[tokio::test]
async fn a_deferred_answer_that_keeps_failing_is_reported_in_a_follow_up() {
    let run = start(false).await;
    let user = 10_044;
    let id = run.fake.id();
    let token = format!("tok{id}");
    let edits = token.clone();
    run.fake.fail_next(5, Failure::Status(500), move |r| {
        r.on_webhook(&edits) && r.method == "PATCH"
    });
    run.fake.dispatch(
        "INTERACTION_CREATE",
        interaction_json(
            2,
            id,
            &token,
            user,
            Some(GUILD),
            slash_data("deals", None, &[]),
        ),
    );
    let defer = run
        .fake
        .expect("deferral", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(defer.body["type"], 5);
    for attempt in ["first edit", "second edit"] {
        let r = run
            .fake
            .expect(attempt, |r| r.on_webhook(&token) && r.method == "PATCH")
            .await;
        assert_eq!(r.status, 500);
    }
    let notice = run
        .fake
        .expect("follow-up notice", |r| {
            r.on_webhook(&token) && r.method == "POST"
        })
        .await;
    assert_eq!(notice.status, 200);
    assert!(
        notice.visible_text().contains(LOST),
        "{}",
        notice.visible_text()
    );
    assert_eq!(notice.flags() & 64, 64, "only the user sees it in a guild");
    run.shutdown().await;
}

#[tokio::test]
async fn a_429_longer_than_the_cap_is_not_waited_for() {
    let run = start(false).await;
    let user = 10_045;
    run.fake
        .fail_next(1, Failure::RateLimited { retry_after: 60.0 }, |r| {
            r.message_channel() == Some(CHANNEL)
        });
    let mid = run.fake.id();
    run.fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            mid,
            CHANNEL,
            GUILD,
            user,
            &format!("<@{BOT_ID}> /echo too late"),
            &[BOT_ID],
            &[],
        ),
    );
    let limited = run
        .fake
        .expect("rate-limited answer", |r| {
            r.message_channel() == Some(CHANNEL)
        })
        .await;
    assert_eq!(limited.status, 429);
    // Told at once (waiting 60 s would time this out), not retried.
    let dm = run
        .fake
        .expect("notice by DM", |r| {
            r.message_channel() == Some(user + DM_OFFSET)
        })
        .await;
    assert!(dm.visible_text().contains(LOST), "{}", dm.visible_text());
    let more: Vec<_> = run
        .fake
        .drain()
        .await
        .into_iter()
        .filter(|r| r.message_channel() == Some(CHANNEL))
        .collect();
    assert!(more.is_empty(), "retried past the cap: {more:?}");
    run.shutdown().await;
}

/// A handbook answer is posted as its brief with a "详细" button; clicking
/// it turns the same message into the full card, within Discord's limits.
#[tokio::test]
async fn an_answer_shows_its_brief_and_more_expands_it_in_place() {
    let run = start(false).await;
    let user = 10_041;
    let (_, fin) = run
        .slash(
            user,
            Some(GUILD),
            slash_data("ask", None, &[("question", "客户说太贵了")]),
        )
        .await;
    let brief = fin.visible_text();
    assert!(
        brief.contains("这样说") && brief.lines().count() <= 3,
        "{brief}"
    );
    assert!(
        !brief.contains("时机与步骤"),
        "only the brief at first: {brief}"
    );
    let buttons = fin.buttons();
    assert_eq!(buttons.len(), 1, "{buttons:?}");
    let (more, disabled) = buttons[0].clone();
    assert!(!disabled && more.starts_with("ussbot:more:"), "{more}");
    let id = run.fake.id();
    run.fake.dispatch(
        "INTERACTION_CREATE",
        button_interaction(id, "more", user, Some(GUILD), &more),
    );
    let full = run
        .fake
        .expect("the full card", |r| r.callback_of() == Some(id))
        .await;
    assert_eq!(full.body["type"], 7, "the message is updated in place");
    let text = full.visible_text();
    assert!(
        text.contains("时机与步骤") && text.contains("反问法"),
        "{text}"
    );
    assert!(
        text.encode_utf16().count() <= 6000,
        "within an embed's limit"
    );
    assert_no_pings(&full);
    run.shutdown().await;
}

#[tokio::test]
async fn the_gateway_address_comes_only_from_api_base_even_when_it_fails_first() {
    // serenity alone falls back to wss://gateway.discord.gg when its one
    // request for the gateway address fails, and never reaches the fake:
    // the token would leave through the public gateway.
    let fake = Fake::start().await;
    fake.fail_next(2, Failure::Status(503), |r| {
        r.path.starts_with("/api/v10/gateway")
    });
    let cfg = DiscordConfig {
        api_base: Some(fake.http_base.clone()),
        ..DiscordConfig::default()
    };
    let token = Token::parse(TOKEN).expect("test token has a valid shape");
    let (tx, rx) = oneshot::channel::<()>();
    let core = Arc::new(TestCore {
        bot: bot(),
        gate: Arc::new(tokio::sync::Notify::new()),
    });
    let task = tokio::spawn(discord::serve(core, cfg, token, async move {
        let _ = rx.await;
    }));
    // The address is asked again until the proxy gives it, then used.
    fake.wait_sessions(1).await;
    let asked: Vec<Recorded> = fake
        .drain()
        .await
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v10/gateway"))
        .collect();
    assert!(
        asked.iter().filter(|r| r.status == 503).count() >= 2
            && asked.iter().any(|r| r.status == 200),
        "{asked:#?}"
    );
    let _ = tx.send(());
    tokio::time::timeout(PATIENCE, task)
        .await
        .expect("stops on shutdown")
        .expect("task")
        .expect("clean shutdown");
}

#[tokio::test]
async fn a_message_over_2000_characters_is_answered_and_says_where_it_was_cut() {
    let run = start(false).await;
    let user = 10_031;
    let text = "客户说价格太贵了怎么办，".repeat(250);
    assert!(text.chars().count() > 2000);
    let got = run.dm(user, &text).await.visible_text();
    assert!(
        got.contains("太长了：只读了前 2000 字"),
        "the answer must say the message was cut: {got}"
    );
    assert!(got.contains("为止"), "and where: {got}");
    run.shutdown().await;
}

#[tokio::test]
async fn a_token_discord_rejects_stops_the_bot_with_a_clear_error() {
    let fake = Fake::start().await;
    fake.fail_next(1, Failure::Status(401), |r| {
        r.path.starts_with("/api/v10/gateway")
    });
    let cfg = DiscordConfig {
        api_base: Some(fake.http_base.clone()),
        ..DiscordConfig::default()
    };
    let token = Token::parse(TOKEN).expect("test token has a valid shape");
    let core = Arc::new(TestCore {
        bot: bot(),
        gate: Arc::new(tokio::sync::Notify::new()),
    });
    let ended = tokio::time::timeout(
        PATIENCE,
        discord::serve(core, cfg, token, std::future::pending()),
    )
    .await
    .expect("a rejected token ends the bot");
    let err = format!("{:#}", ended.expect_err("a rejected token is an error"));
    assert!(
        err.contains("Discord rejected the token (401 Unauthorized)")
            && err.contains("Reset Token"),
        "{err}"
    );
    assert!(!err.contains("fake-token-for-tests-only"), "{err}");
}

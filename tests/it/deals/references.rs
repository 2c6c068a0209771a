//! Everything a reply tells the rep to type works when typed: every
//! `/command` it mentions exists, every "例如 /…" example it gives is
//! answered (not "unknown command" or "not found"), and every handbook item
//! it names ("也可以看看：反问法 · 补偿法", a list's bullets) opens that item.

use regex::Regex;
use ussbot::engine::Lang;
use ussbot::reply::Reply;

use super::{alice, bob, engine, knowledge, Bot};

/// `/word` where a rep would read it as a command (not `B/S`, not a URL).
fn mentioned_commands(text: &str) -> Vec<String> {
    let re = Regex::new(r"(?:^|[\s：:（(“\x22，、；])/([A-Za-z]+)").expect("pattern");
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

/// The examples a reply gives: the command after 例如 / e.g., up to the
/// end of its clause.
fn examples(text: &str) -> Vec<String> {
    let re = Regex::new(r"(?:例如|e\.g\.)\s*(/[^\n，,。）)]+)").expect("pattern");
    re.captures_iter(text)
        .map(|c| c[1].trim().to_string())
        .collect()
}

/// The handbook items a Chinese reply names for the rep to look at.
fn named_items(r: &Reply) -> Vec<String> {
    let text = r.text();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("也可以看看：") {
            out.extend(rest.split(" · ").map(|s| s.trim().to_string()));
        }
    }
    out
}

fn failed(r: &Reply) -> bool {
    let t = r.text();
    r.kind == "none" || t.contains("这个命令") || t.contains("Unknown command")
}

#[tokio::test]
async fn every_command_example_and_item_a_reply_names_works_when_typed() {
    let bot = Bot::new();
    let (zh, en) = (alice(), bob());
    bot.reply(&zh, "客户说太贵了").await;
    bot.reply(&en, "the customer says it is too expensive")
        .await;

    // Replies of every kind: help, each command bare and misused, the
    // deal replies, and every shipped entry opened in both languages.
    let mut replies: Vec<(Lang, Reply)> = Vec::new();
    for (user, lang) in [(&zh, Lang::Zh), (&en, Lang::En)] {
        replies.push((lang, bot.reply(user, "/help").await));
        for c in ussbot::commands::COMMANDS {
            replies.push((lang, bot.reply(user, &format!("/{}", c.name)).await));
        }
        replies.push((lang, bot.reply(user, "/won").await));
        replies.push((lang, bot.reply(user, "/visit 金鹰国际").await));
        replies.push((lang, bot.reply(user, "/deal 没有这个客户").await));
        replies.push((lang, bot.reply(user, "/frobnicate").await));
    }
    let log = bot
        .reply(
            &zh,
            "/visit 金鹰国际 见了王总，确认了需求范围，下周做方案呈现",
        )
        .await;
    replies.push((Lang::Zh, log));
    replies.push((Lang::Zh, bot.reply(&zh, "/deal 金鹰国际").await));
    replies.push((Lang::Zh, bot.reply(&zh, "/deals").await));
    for e in knowledge().entries() {
        for lang in [Lang::Zh, Lang::En] {
            let r = engine().open(e.id.as_str(), lang).expect("opens");
            replies.push((lang, r));
        }
    }

    let k = knowledge();
    let mut problems = Vec::new();
    let mut tried = std::collections::BTreeSet::new();
    for (lang, r) in &replies {
        let text = format!("{}\n{}", r.brief.clone().unwrap_or_default(), r.text());
        // The unknown-command reply echoes what was typed.
        for c in mentioned_commands(&text) {
            if c != "frobnicate" && ussbot::commands::find(&c).is_none() {
                problems.push(format!("a reply mentions /{c}, which is no command"));
            }
        }
        for ex in examples(&text) {
            if !tried.insert(ex.clone()) {
                continue;
            }
            // Typed by a rep of that language with a fresh pipeline.
            let fresh = Bot::new();
            let user = if *lang == Lang::Zh { alice() } else { bob() };
            fresh.reply(&user, "/visit 金鹰国际 见了王总").await;
            fresh.reply(&user, "/visit Acme met John").await;
            let answer = fresh.reply(&user, &ex).await;
            if failed(&answer)
                || answer.text().starts_with("用法")
                || answer.text().starts_with("Usage")
            {
                problems.push(format!("the example {ex} gets: {}", answer.text()));
            }
        }
        if *lang == Lang::Zh {
            for name in named_items(r) {
                let opened = engine().answer(&name);
                let title = opened
                    .items
                    .first()
                    .and_then(|i| k.get(&i.id))
                    .map(|e| e.title_zh.clone());
                if title.as_deref() != Some(name.as_str()) {
                    problems.push(format!("typing {name} opens {title:?}"));
                }
            }
        }
    }
    assert!(!tried.is_empty(), "the replies give examples");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A handbook list (`/close`) names each of its items; typing a name
/// opens that item.
#[tokio::test]
async fn every_item_a_list_names_opens_when_typed() {
    let bot = Bot::new();
    let user = alice();
    bot.reply(&user, "客户说太贵了").await;
    let k = knowledge();
    let mut problems = Vec::new();
    for c in ussbot::commands::COMMANDS
        .iter()
        .filter(|c| c.topic().is_some())
    {
        let list = bot.reply(&user, &format!("/{}", c.name)).await.text();
        for e in k.entries().iter().filter(|e| c.kinds.contains(&e.kind())) {
            let name = e.title_zh.as_str();
            if !list.lines().any(|l| l.starts_with(&format!("• {name}（"))) {
                problems.push(format!("/{} does not list {name}", c.name));
            }
            // As the list's footer says: the command and the name.
            let typed = format!("/{} {name}", c.name);
            let opened = engine().answer(&typed);
            if opened.items.first().map(|i| i.id.as_str()) != Some(e.id.as_str()) {
                problems.push(format!("typing {typed} does not open it"));
            }
            // The name alone opens it, or offers it among the choices when
            // another item has the same name.
            let opened = engine().answer(name);
            let shared = k.entries().iter().filter(|x| x.title_zh == name).count() > 1;
            let ok = match (shared, opened.kind.as_str()) {
                (true, "choices") => opened.items.iter().any(|i| i.id == e.id.as_str()),
                _ => opened.items.first().map(|i| i.id.as_str()) == Some(e.id.as_str()),
            };
            if !ok {
                problems.push(format!("typing {name} does not open it: {}", opened.text()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

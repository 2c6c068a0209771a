//! The interactive terminal chat, driven in a pseudo-terminal as a rep
//! types: history recall with the arrow keys, Ctrl-C clearing the line, a
//! bracketed paste of five lines taken as one note, the notice for an
//! over-long message, Ctrl-D leaving; history kept in the data directory.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::{Eof, Expect, Session};
use ussbot::deals::DealStore;
use ussbot::storage::open_sled;
use ussbot::user::UserKey;

fn spawn(data: &Path) -> expectrl::session::OsSession {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_ussbot"));
    c.arg("--knowledge")
        .arg(root.join("knowledge"))
        .arg("--data")
        .arg(data)
        .args(["chat", "--user", "pty"])
        .env("LANG", "zh_CN.UTF-8")
        .env("TERM", "xterm-256color");
    let mut s = Session::spawn(c).expect("spawn in a pseudo-terminal");
    // A deadline for each expected output, not a pause.
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    s
}

#[cfg(unix)]
#[test]
fn the_terminal_chat_recalls_history_takes_a_paste_as_one_note_and_says_when_it_cuts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut s = spawn(&data);
    s.expect("USS 方案式销售手册助手")
        .expect("the greeting, in Chinese");
    s.expect("> ").expect("a prompt");

    s.send_line("客户说太贵了").expect("send");
    s.expect("反问法").expect("the objection's brief");
    s.expect("更多").expect("how to see the full card");
    s.expect("> ").expect("prompt");

    // The up arrow brings the last question back; Enter asks it again.
    s.send("\x1b[A").expect("up");
    s.send("\r").expect("enter");
    s.expect("反问法")
        .expect("the recalled question is answered");
    s.expect("> ").expect("prompt");

    // Ctrl-C clears what was typed: only 帮助 is sent.
    s.send("有没有案例").expect("type");
    s.expect("有没有案例").expect("echoed as typed");
    s.send("\x03").expect("ctrl-c");
    s.expect("> ").expect("a fresh prompt");
    s.send_line("帮助").expect("send");
    s.expect("直接说你遇到的情况")
        .expect("help, not a case search");
    s.expect("> ").expect("prompt");

    // A bracketed paste of five lines is one message: one visit.
    s.send(
        "\x1b[200~今天去恒力集团见了孙经理\r预算批了\r需求很明确\r孙经理说老板自己拍板\r下周二做方案呈现\x1b[201~",
    )
    .expect("paste");
    s.send("\r").expect("enter");
    s.expect("已记录").expect("the note is logged");
    s.expect("> ").expect("prompt");

    // An over-long message (pasted, as long texts are) says it was cut, and where.
    let long = format!("{}{}", "太贵".repeat(1100), "这是最后几个字");
    s.send(format!("\x1b[200~{long}\x1b[201~")).expect("paste");
    s.send("\r").expect("enter");
    s.expect("太长了").expect("the cut notice");
    s.expect("> ").expect("prompt");

    // Ctrl-D leaves.
    s.send("\x04").expect("ctrl-d");
    s.expect(Eof).expect("the chat ends");
    drop(s);

    let history = std::fs::read_to_string(data.join("chat_history")).expect("history kept");
    assert!(
        history.contains("客户说太贵了") && history.contains("帮助"),
        "{history}"
    );
    assert!(
        !history.contains("有没有案例"),
        "a cleared line is not history: {history}"
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let store = open_sled(&data).expect("store");
    let deals = rt
        .block_on(store.deals(&UserKey::new("terminal", "pty")))
        .expect("deals");
    assert_eq!(deals.len(), 1, "one deal: {deals:?}");
    assert_eq!(deals[0].visits.len(), 1, "the paste is one visit");
    assert_eq!(
        deals[0].visits[0].raw.lines().count(),
        5,
        "all five lines kept"
    );
}

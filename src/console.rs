//! The terminal front end: `chat` (a line-based conversation) and `ask`
//! (one message). Works piped and non-interactive; invalid UTF-8 on stdin
//! is replaced, never fatal.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::conversation::Bot;
use crate::reply::Reply;
use crate::user::UserKey;

/// Longest input line accepted; the rest of a longer line is skipped.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Print one reply: the text (a reply with a brief as its brief, in bold
/// when `styled`, and how to see more), or one JSON object per line.
pub fn print_reply(
    out: &mut dyn Write,
    reply: &Reply,
    json: bool,
    styled: bool,
) -> std::io::Result<()> {
    if json {
        writeln!(out, "{}", reply.to_json())?;
    } else if let Some(brief) = &reply.brief {
        let brief = visible(brief);
        // The brief first; the full card on request.
        let hint = if brief
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            "（回复“更多”看全文）"
        } else {
            "(reply \"more\" for the full card)"
        };
        if styled {
            writeln!(out, "\x1b[1m{brief}\x1b[0m\n\x1b[2m{hint}\x1b[0m")?;
        } else {
            writeln!(out, "{brief}\n{hint}")?;
        }
        writeln!(out)?;
    } else {
        writeln!(out, "{}", visible(&reply.text()))?;
        writeln!(out)?;
    }
    out.flush()
}

/// Text safe to print on a terminal: control characters (ESC, BEL, C1
/// codes; not line breaks and tabs) and bidirectional overrides, which a
/// customer name or a note may carry, are shown as `<U+001B>` instead of
/// acting on the terminal (escape sequences, a bell, text shown reversed).
/// `--json` output needs no such care: JSON escapes control characters and
/// the reader is a program.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(acts) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// The default terminal user: the local OS user.
pub fn default_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "local".to_string())
}

/// Run a chat over `input`, one reply per non-empty line, until end of input.
pub async fn chat<R: AsyncRead + Unpin>(
    bot: &Bot,
    user: &UserKey,
    input: R,
    out: &mut dyn Write,
    json: bool,
    prompt: bool,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    loop {
        if prompt {
            write!(out, "> ")?;
            out.flush()?;
        }
        buf.clear();
        let n = read_line_capped(&mut reader, &mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !json && matches!(line, "/quit" | "/exit" | "quit" | "exit" | "退出") {
            return Ok(());
        }
        let reply = bot.handle(user, line).await;
        print_reply(out, &reply, json, false)?;
    }
}

/// Read one line, keeping at most [`MAX_LINE_BYTES`] of it. Returns bytes
/// consumed (0 at end of input).
async fn read_line_capped<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(total);
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        total += take;
        if done {
            return Ok(total);
        }
    }
}

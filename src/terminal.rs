//! The interactive terminal chat: line editing and history (rustyline),
//! history kept in the data directory, Ctrl-C clears the line, Ctrl-D (or
//! `exit`) leaves, a bracketed paste of several lines is one message, and
//! the brief is printed in bold. Piped input goes through [`crate::console`]
//! instead, line by line.

use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use crate::console::print_reply;
use crate::conversation::Bot;
use crate::user::UserKey;

/// Lines of history kept.
const HISTORY_LINES: usize = 1000;

/// What the line reader hands the chat.
enum Input {
    Line(String),
    End,
}

/// Run the interactive chat until Ctrl-D or `exit`. `history` is the file
/// the typed lines are kept in (created when missing).
pub async fn run(bot: &Bot, user: &UserKey, history: Option<PathBuf>) -> anyhow::Result<()> {
    let (line_tx, mut line_rx) = tokio::sync::mpsc::channel::<Input>(1);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    // rustyline blocks: it reads on its own thread, one line at a time,
    // waiting until the reply to the last line is printed.
    let reader = std::thread::spawn(move || -> Result<(), ReadlineError> {
        let config = Config::builder()
            .auto_add_history(false)
            .bracketed_paste(true)
            .max_history_size(HISTORY_LINES)?
            .history_ignore_dups(true)?
            .build();
        let mut rl: Editor<(), FileHistory> = Editor::with_config(config)?;
        if let Some(h) = &history {
            // A missing file is a first run; anything else is worth a word.
            if let Err(e) = rl.load_history(h) {
                if h.exists() {
                    eprintln!("(history {} not read: {e})", h.display());
                }
            }
        }
        loop {
            match rl.readline("> ") {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        rl.add_history_entry(line.as_str())?;
                        if let Some(h) = &history {
                            if let Err(e) = rl.save_history(h) {
                                eprintln!("(history {} not saved: {e})", h.display());
                            }
                        }
                    }
                    if line_tx.blocking_send(Input::Line(line)).is_err() || done_rx.recv().is_err()
                    {
                        return Ok(());
                    }
                }
                // Ctrl-C clears the line being typed.
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => {
                    let _ = line_tx.blocking_send(Input::End);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    });
    let mut out = std::io::stdout();
    while let Some(Input::Line(line)) = line_rx.recv().await {
        let text = line.trim();
        if matches!(text, "/quit" | "/exit" | "quit" | "exit" | "退出") {
            break;
        }
        if !text.is_empty() {
            let reply = bot.handle(user, text).await;
            print_reply(&mut out, &reply, false, true)?;
        }
        if done_tx.send(()).is_err() {
            break;
        }
    }
    drop(done_tx);
    match reader.join() {
        Ok(r) => r.map_err(anyhow::Error::from),
        Err(_) => Err(anyhow::anyhow!("the line reader stopped unexpectedly")),
    }
}

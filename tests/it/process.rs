//! The `ussbot` process as an operator runs it: signals stop the Discord
//! bot in every state with exit code 0, the token never shows in any
//! output, and start-up files that are not regular files are refused
//! instead of blocking.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::discord::discord_fake::{message_json, user_json, Fake, TOKEN};

/// How long a stopped bot may take to exit before the test fails (the bot
/// promises 5 seconds).
const EXIT_DEADLINE: Duration = Duration::from_secs(10);
/// How long to wait for a log line.
const LOG_DEADLINE: Duration = Duration::from_secs(30);

/// The secret parts of [`TOKEN`]: none may appear in any output.
fn leaks(out: &str) -> bool {
    out.contains(TOKEN) || out.contains("fake-token-for-tests-only")
}

/// A temp dir with a config file naming the shipped knowledge, a store and
/// `extra` lines.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(discord: &str) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        let text = format!(
            "[knowledge]\ndir = {:?}\n[data]\ndir = {:?}\n[discord]\n{discord}\n",
            knowledge.display().to_string(),
            dir.path().join("data").display().to_string()
        );
        std::fs::write(dir.path().join("config.toml"), text).expect("write config");
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        self.command_with(&self.path("config.toml"))
    }

    fn command_with(&self, config: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ussbot"));
        c.arg("--config")
            .arg(config)
            .env_remove("DISCORD_TOKEN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }
}

/// A running `ussbot discord`, its standard error read line by line.
struct Bot {
    child: Child,
    lines: mpsc::Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Bot {
    fn start(mut cmd: Command) -> Bot {
        let mut child = cmd
            .arg("discord")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ussbot");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let all = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                all.lock().expect("log").push(line.clone());
                let _ = tx.send(line);
            }
        });
        Bot { child, lines, log }
    }

    /// Wait for a log line containing every one of `texts`; fail with the
    /// log so far.
    fn wait_log(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + LOG_DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if texts.iter().all(|t| line.contains(t)) => return line,
                Ok(_) => {}
                Err(_) => panic!("no log line with {texts:?}; log:\n{}", self.log()),
            }
        }
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// The exit status and how long it took from now; kills the bot and
    /// fails if it is still running after [`EXIT_DEADLINE`].
    fn wait_exit(&mut self) -> (ExitStatus, Duration) {
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status, t0.elapsed());
            }
            if t0.elapsed() > EXIT_DEADLINE {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running {EXIT_DEADLINE:?} after the signal; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A loopback address where nothing listens: connections are refused.
fn refused_base() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn stop_while_unreachable(sig: libc::c_int, via_file: bool) -> (Bot, Duration) {
    let base = refused_base();
    let setup;
    let mut cmd = if via_file {
        setup = Setup::new(&format!("api_base = \"{base}\"\ntoken_file = \"token\""));
        std::fs::write(setup.path("token"), format!("{TOKEN}\n")).expect("token file");
        set_mode(&setup.path("token"), 0o644);
        let mut c = setup.command();
        c.current_dir(setup.dir.path());
        c
    } else {
        setup = Setup::new(&format!("api_base = \"{base}\""));
        let mut c = setup.command();
        c.env("DISCORD_TOKEN", TOKEN);
        c
    };
    cmd.env("NO_COLOR", "1");
    let mut bot = Bot::start(cmd);
    // The first failed try for the gateway address.
    bot.wait_log(&["WARN", "gateway"]);
    bot.signal(sig);
    let (status, took) = bot.wait_exit();
    assert_eq!(status.code(), Some(0), "log:\n{}", bot.log());
    let log = bot.log();
    // Said plainly, with what happens next.
    let line = format!("cannot get the gateway address from {base} (attempt 1");
    assert!(
        log.contains(&line) && log.contains("trying again in 1 s"),
        "{log}"
    );
    assert!(
        !log.contains("gateway.discord.gg"),
        "never past the proxy: {log}"
    );
    assert!(!leaks(&log), "{log}");
    (bot, took)
}

#[test]
fn sigint_stops_the_bot_while_discord_is_unreachable_and_the_token_file_warning_shows() {
    let (bot, took) = stop_while_unreachable(libc::SIGINT, true);
    eprintln!("SIGINT while unreachable: exit after {took:?}");
    let log = bot.log();
    assert!(
        log.contains("can be read by other users") && log.contains("chmod 600"),
        "{log}"
    );
}

#[test]
fn sigterm_stops_the_bot_while_discord_is_unreachable() {
    let (_, took) = stop_while_unreachable(libc::SIGTERM, false);
    eprintln!("SIGTERM while unreachable: exit after {took:?}");
}

/// The bot binary against `fake`, connected and with its commands registered.
async fn connected(fake: &Fake) -> (Setup, Bot) {
    let setup = Setup::new(&format!("api_base = \"{}\"", fake.http_base));
    let mut cmd = setup.command();
    cmd.env("DISCORD_TOKEN", TOKEN);
    let bot = Bot::start(cmd);
    fake.wait_sessions(1).await;
    fake.expect("slash command registration", |r| r.method == "PUT")
        .await;
    (setup, bot)
}

async fn exit_of(mut bot: Bot) -> (Bot, ExitStatus, Duration) {
    tokio::task::spawn_blocking(move || {
        let (status, took) = bot.wait_exit();
        (bot, status, took)
    })
    .await
    .expect("waiter")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_connected_bot_and_the_visit_it_acknowledged_is_kept() {
    let fake = Fake::start().await;
    let (setup, bot) = connected(&fake).await;
    let user = 20_001;
    let channel = 20_500;
    fake.dispatch(
        "MESSAGE_CREATE",
        message_json(
            fake.id(),
            channel,
            None,
            user_json(user, "seller"),
            "/visit 金鹰国际 见了王总，确认了需求范围",
        ),
    );
    let ack = fake
        .expect("visit acknowledged", |r| {
            r.message_channel() == Some(channel)
        })
        .await;
    assert!(
        ack.visible_text().contains("金鹰国际"),
        "{}",
        ack.visible_text()
    );
    bot.signal(libc::SIGTERM);
    let (bot, status, took) = exit_of(bot).await;
    eprintln!("SIGTERM while connected: exit after {took:?}");
    assert_eq!(status.code(), Some(0), "log:\n{}", bot.log());
    assert!(!leaks(&bot.log()));
    // The store was closed cleanly: it opens and holds the visit.
    let out = setup
        .command()
        .args([
            "export",
            "--platform",
            "discord",
            "--user",
            &user.to_string(),
        ])
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("金鹰国际"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_the_bot_while_it_reconnects() {
    let fake = Fake::start().await;
    let (_setup, bot) = connected(&fake).await;
    // The gateway goes away: the connection drops and every reconnection
    // is closed at once.
    fake.refuse_gateway(true);
    fake.drop_gateway();
    fake.wait_gateway_attempts(2).await;
    bot.signal(libc::SIGINT);
    let (bot, status, took) = exit_of(bot).await;
    eprintln!("SIGINT while reconnecting: exit after {took:?}");
    assert_eq!(status.code(), Some(0), "log:\n{}", bot.log());
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Run `ussbot` with `args` and return (exit code, standard error), failing
/// if it does not end within [`EXIT_DEADLINE`] (a blocked read).
fn run_bounded(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if t0.elapsed() > EXIT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ussbot did not end within {EXIT_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("read stderr");
    (status.code(), err)
}

#[test]
fn a_token_pasted_into_the_wrong_setting_never_shows_in_the_error() {
    let cases = [
        (
            "token_file as the token",
            format!("token_file = \"{TOKEN}\""),
        ),
        ("unknown key", format!("token = \"{TOKEN}\"")),
        ("api_base", format!("api_base = \"{TOKEN}\"")),
        ("prefix unquoted", format!("prefix = {TOKEN}")),
    ];
    for (what, line) in cases {
        let setup = Setup::new(&line);
        let mut cmd = setup.command();
        cmd.arg("discord");
        let (code, err) = run_bounded(cmd);
        assert_eq!(code, Some(1), "{what}: {err}");
        assert!(!leaks(&err), "{what}: {err}");
        assert!(err.starts_with("error: "), "{what}: {err}");
    }
    // The token as a value of another section, and as a directory.
    let setup = Setup::new("");
    let text = format!("[deals]\nstale_days = \"{TOKEN}\"\n");
    std::fs::write(setup.path("config.toml"), text).expect("config");
    let mut cmd = setup.command();
    cmd.args(["ask", "hi"]);
    let (code, err) = run_bounded(cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(!leaks(&err), "{err}");
    std::fs::write(setup.path("empty.toml"), "").expect("config");
    let mut cmd = setup.command_with(&setup.path("empty.toml"));
    cmd.args(["--knowledge", TOKEN, "ask", "hi"]);
    let (code, err) = run_bounded(cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(!leaks(&err), "{err}");
    // The wrong token in the environment.
    let mut cmd = setup.command_with(&setup.path("empty.toml"));
    cmd.arg("discord")
        .env("DISCORD_TOKEN", format!("{TOKEN} extra"));
    let (code, err) = run_bounded(cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("DISCORD_TOKEN is set but invalid"), "{err}");
    assert!(!leaks(&err), "{err}");
}

#[test]
fn the_token_as_token_file_is_refused_with_what_to_do() {
    let setup = Setup::new(&format!("token_file = \"{TOKEN}\""));
    let mut cmd = setup.command();
    cmd.arg("discord");
    let (_, err) = run_bounded(cmd);
    assert!(
        err.contains("looks like the token itself") && err.contains("DISCORD_TOKEN"),
        "{err}"
    );
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo failed");
}

#[test]
fn a_fifo_as_token_file_or_config_is_refused_without_blocking() {
    let setup = Setup::new("token_file = \"token\"");
    mkfifo(&setup.path("token"));
    let mut cmd = setup.command();
    cmd.arg("discord").current_dir(setup.dir.path());
    let (code, err) = run_bounded(cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("token: not a regular file"), "{err}");

    mkfifo(&setup.path("fifo.toml"));
    let mut cmd = setup.command_with(&setup.path("fifo.toml"));
    cmd.arg("check");
    let (code, err) = run_bounded(cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("fifo.toml: cannot read config: not a regular file"),
        "{err}"
    );
}

/// A signal while the bot is still starting (here: loading a large
/// knowledge base) is a clean stop with exit code 0 too, not the default
/// kill.
#[test]
fn a_signal_during_start_up_stops_the_bot_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let knowledge = dir.path().join("knowledge");
    std::fs::create_dir(&knowledge).expect("knowledge dir");
    for (name, text) in ussbot_synth::case_files(ussbot_synth::Spec::new(1_500)) {
        let name = name.file_name().expect("file name").to_owned();
        std::fs::write(knowledge.join(name), text).expect("write cases");
    }
    let config = dir.path().join("config.toml");
    let text = format!(
        "[knowledge]\ndir = {:?}\n[data]\ndir = {:?}\n[discord]\napi_base = \"{}\"\n",
        knowledge.display().to_string(),
        dir.path().join("data").display().to_string(),
        refused_base()
    );
    std::fs::write(&config, text).expect("write config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ussbot"));
    cmd.arg("--config")
        .arg(&config)
        .env("DISCORD_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    let mut bot = Bot::start(cmd);
    bot.wait_log(&["starting the Discord bot"]);
    bot.signal(libc::SIGTERM);
    let (status, _) = bot.wait_exit();
    let log = bot.log();
    assert_eq!(status.code(), Some(0), "log:\n{log}");
    assert!(
        log.contains("stopped before connecting to Discord"),
        "the signal came while it was starting: {log}"
    );
    assert!(!leaks(&log), "{log}");
}

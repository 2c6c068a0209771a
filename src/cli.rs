//! Command-line interface: parses arguments and runs one command.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::deals::StorageError;
use crate::user::UserKey;
use crate::{app, console, knowledge};

/// ussbot: the USS sales handbook and your deals, in chat.
///
/// With no command: the Discord bot when DISCORD_TOKEN (or discord.token_file)
/// is set, else the terminal chat.
#[derive(Debug, Parser)]
#[command(name = "ussbot", version, about)]
pub struct Cli {
    /// Configuration file [default: ./config.toml if present].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Knowledge directory (overrides knowledge.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Data directory for the deal store (overrides data.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output format of `export`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Everything, round-trips through `import`.
    Json,
    /// One row per visit, for spreadsheets.
    Csv,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Terminal chat: one reply per line read from standard input.
    Chat {
        /// Print one JSON object per reply.
        #[arg(long)]
        json: bool,
        /// Your user id [default: the OS user].
        #[arg(long)]
        user: Option<String>,
    },
    /// Answer one message and exit.
    Ask {
        /// Print the reply as a JSON object.
        #[arg(long)]
        json: bool,
        /// Your user id [default: the OS user].
        #[arg(long)]
        user: Option<String>,
        /// The message.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true)]
        text: Vec<String>,
    },
    /// Validate the knowledge files and print a summary.
    Check,
    /// Export one user's deals (terminal user ids are as given to --user).
    Export {
        /// The user whose deals to export.
        #[arg(long)]
        user: String,
        /// Platform of the user.
        #[arg(long, default_value = "terminal")]
        platform: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Import deals from a JSON or CSV export, merging them into the store:
    /// deals new to it are added; for a deal it has, only the visits it
    /// lacks are added and its own fields are kept.
    Import {
        /// The export file.
        file: PathBuf,
        /// Import only this user's deals; the file's other users are skipped.
        #[arg(long)]
        user: Option<String>,
        /// Platform of --user.
        #[arg(long, default_value = "terminal", requires = "user")]
        platform: String,
        /// Show what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the Discord bot (needs DISCORD_TOKEN or discord.token_file).
    Discord,
}

/// Parse arguments, run, and map the outcome to an exit status.
pub fn main() -> ExitCode {
    crate::app::configure_allocator();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Nothing token-shaped is printed, whatever setting it was pasted into.
            eprintln!("error: {}", crate::config::redact(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Settings after applying flags over the config file.
pub fn settings(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = match &cli.config {
        Some(p) => Config::load(p, true)?,
        None => Config::load(std::path::Path::new("config.toml"), false)?,
    };
    if let Some(k) = &cli.knowledge {
        config.knowledge.dir = k.clone();
    }
    if let Some(d) = &cli.data {
        config.data.dir = d.clone();
    }
    Ok(config)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn terminal_user(user: Option<String>) -> UserKey {
    UserKey::new("terminal", user.unwrap_or_else(console::default_user))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = settings(&cli)?;
    match cli.command {
        Some(Command::Check) => match knowledge::load_dir(&config.knowledge.dir) {
            Ok(k) => {
                println!("{}", knowledge::summary_line(&k));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{}", crate::config::redact(&e.to_string()));
                eprintln!("{} problem(s) found", e.problems.len());
                Ok(ExitCode::FAILURE)
            }
        },
        Some(Command::Chat { json, user }) => chat(&config, json, terminal_user(user)),
        Some(Command::Ask { json, user, text }) => {
            let bot = app::bot(&config)?;
            let user = terminal_user(user);
            let reply = runtime()?.block_on(bot.handle(&user, &text.join(" ")));
            let mut out = std::io::stdout().lock();
            console::print_reply(&mut out, &reply, json, false)?;
            Ok(if reply.error {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(Command::Export {
            user,
            platform,
            format,
        }) => export(&config, UserKey::new(platform, user), format),
        Some(Command::Import {
            file,
            user,
            platform,
            dry_run,
        }) => import(
            &config,
            &file,
            crate::deals::ImportOptions {
                user: user.map(|u| UserKey::new(platform, u)),
                dry_run,
            },
        ),
        Some(Command::Discord) => discord(&config, true),
        None => {
            if crate::discord::resolve_token(&config.discord)?.is_some() {
                discord(&config, true)
            } else {
                chat(&config, false, terminal_user(None))
            }
        }
    }
}

/// The language to greet in before the user has written anything: English
/// when the locale says English, else Chinese (ussbot's users are Chinese
/// sales teams); after that the user's own words decide.
fn locale_lang() -> crate::engine::Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if locale.to_ascii_lowercase().starts_with("en") {
        crate::engine::Lang::En
    } else {
        crate::engine::Lang::Zh
    }
}

fn chat(config: &Config, json: bool, user: UserKey) -> anyhow::Result<ExitCode> {
    init_chat_logging();
    let (bot, exports) = app::bot_and_deals(config)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && !json;
    let rt = runtime()?;
    rt.block_on(async {
        let _live = live_exports(config, exports);
        if interactive {
            let greeting = bot.help(locale_lang());
            // The lock is a temporary, released before the next await.
            console::print_reply(&mut std::io::stdout().lock(), &greeting, false, true)?;
            // Line editing and history, kept beside the deal store.
            let history = config.data.dir.join("chat_history");
            return crate::terminal::run(&bot, &user, Some(history)).await;
        }
        // Unlocked `Stdout`: each write takes the lock and releases it, so
        // none is held while the chat awaits the next line or the bot.
        let mut out = std::io::stdout();
        console::chat(&bot, &user, tokio::io::stdin(), &mut out, json, false)
            .await
            .map_err(anyhow::Error::from)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn discord(config: &Config, required: bool) -> anyhow::Result<ExitCode> {
    let Some(token) = crate::discord::resolve_token(&config.discord)? else {
        if required {
            anyhow::bail!(
                "no Discord token: set DISCORD_TOKEN or discord.token_file (see README); without one, `ussbot chat` runs the terminal chat"
            );
        }
        return Ok(ExitCode::FAILURE);
    };
    init_logging();
    let rt = runtime()?;
    let stop = app::Shutdown::catch(&rt);
    tracing::info!(knowledge = %config.knowledge.dir.display(), "starting the Discord bot");
    let (bot, exports) = app::bot_and_deals(config)?;
    if stop.requested() {
        tracing::info!("stopped before connecting to Discord");
        return Ok(ExitCode::SUCCESS);
    }
    let bot = std::sync::Arc::new(bot);
    let _live = {
        let _entered = rt.enter();
        live_exports(config, exports)
    };
    rt.block_on(crate::discord::run(
        bot,
        config.discord.clone(),
        token,
        stop.wait(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn init_logging() {
    logging_with("info,serenity=warn");
}

/// The chat logs only warnings and errors by default: its stderr is the
/// user's terminal.
fn init_chat_logging() {
    logging_with("warn");
}

/// Logs go to stderr, with colour only when stderr is a terminal (never
/// escape codes in a log file or a pipe). `RUST_LOG` overrides `default`.
fn logging_with(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Answer `ussbot export` from this process while it holds the store
/// (`live_backup`). Call inside the runtime; the socket goes away when the
/// returned server is dropped. Without it the bot still runs.
fn live_exports(
    config: &Config,
    exports: crate::deals::DealService,
) -> Option<crate::live_backup::Server> {
    match crate::live_backup::Server::start(&config.data.dir, exports) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "exports while ussbot runs are not available");
            None
        }
    }
}

/// Is `e` the store refusing to open because of `what`?
fn store_refused(e: &anyhow::Error, what: fn(&StorageError) -> bool) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<StorageError>().is_some_and(what))
}

/// `ussbot export`: from the store; from the running ussbot when it holds
/// the store; from a copy when the store is read-only. A user without
/// deals is an error, so a mistyped `--user` is noticed.
fn export(config: &Config, user: UserKey, format: Format) -> anyhow::Result<ExitCode> {
    let format = match format {
        Format::Json => crate::deals::ExportFormat::Json,
        Format::Csv => crate::deals::ExportFormat::Csv,
    };
    let dir = &config.data.dir;
    let k = app::load_knowledge(config)?;
    // Export into memory, then print: no stdout lock is held while the
    // export awaits the store.
    let mut buf = Vec::new();
    let count = match app::deal_service(config, k.clone()) {
        Ok(deals) => runtime()?.block_on(deals.export(&user, format, &mut buf))?,
        Err(e) if store_refused(&e, |s| matches!(s, StorageError::Locked { .. })) => {
            let (count, body) = crate::live_backup::request_export(dir, &user, format)
                .map_err(|live| {
                    anyhow::anyhow!(
                        "{}: the deal store is locked by another running ussbot, and it does not answer exports ({live}); stop it to export",
                        dir.display()
                    )
                })?;
            buf = body;
            count
        }
        Err(e)
            if store_refused(
                &e,
                |s| matches!(s, StorageError::Unreadable { source, .. } if matches!(source.kind(), std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied)),
            ) =>
        {
            eprintln!(
                "note: {} cannot be opened for writing; exporting from a copy of it",
                dir.display()
            );
            let (deals, copy) = app::deal_service_on_copy(config, k).map_err(|c| e.context(c))?;
            let count = runtime()?.block_on(deals.export(&user, format, &mut buf))?;
            drop(deals);
            drop(copy);
            count
        }
        Err(e) => return Err(e),
    };
    if count == 0 {
        eprintln!(
            "error: {user} has no deals in {}; nothing exported (check --user and --platform: terminal users are --platform terminal, the default; Discord users are --platform discord --user <Discord user id>)",
            dir.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `ussbot import`: merge a backup into the store (see
/// `DealService::import_with`).
fn import(
    config: &Config,
    file: &std::path::Path,
    options: crate::deals::ImportOptions,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let k = app::load_knowledge(config)?;
    let deals = app::deal_service(config, k)?;
    let summary = runtime()?.block_on(deals.import_with(&text, &options))?;
    println!("{summary}");
    if let Some(only) = &options.user {
        if summary.users == 0 {
            eprintln!(
                "error: {} has no deals for {only}; nothing imported",
                file.display()
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

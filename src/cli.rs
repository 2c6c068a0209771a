//! Command-line interface: parses arguments and runs one command.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
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
    /// Import deals from a JSON export.
    Import {
        /// The export file.
        file: PathBuf,
    },
    /// Run the Discord bot (needs DISCORD_TOKEN or discord.token_file).
    Discord,
}

/// Parse arguments, run, and map the outcome to an exit status.
pub fn main() -> ExitCode {
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
        }) => {
            let k = app::load_knowledge(&config)?;
            let deals = app::deal_service(&config, k)?;
            let format = match format {
                Format::Json => crate::deals::ExportFormat::Json,
                Format::Csv => crate::deals::ExportFormat::Csv,
            };
            // Export into memory, then print: no stdout lock is held while
            // the export awaits the store.
            let mut buf = Vec::new();
            runtime()?.block_on(deals.export(&UserKey::new(platform, user), format, &mut buf))?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let k = app::load_knowledge(&config)?;
            let deals = app::deal_service(&config, k)?;
            let summary = runtime()?.block_on(deals.import(&text))?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
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
    let bot = app::bot(config)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && !json;
    let rt = runtime()?;
    rt.block_on(async {
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
    let bot = std::sync::Arc::new(app::bot(config)?);
    let rt = runtime()?;
    rt.block_on(crate::discord::run(
        bot,
        config.discord.clone(),
        token,
        app::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,serenity=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

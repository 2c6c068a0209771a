//! Command-line interface: parses arguments and runs one command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::knowledge;

/// ussbot: the USS sales handbook and your deals, in chat.
#[derive(Debug, Parser)]
#[command(name = "ussbot", version, about)]
pub struct Cli {
    /// Configuration file.
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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the knowledge files and print a summary.
    Check,
}

/// Parse arguments, run, and map the outcome to an exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = settings(&cli)?;
    match cli.command {
        Some(Command::Check) | None => match knowledge::load_dir(&config.knowledge.dir) {
            Ok(k) => {
                println!("{}", knowledge::summary_line(&k));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                eprintln!("{} problem(s) found", e.problems.len());
                Ok(ExitCode::FAILURE)
            }
        },
    }
}

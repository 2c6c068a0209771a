//! `config.toml`: settings with defaults, validated with `path:line:col`
//! errors. Command-line flags override it; secrets never live in it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

/// All settings. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the knowledge files are.
    pub knowledge: KnowledgeConfig,
    /// Where deal data is stored.
    pub data: DataConfig,
    /// Deal tracking settings.
    pub deals: DealsConfig,
    /// Discord adapter settings.
    pub discord: DiscordConfig,
}

/// `[knowledge]`
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// Directory of `*.toml` knowledge files.
    pub dir: PathBuf,
}

/// `[data]`
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory of the sled store.
    pub dir: PathBuf,
}

/// `[deals]`
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DealsConfig {
    /// A deal with no visit for this many days is flagged as stale.
    pub stale_days: u32,
}

/// `[discord]`
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// File holding the bot token (used when `DISCORD_TOKEN` is not set).
    pub token_file: Option<PathBuf>,
    /// Base URL of an HTTP proxy in front of Discord's API; unset for Discord itself.
    pub api_base: Option<String>,
    /// Request the privileged MESSAGE_CONTENT intent and answer messages
    /// in guild channels that start with `prefix`.
    pub message_content: bool,
    /// Prefix for guild messages when `message_content` is on.
    pub prefix: String,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("knowledge"),
        }
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: PathBuf::from("data"),
        }
    }
}

impl Default for DealsConfig {
    fn default() -> Self {
        DealsConfig { stale_days: 14 }
    }
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token_file: None,
            api_base: None,
            message_content: false,
            prefix: "!ussbot".to_string(),
        }
    }
}

/// A configuration problem, with its location.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid for the schema.
    #[error("{path}:{line}:{col}: {message}")]
    Invalid {
        path: String,
        line: usize,
        col: usize,
        message: String,
    },
}

impl Config {
    /// Parse config text; `path` is used in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            let (line, col) = crate::knowledge::error::position(text, at);
            let msg = e.message().lines().next().unwrap_or("").to_string();
            let hint = if msg.starts_with("unknown field") {
                "; remove it or fix its spelling (every key is documented in config.toml)"
            } else {
                ""
            };
            ConfigError::Invalid {
                path: path.display().to_string(),
                line,
                col,
                message: format!("{msg}{hint}"),
            }
        })?;
        config.check(path, text)?;
        Ok(config)
    }

    fn check(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let fail = |key: &[&str], message: String| {
            let (line, col) = crate::knowledge::error::position(text, value_offset(text, key));
            Err(ConfigError::Invalid {
                path: path.display().to_string(),
                line,
                col,
                message,
            })
        };
        if self.deals.stale_days == 0 {
            return fail(
                &["deals", "stale_days"],
                "`deals.stale_days` must be at least 1".to_string(),
            );
        }
        if let Some(base) = &self.discord.api_base {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return fail(
                    &["discord", "api_base"],
                    format!("`discord.api_base` must be an http:// or https:// URL, got `{base}`"),
                );
            }
        }
        if self.discord.prefix.trim().is_empty() {
            return fail(
                &["discord", "prefix"],
                "`discord.prefix` must not be empty".to_string(),
            );
        }
        Ok(())
    }

    /// Load `path`; a missing file is an error only when `required`.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

/// Byte offset of the value at `key` (such as `["discord", "prefix"]`),
/// taken from the TOML parser's spans, so a comment or another table that
/// mentions the same name is never blamed. Falls back to the deepest table
/// found, or the start of the file.
fn value_offset(text: &str, key: &[&str]) -> usize {
    let Ok(root) = DeTable::parse(text) else {
        return 0;
    };
    let mut table = root.get_ref();
    let mut at = 0;
    for name in key {
        let Some(value) = table.get(*name) else {
            break;
        };
        at = value.span().start;
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    at
}

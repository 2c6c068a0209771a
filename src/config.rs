//! `config.toml`: settings with defaults, validated with `path:line:col`
//! errors. Command-line flags override it; secrets never live in it, and
//! [`redact`] keeps anything shaped like a bot token out of every message
//! that is printed or logged, whatever field it was pasted into.

use std::borrow::Cow;
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
    /// The file could not be read (missing, not a regular file, too large).
    #[error("{path}: cannot read config: {reason}")]
    Read { path: String, reason: String },
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
                path: shown(path),
                line,
                col,
                message: redact(&format!("{msg}{hint}")).into_owned(),
            }
        })?;
        config.check(path, text)?;
        Ok(config)
    }

    fn check(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let fail = |key: &[&str], message: String| {
            let (line, col) = crate::knowledge::error::position(text, value_offset(text, key));
            Err(ConfigError::Invalid {
                path: shown(path),
                line,
                col,
                message: redact(&message).into_owned(),
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

    /// Load `path`; a missing file is an error only when `required`. The
    /// file must be a regular file of at most [`CONFIG_LIMIT`] bytes (a FIFO
    /// or a device is refused without being read).
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        use crate::knowledge::error::FileError;
        let read = crate::knowledge::error::read_regular(path, CONFIG_LIMIT)
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| FileError::NotUtf8));
        match read {
            Ok(text) => Config::parse(path, &text),
            Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError::Read {
                path: shown(path),
                reason: e.to_string(),
            }),
        }
    }
}

/// Largest `config.toml` read.
pub const CONFIG_LIMIT: u64 = 1024 * 1024;

/// A path as shown in messages, with token-shaped parts redacted.
pub fn shown(path: &Path) -> String {
    redact(&path.display().to_string()).into_owned()
}

/// `text` with every word shaped like a Discord bot token replaced by
/// `<redacted token>`: a mistaken setting (the token pasted as a file name,
/// a URL or any other value) must not put the secret in an error message
/// or a log.
pub fn redact(text: &str) -> Cow<'_, str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '=' | '+');
    let mut out = String::new();
    let mut last = 0;
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (is_word(c) && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if holds_token(&text[s..i]) {
                    out.push_str(&text[last..s]);
                    out.push_str("<redacted token>");
                    last = i;
                }
                start = None;
            }
            _ => {}
        }
    }
    if last == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Whether `word` (letters, digits and `.-_=+`) contains a bot token: three
/// dot-separated parts, the first the base64 of a numeric user id, the
/// second at least 6 characters.
fn holds_token(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.windows(3).any(|w| {
        !w[2].is_empty()
            && w[1].len() >= 6
            && decode_base64(w[0])
                .is_some_and(|id| !id.is_empty() && id.iter().all(u8::is_ascii_digit))
    })
}

/// Decode standard or URL-safe base64, padded or not.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbcde.abcdefghijklmnopqrstuvwxyz0123456789ABCD";

    #[test]
    fn token_shaped_words_are_redacted_and_others_kept() {
        let text = format!("/home/me/{TOKEN}: cannot read; got `{TOKEN}x`");
        let r = redact(&text);
        assert!(!r.contains("GAbcde"), "{r}");
        assert_eq!(r.matches("<redacted token>").count(), 2, "{r}");
        for plain in [
            "config.toml:3:1: unknown field",
            "http://127.0.0.1:8080",
            "a.b.c",
            "v1.2.3",
        ] {
            assert_eq!(redact(plain), plain);
        }
    }

    #[test]
    fn a_token_pasted_into_any_value_never_shows_in_the_error() {
        for text in [
            format!("[deals]\nstale_days = \"{TOKEN}\"\n"),
            format!("[discord]\napi_base = \"{TOKEN}\"\n"),
            format!("[discord]\ntoken = \"{TOKEN}\"\n"),
            format!("[discord]\nprefix = {TOKEN}\n"),
        ] {
            let e = Config::parse(Path::new("config.toml"), &text).expect_err(&text);
            assert!(!e.to_string().contains("GAbcde"), "{e}");
        }
    }
}

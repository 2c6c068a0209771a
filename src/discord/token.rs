//! The bot token: where it comes from, what shape it must have, and that it
//! is never printed.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context as _};

use crate::config::DiscordConfig;

/// Name of the environment variable that holds the token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";

/// A Discord bot token of valid shape. `Debug` and `Display` never show the
/// secret, so a token can sit in structs that are logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Validate `raw` (surrounding whitespace and a leading `Bot ` are
    /// accepted) and wrap it.
    ///
    /// A bot token is three dot-separated base64url parts, the first of
    /// which encodes the bot's numeric user id. The error never repeats the
    /// token.
    pub fn parse(raw: &str) -> anyhow::Result<Token> {
        let t = raw.trim();
        let t = t.strip_prefix("Bot ").unwrap_or(t).trim();
        if t.is_empty() {
            bail!("the Discord token is empty");
        }
        if t.chars().any(char::is_whitespace) {
            bail!("the Discord token contains whitespace; paste only the token");
        }
        let parts: Vec<&str> = t.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            bail!(
                "the Discord token does not look like a bot token (expected three parts separated by dots; \
                 copy it from Developer Portal > Bot > Reset Token)"
            );
        }
        let b64 = |c: char| {
            c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=' || c == '+' || c == '/'
        };
        if !parts.iter().all(|p| p.chars().all(b64)) {
            bail!("the Discord token contains characters a bot token never has");
        }
        match decode_base64(parts[0]) {
            Some(id) if !id.is_empty() && id.iter().all(u8::is_ascii_digit) => {}
            _ => bail!(
                "the first part of the Discord token is not a bot user id; is this a client secret \
                 or an OAuth2 token instead of the bot token?"
            ),
        }
        if parts[1].len() < 6 {
            bail!("the Discord token is truncated (its second part is too short)");
        }
        Ok(Token(t.to_string()))
    }

    /// The secret itself, for the HTTP client only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The bot's user id, encoded in the token's first part.
    pub fn bot_id(&self) -> Option<u64> {
        let first = self.0.split('.').next()?;
        let bytes = decode_base64(first)?;
        std::str::from_utf8(&bytes).ok()?.parse().ok()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Resolve the token: `DISCORD_TOKEN` from the environment, else the file
/// named by `discord.token_file`; validate its shape. `Ok(None)` when
/// neither is set (the caller then runs the terminal chat).
pub fn resolve_token(cfg: &DiscordConfig) -> anyhow::Result<Option<Token>> {
    resolve_from(std::env::var(TOKEN_ENV).ok(), cfg.token_file.as_deref())
}

/// [`resolve_token`] with the environment value passed in (testable without
/// touching the process environment).
pub fn resolve_from(env: Option<String>, file: Option<&Path>) -> anyhow::Result<Option<Token>> {
    if let Some(v) = env.filter(|v| !v.trim().is_empty()) {
        return Token::parse(&v)
            .with_context(|| format!("{TOKEN_ENV} is set but invalid"))
            .map(Some);
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read discord.token_file", path.display()))?;
    warn_if_readable_by_others(path);
    Token::parse(&text)
        .with_context(|| format!("{}: invalid token in discord.token_file", path.display()))
        .map(Some)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "{}: the token file is readable by other users; run `chmod 600` on it",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Decode standard or URL-safe base64, padded or not.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    // base64("123456789012345678") = MTIzNDU2Nzg5MDEyMzQ1Njc4
    const GOOD: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbcde.abcdefghijklmnopqrstuvwxyz0123456789ABCD";

    #[test]
    fn accepts_a_bot_token_with_prefix_and_newline() {
        let t = Token::parse(&format!("Bot {GOOD}\n")).expect("valid");
        assert_eq!(t.expose(), GOOD);
        assert_eq!(t.bot_id(), Some(123456789012345678));
    }

    #[test]
    fn rejects_malformed_tokens_without_echoing_them() {
        for bad in [
            "",
            "abc",
            "a.b",
            "MTIz.GAbcde.x y",
            "bm90IGFuIGlk.GAbcde.xyz",
            "MTIz.ab.xyz",
        ] {
            let err = Token::parse(bad).expect_err(bad);
            if bad.len() > 3 {
                assert!(!format!("{err:#}").contains(bad), "{err:#}");
            }
        }
    }

    #[test]
    fn debug_and_display_hide_the_secret() {
        let t = Token::parse(GOOD).expect("valid");
        assert!(!format!("{t:?} {t}").contains("GAbcde"));
    }

    #[test]
    fn env_wins_over_file_and_none_when_unset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "not a token").expect("write");
        assert!(resolve_from(Some(GOOD.into()), Some(&file))
            .expect("env")
            .is_some());
        assert!(resolve_from(None, Some(&file)).is_err());
        assert!(resolve_from(None, None).expect("none").is_none());
        assert!(resolve_from(Some("  ".into()), None)
            .expect("blank env")
            .is_none());
    }
}

//! The bot token: where it comes from, what shape it must have, and that it
//! is never printed.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context as _};

use crate::config::{decode_base64, redact, shown, DiscordConfig};
use crate::knowledge::error::{read_regular, FileError};

/// Name of the environment variable that holds the token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";

/// Largest token file read (a token is about 72 characters).
pub const TOKEN_FILE_LIMIT: u64 = 4096;

/// A Discord bot token of valid shape. `Debug` and `Display` never show the
/// secret, so a token can sit in structs that are logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    secret: String,
    /// What to warn about once logging runs (a token file others can read).
    warning: Option<String>,
}

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
        Ok(Token {
            secret: t.to_string(),
            warning: None,
        })
    }

    /// The secret itself, for the HTTP client only.
    pub(crate) fn expose(&self) -> &str {
        &self.secret
    }

    /// A problem with where the token came from, for the log (read before
    /// logging starts, it is logged when the bot starts).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The bot's user id, encoded in the token's first part.
    pub fn bot_id(&self) -> Option<u64> {
        let first = self.secret.split('.').next()?;
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
/// touching the process environment). No error repeats the token, even when
/// it was pasted where a file name belongs.
pub fn resolve_from(env: Option<String>, file: Option<&Path>) -> anyhow::Result<Option<Token>> {
    if let Some(v) = env.filter(|v| !v.trim().is_empty()) {
        return Token::parse(&v)
            .with_context(|| format!("{TOKEN_ENV} is set but invalid"))
            .map(Some);
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let name = path.display().to_string();
    if redact(&name) != name {
        bail!(
            "discord.token_file holds what looks like the token itself, not the name of a file; \
             put the token in a file (chmod 600 it) and name that file, or set {TOKEN_ENV}"
        );
    }
    let shown = shown(path);
    let bytes = match read_regular(path, TOKEN_FILE_LIMIT) {
        Ok(b) => b,
        Err(FileError::NotRegular) => bail!(
            "{shown}: not a regular file; discord.token_file must name a file holding only the token"
        ),
        Err(e @ FileError::TooLarge { .. }) => bail!(
            "{shown}: {e}; discord.token_file must hold only the token, on one line"
        ),
        Err(e) => bail!("{shown}: cannot read discord.token_file: {e}"),
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("{shown}: invalid token in discord.token_file: not UTF-8 text")
    })?;
    let mut token = Token::parse(&text)
        .with_context(|| format!("{shown}: invalid token in discord.token_file"))?;
    token.warning = readable_by_others(path, &shown);
    Ok(Some(token))
}

#[cfg(unix)]
fn readable_by_others(path: &Path, shown: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{shown}: the token file can be read by other users (mode {:o}); run `chmod 600 {shown}`",
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path, _shown: &str) -> Option<String> {
    None
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

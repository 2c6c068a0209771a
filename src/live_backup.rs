//! Exports from a running ussbot: the process that holds the deal store
//! (terminal chat or Discord bot) answers export requests on a Unix socket
//! in the data directory, so `ussbot export` works while the bot runs.
//!
//! The socket is `ussbot.sock` beside the store, mode 0600, and only a peer
//! of the socket file's owner is served. A socket left by a killed process
//! (nobody answers on it) is replaced; it is removed on a clean exit.
//!
//! Protocol: the client sends one JSON line `{"platform", "user",
//! "format"}`; the server answers one JSON line `{"deals": N}` or
//! `{"error": "…"}`, then (after `deals`) the export itself until the end of
//! the stream. The export is read from the store like any other, so it is
//! consistent per deal, and it includes every acknowledged visit.

use std::io::{BufRead, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::deals::{DealService, ExportFormat};
use crate::user::UserKey;

/// The socket's file name in the data directory.
pub const SOCKET_NAME: &str = "ussbot.sock";

/// Longest request line read.
const MAX_REQUEST: usize = 64 * 1024;

/// The socket of the store in `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    platform: String,
    user: String,
    format: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deals: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Failures of the live export, as the user reads them.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Another file has the socket's name.
    #[error(
        "{0}: exists and is not a ussbot socket; remove it to allow exports while ussbot runs"
    )]
    NotSocket(PathBuf),
    /// Binding or answering failed.
    #[error("{path}: {source}")]
    Io {
        /// The socket.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The running ussbot refused the request.
    #[error("the running ussbot could not export: {0}")]
    Refused(String),
}

/// A listening socket; removed when dropped.
pub struct Server {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Listen on the socket of `data_dir` and answer exports from `deals`.
    /// Call inside a tokio runtime. A stale socket is replaced.
    pub fn start(data_dir: &Path, deals: DealService) -> Result<Server, LiveError> {
        let path = socket_path(data_dir);
        let io = |source| LiveError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::symlink_metadata(&path) {
            Ok(m) if std::os::unix::fs::FileTypeExt::is_socket(&m.file_type()) => {
                if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                    // Cannot happen while we hold the store's lock, unless
                    // two stores share a directory name: leave it alone.
                    return Err(io(std::io::Error::new(
                        std::io::ErrorKind::AddrInUse,
                        "another ussbot answers on this socket",
                    )));
                }
                tracing::warn!(socket = %path.display(), "replacing a socket left by a ussbot that did not exit cleanly");
                std::fs::remove_file(&path).map_err(io)?;
            }
            Ok(_) => return Err(LiveError::NotSocket(path)),
            Err(_) => {}
        }
        // Bind under a temporary name, restrict it, then move it in place,
        // so the socket is never reachable with wider permissions.
        let tmp = data_dir.join(format!(".{SOCKET_NAME}.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let listener = UnixListener::bind(&tmp).map_err(io)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        let owner = std::fs::metadata(&path).map_err(io)?.uid();
        let deals = Arc::new(deals);
        let task = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                let deals = deals.clone();
                tokio::spawn(async move {
                    if let Err(e) = answer(conn, owner, &deals).await {
                        tracing::warn!(error = %e, "a live export failed");
                    }
                });
            }
        });
        Ok(Server { path, task })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn answer(conn: UnixStream, owner: u32, deals: &DealService) -> std::io::Result<()> {
    let stranger = conn.peer_cred()?.uid() != owner;
    let (read, mut write) = conn.into_split();
    if stranger {
        let refusal = Answer {
            error: Some("only the user running ussbot may export its deals".into()),
            ..Answer::default()
        };
        let mut head = serde_json::to_vec(&refusal).map_err(std::io::Error::other)?;
        head.push(b'\n');
        write.write_all(&head).await?;
        return write.shutdown().await;
    }
    let mut line = Vec::new();
    let mut reader = BufReader::new(read).take(MAX_REQUEST as u64);
    reader.read_until(b'\n', &mut line).await?;
    let mut body = Vec::new();
    let answer = match serde_json::from_slice::<Request>(&line) {
        Err(e) => Answer {
            error: Some(format!("bad request: {e}")),
            ..Answer::default()
        },
        Ok(r) => match r.format.parse::<ExportFormat>() {
            Err(e) => Answer {
                error: Some(e.to_string()),
                ..Answer::default()
            },
            Ok(format) => {
                let user = UserKey::new(r.platform, r.user);
                match deals.export(&user, format, &mut body).await {
                    Ok(n) => Answer {
                        deals: Some(n),
                        ..Answer::default()
                    },
                    Err(e) => Answer {
                        error: Some(e.to_string()),
                        ..Answer::default()
                    },
                }
            }
        },
    };
    let mut head = serde_json::to_vec(&answer).map_err(std::io::Error::other)?;
    head.push(b'\n');
    write.write_all(&head).await?;
    if answer.deals.is_some() {
        write.write_all(&body).await?;
    }
    write.shutdown().await
}

/// Ask the ussbot running on `data_dir` for `user`'s export. Returns the
/// number of deals and the export. Blocking; no runtime needed.
pub fn request_export(
    data_dir: &Path,
    user: &UserKey,
    format: ExportFormat,
) -> Result<(usize, Vec<u8>), LiveError> {
    let path = socket_path(data_dir);
    let io = |source| LiveError::Io {
        path: path.clone(),
        source,
    };
    let mut conn = std::os::unix::net::UnixStream::connect(&path).map_err(io)?;
    let request = Request {
        platform: user.platform.clone(),
        user: user.id.clone(),
        format: match format {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
        }
        .into(),
    };
    let mut line = serde_json::to_vec(&request).map_err(|e| io(std::io::Error::other(e)))?;
    line.push(b'\n');
    conn.write_all(&line).map_err(io)?;
    let mut reader = std::io::BufReader::new(conn);
    let mut head = Vec::new();
    reader
        .by_ref()
        .take(MAX_REQUEST as u64)
        .read_until(b'\n', &mut head)
        .map_err(io)?;
    let answer: Answer = serde_json::from_slice(&head)
        .map_err(|_| LiveError::Refused("it gave no answer (is it an older ussbot?)".into()))?;
    if let Some(e) = answer.error {
        return Err(LiveError::Refused(e));
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body).map_err(io)?;
    Ok((answer.deals.unwrap_or(0), body))
}

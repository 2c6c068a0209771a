//! [`DealStore`] on sled 0.34.
//!
//! Layout: tree `deals` maps `d` + enc(user) + deal id to the deal record;
//! tree `meta` holds the schema marker and the visit sequence; tree
//! `pending` the conversation's pending offers (`pending.rs`). enc(user)
//! is two netstrings (`len:bytes` for platform, then id): a prefix-free
//! code, so the prefix of user A is never a prefix of user B's keys.
//!
//! Records are JSON objects with a `v` field (see [`SCHEMA_VERSION`]);
//! older versions are upgraded on read.
//!
//! Atomicity: every read-modify-write is a compare-and-swap loop on the
//! deal's key, so concurrent writers to one deal retry instead of losing
//! an update.
//!
//! Threads: every sled call of the async API, reads included, and the JSON
//! coding of records run on tokio's blocking pool (`blocking`), never on
//! a runtime thread the Discord gateway shares. Only the service's own
//! `Change`/`Recompute` closures run on the calling task, between the read
//! and the compare-and-swap.
//!
//! Durability: writes return only after sled's `flush` has completed; it
//! runs on tokio's blocking pool too ([`SledStore::flush`]). sled 0.34
//! flushes with `sync_file_range` rather than `fsync` (sled#1452): the data
//! is in the OS and survives the process being killed, but a power loss can
//! still lose the last writes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::deals::model::{Deal, Visit, SCHEMA_VERSION};
use crate::deals::{Change, DealStore, Recompute, RemovedVisit, StorageError};
use crate::user::UserKey;

mod pending;

const DEALS_TREE: &[u8] = b"deals";
const PENDING_TREE: &[u8] = b"pending";
const META_TREE: &[u8] = b"meta";
const SCHEMA_KEY: &[u8] = b"schema";
const SEQ_KEY: &[u8] = b"visit_seq";
const DEAL_PREFIX: u8 = b'd';

/// Page cache size: a chat bot's working set is small.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// A deal store in one sled directory. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
    deals: sled::Tree,
    meta: sled::Tree,
    /// The conversation's pending offers (see [`crate::conversation::PendingStore`]).
    pending: sled::Tree,
    path: PathBuf,
}

/// Open (or create) the deal store in `dir`.
///
/// A locked directory (another process has it open), a corrupt one, or
/// one that cannot be read is an error — never a panic and never a silently
/// fresh store. Blocking: call it at start-up or from `spawn_blocking`.
pub fn open_sled(dir: &Path) -> Result<SledStore, StorageError> {
    // A store closed a moment ago in this process can still be locked while
    // sled's background threads let go of its files: try again briefly
    // before calling it locked by another process.
    let mut tries = 0;
    loop {
        match open_once(dir) {
            Err(StorageError::Locked { .. }) if tries < LOCK_RETRIES => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            result => return result,
        }
    }
}

/// How often a locked store is tried again, 50 ms apart.
const LOCK_RETRIES: u32 = 10;

fn open_once(dir: &Path) -> Result<SledStore, StorageError> {
    let path = dir.to_path_buf();
    let existing = preflight(dir)?;
    let config = sled::Config::new().path(dir).cache_capacity(CACHE_BYTES);
    let db = match catch_unwind(AssertUnwindSafe(|| config.open())) {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => return Err(open_error(&path, e)),
        Err(_) => {
            return Err(StorageError::Corrupt {
                path,
                detail: "the storage engine failed while reading its files".into(),
            })
        }
    };
    let tree = |name: &[u8]| db.open_tree(name).map_err(|e| open_error(&path, e));
    let deals = tree(DEALS_TREE)?;
    let meta = tree(META_TREE)?;
    let pending = tree(PENDING_TREE)?;
    let marker = meta.get(SCHEMA_KEY).map_err(|e| open_error(&path, e))?;
    match marker {
        Some(v) => {
            let version = std::str::from_utf8(&v)
                .ok()
                .and_then(|s| s.parse::<u32>().ok())
                .ok_or_else(|| StorageError::Corrupt {
                    path: path.clone(),
                    detail: "unreadable schema marker".into(),
                })?;
            if version > SCHEMA_VERSION {
                return Err(StorageError::Corrupt {
                    path,
                    detail: format!(
                        "written by a newer ussbot (schema {version}, this one reads up to {SCHEMA_VERSION})"
                    ),
                });
            }
        }
        None if existing => {
            return Err(StorageError::Corrupt {
                path,
                detail: "the directory has store files but no ussbot data in them".into(),
            })
        }
        None => {
            meta.insert(SCHEMA_KEY, SCHEMA_VERSION.to_string().as_bytes())
                .map_err(|e| open_error(&path, e))?;
            db.flush().map_err(|e| open_error(&path, e))?;
        }
    }
    Ok(SledStore {
        db,
        deals,
        meta,
        pending,
        path,
    })
}

/// Check the directory before sled sees it. `Ok(true)` when it already
/// holds a store.
fn preflight(dir: &Path) -> Result<bool, StorageError> {
    let path = dir.to_path_buf();
    let unreadable = |source| StorageError::Unreadable {
        path: path.clone(),
        source,
    };
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(unreadable(e)),
        Ok(m) if !m.is_dir() => {
            return Err(unreadable(std::io::Error::other("not a directory")));
        }
        Ok(_) => {}
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    if names.is_empty() {
        return Ok(false);
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if !has("conf") || !has("db") {
        return Err(StorageError::Corrupt {
            path,
            detail: format!(
                "not a ussbot deal store (expected files `conf` and `db`, found: {})",
                names.join(", ")
            ),
        });
    }
    // Open both files for reading so permission problems are reported as
    // such, before sled turns them into something vaguer.
    for f in ["conf", "db"] {
        std::fs::File::open(dir.join(f)).map_err(unreadable)?;
    }
    Ok(true)
}

fn open_error(path: &Path, e: sled::Error) -> StorageError {
    let path = path.to_path_buf();
    match e {
        sled::Error::Io(io) => {
            if io.to_string().contains("could not acquire lock") {
                StorageError::Locked { path }
            } else if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            ) {
                StorageError::Corrupt {
                    path,
                    detail: io.to_string(),
                }
            } else {
                StorageError::Unreadable { path, source: io }
            }
        }
        sled::Error::Corruption { at, .. } => StorageError::Corrupt {
            path,
            detail: match at {
                Some(at) => format!("damaged data at {at:?}"),
                None => "damaged data".into(),
            },
        },
        other => StorageError::Corrupt {
            path,
            detail: other.to_string(),
        },
    }
}

fn io_error(e: sled::Error) -> StorageError {
    StorageError::Io(e.to_string())
}

/// Run blocking sled work on tokio's blocking pool and wait for it without
/// holding a runtime thread. `what` names the work if the task fails.
async fn blocking<T, F>(what: &str, work: F) -> Result<T, StorageError>
where
    F: FnOnce() -> Result<T, StorageError> + Send + 'static,
    T: Send + 'static,
{
    let job = tokio::task::spawn_blocking(work);
    // Always give the other tasks on this thread their turn, even when the
    // pool finishes the work before it is first waited on.
    tokio::task::yield_now().await;
    match job.await {
        Ok(r) => r,
        Err(e) => Err(StorageError::Io(format!("{what} task failed: {e}"))),
    }
}

/// The key prefix of all of `user`'s deals.
pub(crate) fn user_prefix(user: &UserKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + user.platform.len() + user.id.len());
    k.push(DEAL_PREFIX);
    for part in [&user.platform, &user.id] {
        k.extend_from_slice(part.len().to_string().as_bytes());
        k.push(b':');
        k.extend_from_slice(part.as_bytes());
    }
    k
}

fn deal_key(user: &UserKey, id: &str) -> Vec<u8> {
    let mut k = user_prefix(user);
    k.extend_from_slice(id.as_bytes());
    k
}

/// Decode the user part of a deal key.
fn user_of_key(key: &[u8]) -> Option<UserKey> {
    let rest = key.strip_prefix(&[DEAL_PREFIX])?;
    let (platform, rest) = netstring(rest)?;
    let (id, _) = netstring(rest)?;
    Some(UserKey::new(platform, id))
}

fn netstring(b: &[u8]) -> Option<(String, &[u8])> {
    let colon = b.iter().position(|&c| c == b':')?;
    let len: usize = std::str::from_utf8(&b[..colon]).ok()?.parse().ok()?;
    let body = b.get(colon + 1..colon + 1 + len)?;
    Some((
        String::from_utf8(body.to_vec()).ok()?,
        &b[colon + 1 + len..],
    ))
}

#[derive(Serialize)]
struct StoredRef<'a> {
    v: u32,
    #[serde(flatten)]
    deal: &'a Deal,
}

#[derive(Deserialize)]
struct Peek {
    v: Option<u32>,
}

/// Serialize a deal as the current record version.
pub(crate) fn encode(deal: &Deal) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(&StoredRef {
        v: SCHEMA_VERSION,
        deal,
    })
    .map_err(|e| StorageError::Record {
        key: deal.id.clone(),
        detail: e.to_string(),
    })
}

/// Read a record of any supported version.
pub fn decode(key: &[u8], bytes: &[u8]) -> Result<Deal, StorageError> {
    let bad = |detail: String| StorageError::Record {
        key: String::from_utf8_lossy(key).into_owned(),
        detail,
    };
    let peek: Peek = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    match peek.v {
        // Version 1 is the current shape; fields added later default.
        Some(1) => serde_json::from_slice(bytes).map_err(|e| bad(e.to_string())),
        Some(v) => Err(bad(format!(
            "record schema version {v} is newer than this ussbot ({SCHEMA_VERSION})"
        ))),
        None => Err(bad("record has no schema version".into())),
    }
}

impl SledStore {
    /// The data directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the store takes on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        self.db.size_on_disk().map_err(io_error)
    }

    /// Write everything out and wait for it, without blocking a runtime
    /// thread: sled's blocking `flush` runs on tokio's blocking pool.
    ///
    /// Not `flush_async`: concurrent `flush_async` calls deadlock in sled
    /// 0.34 (sled#1308, sled#1241; fixed only on sled's unreleased main).
    pub async fn flush(&self) -> Result<(), StorageError> {
        let db = self.db.clone();
        blocking("flush", move || db.flush().map(|_| ()).map_err(io_error)).await
    }

    /// Read-modify-write one key until the compare-and-swap wins. `f`
    /// returns `None` to leave the record as it is, `Some(None)` to delete
    /// it, `Some(Some(deal))` to write it. Not yet flushed. The read and the
    /// swap run on the blocking pool; `f` runs on the calling task.
    async fn cas<F>(&self, key: Vec<u8>, f: F) -> Result<Option<Deal>, StorageError>
    where
        F: Fn(Option<Deal>) -> Option<Option<Deal>> + Send,
    {
        loop {
            let (tree, k) = (self.deals.clone(), key.clone());
            let (old, current) = blocking("read", move || {
                let old = tree.get(&k).map_err(io_error)?;
                let current = match &old {
                    Some(b) => Some(decode(&k, b)?),
                    None => None,
                };
                Ok((old, current))
            })
            .await?;
            let Some(new) = f(current.clone()) else {
                return Ok(current);
            };
            let (tree, k) = (self.deals.clone(), key.clone());
            let (swapped, new) = blocking("write", move || {
                let new_bytes = match &new {
                    Some(d) => Some(encode(d)?),
                    None => None,
                };
                let swapped = tree
                    .compare_and_swap(k, old, new_bytes)
                    .map_err(io_error)?
                    .is_ok();
                Ok((swapped, new))
            })
            .await?;
            if swapped {
                return Ok(new);
            }
        }
    }
}

#[async_trait]
impl DealStore for SledStore {
    async fn deals(&self, user: &UserKey) -> Result<Vec<Deal>, StorageError> {
        let (tree, prefix) = (self.deals.clone(), user_prefix(user));
        blocking("read", move || {
            let mut out = Vec::new();
            for kv in tree.scan_prefix(prefix) {
                let (k, v) = kv.map_err(io_error)?;
                out.push(decode(&k, &v)?);
            }
            Ok(out)
        })
        .await
    }

    async fn deal(&self, user: &UserKey, id: &str) -> Result<Option<Deal>, StorageError> {
        let (tree, key) = (self.deals.clone(), deal_key(user, id));
        blocking("read", move || match tree.get(&key).map_err(io_error)? {
            Some(v) => Ok(Some(decode(&key, &v)?)),
            None => Ok(None),
        })
        .await
    }

    async fn put_deal(&self, user: &UserKey, deal: &Deal) -> Result<(), StorageError> {
        let bytes = encode(deal)?;
        let (tree, key) = (self.deals.clone(), deal_key(user, &deal.id));
        blocking("write", move || {
            tree.insert(key, bytes).map(|_| ()).map_err(io_error)
        })
        .await?;
        self.flush().await
    }

    async fn append_visit(
        &self,
        user: &UserKey,
        template: &Deal,
        visit: &Visit,
        recompute: Recompute<'_>,
    ) -> Result<Deal, StorageError> {
        let key = deal_key(user, &template.id);
        let written = self
            .cas(key, |current| {
                let mut deal = current.unwrap_or_else(|| template.clone());
                if deal.visits.iter().any(|v| v.seq == visit.seq) {
                    return None;
                }
                deal.visits.push(visit.clone());
                for alias in template.customer.aliases.iter() {
                    if !deal.is_named(alias) {
                        deal.customer.aliases.push(alias.clone());
                    }
                }
                recompute(&mut deal);
                Some(Some(deal))
            })
            .await?;
        self.flush().await?;
        written.ok_or_else(|| StorageError::Io("visit was not written".into()))
    }

    async fn update_deal(
        &self,
        user: &UserKey,
        id: &str,
        change: Change<'_>,
    ) -> Result<Option<Deal>, StorageError> {
        let key = deal_key(user, id);
        let changed = AtomicBool::new(false);
        let out = self
            .cas(key, |current| {
                let mut deal = current?;
                let did = change(&mut deal);
                changed.store(did, Ordering::Relaxed);
                did.then_some(Some(deal))
            })
            .await?;
        if changed.load(Ordering::Relaxed) {
            self.flush().await?;
        }
        Ok(out)
    }

    async fn remove_last_visit(
        &self,
        user: &UserKey,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError> {
        loop {
            let deals = self.deals(user).await?;
            let last = deals
                .iter()
                .flat_map(|d| d.visits.iter().map(move |v| (v.seq, d)))
                .max_by_key(|(seq, _)| *seq);
            let Some((seq, deal)) = last else {
                return Ok(None);
            };
            let key = deal_key(user, &deal.id);
            // A Mutex, not a RefCell, so the future stays Send; it is only
            // locked inside the closure, never across an await.
            let removed = Mutex::new(None);
            let after = self
                .cas(key, |current| {
                    // Each try starts afresh: a try whose swap failed must
                    // not leave its visit behind as "removed".
                    if let Ok(mut r) = removed.lock() {
                        *r = None;
                    }
                    let mut d = current?;
                    let pos = d.visits.iter().position(|v| v.seq == seq)?;
                    let visit = d.visits.remove(pos);
                    if let Ok(mut r) = removed.lock() {
                        *r = Some((visit, d.customer.name.clone()));
                    }
                    if d.visits.is_empty() {
                        Some(None)
                    } else {
                        recompute(&mut d);
                        Some(Some(d))
                    }
                })
                .await?;
            let removed = removed.into_inner().unwrap_or_else(|e| e.into_inner());
            let Some((visit, customer)) = removed else {
                // Someone else removed it first: look again.
                continue;
            };
            self.flush().await?;
            return Ok(Some(RemovedVisit {
                visit,
                deal: after,
                customer,
            }));
        }
    }

    async fn next_seq(&self) -> Result<u64, StorageError> {
        let meta = self.meta.clone();
        blocking("sequence", move || {
            let next = meta
                .update_and_fetch(SEQ_KEY, |old| {
                    let n = old
                        .and_then(|b| <[u8; 8]>::try_from(b).ok())
                        .map(u64::from_be_bytes)
                        .unwrap_or(0);
                    Some((n + 1).to_be_bytes().to_vec())
                })
                .map_err(io_error)?;
            next.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| StorageError::Io("visit sequence unreadable".into()))
        })
        .await
    }

    async fn put_deals(&self, user: &UserKey, deals: &[Deal]) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for d in deals {
            batch.insert(deal_key(user, &d.id), encode(d)?);
        }
        let tree = self.deals.clone();
        blocking("write", move || tree.apply_batch(batch).map_err(io_error)).await?;
        self.flush().await
    }

    async fn reserve_seq(&self, n: u64) -> Result<(), StorageError> {
        let meta = self.meta.clone();
        blocking("sequence", move || {
            meta.fetch_and_update(SEQ_KEY, |old| {
                let cur = old
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_be_bytes)
                    .unwrap_or(0);
                Some(cur.max(n).to_be_bytes().to_vec())
            })
            .map(|_| ())
            .map_err(io_error)
        })
        .await?;
        self.flush().await
    }

    async fn users(&self) -> Result<Vec<UserKey>, StorageError> {
        let tree = self.deals.clone();
        blocking("read", move || {
            let mut out: Vec<UserKey> = Vec::new();
            for k in tree.iter().keys() {
                let k = k.map_err(io_error)?;
                if let Some(u) = user_of_key(&k) {
                    if out.last() != Some(&u) {
                        out.push(u);
                    }
                }
            }
            out.dedup();
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_prefixes_are_prefix_free() {
        let a = user_prefix(&UserKey::new("discord", "1"));
        let b = user_prefix(&UserKey::new("discord", "12"));
        let c = user_prefix(&UserKey::new("discord1", ""));
        assert!(!b.starts_with(&a) && !a.starts_with(&b));
        assert!(!c.starts_with(&a) && !a.starts_with(&c));
        let key = deal_key(&UserKey::new("discord", "12"), "金鹰");
        assert_eq!(user_of_key(&key), Some(UserKey::new("discord", "12")));
    }
}

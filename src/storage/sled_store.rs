//! [`DealStore`] on sled 0.34.
//!
//! Layout (store schema 2, [`LAYOUT_VERSION`]): tree `records` holds, for
//! each deal, a summary record at enc(user) + enc(deal id) + `s` (the deal
//! without its visits, plus `rev`, a number that changes with every write
//! of the deal) and one record per visit at enc(user) + enc(deal id) + `v`
//! and then the visit's `seq` (8 bytes, big-endian), so logging a visit writes the
//! visit and the small summary, never the deal's other visits: disk use
//! grows with the data. enc(x) is a netstring (`len:bytes`); enc(user) is
//! `d` + enc(platform) + enc(id). Netstrings are a prefix-free code, so
//! neither one user's prefix nor one deal's is ever a prefix of another's.
//! Tree `meta` holds the schema marker and the visit sequence; tree
//! `pending` the conversation's pending offers (`pending.rs`).
//!
//! Schema 1 kept each deal, visits included, as one record in tree `deals`.
//! Opening such a store migrates it once ([`migrate_v1`]): the new records
//! are written to `records` (cleared first), flushed, and only then is the
//! marker set to 2 and tree `deals` dropped. A crash before the marker
//! leaves a schema-1 store that migrates again; one after it, a schema-2
//! store whose left-over `deals` tree is dropped at the next open.
//!
//! Records are JSON objects with a `v` field (see [`SCHEMA_VERSION`]).
//!
//! Opening reads and decodes every record ([`verify`]), so damage inside
//! live data is reported at start-up as [`StorageError::Corrupt`], never
//! later in the middle of a conversation.
//!
//! Atomicity: every read-modify-write of a deal reads its summary and
//! visits, then writes the changed records in one sled transaction that
//! first checks the summary is still the one read (its `rev` makes every
//! write different); on a conflict it reads again and retries.
//!
//! Threads: every sled call of the async API, reads included, and the JSON
//! coding of records run on tokio's blocking pool (`blocking`), never on
//! a runtime thread the Discord gateway shares. Only the service's own
//! `Change`/`Recompute` closures run on the calling task, between the read
//! and the write.
//!
//! Durability: writes return only after sled's `flush` has completed; it
//! runs on tokio's blocking pool too ([`SledStore::flush`]). sled 0.34
//! flushes with `sync_file_range` rather than `fsync` (sled#1452): the data
//! is in the OS and survives the process being killed, but a power loss can
//! still lose the last writes.
//!
//! Failed writes (a full disk): sled keeps a write whose flush failed in
//! its cache and, once an I/O error happened, fails every later write. So
//! after a failed write the store closes sled and opens the directory
//! again ([`SledStore::recover`]): what the process shows is then what is
//! on disk, and writes work again as soon as the disk has room.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::deals::model::{Deal, Visit, SCHEMA_VERSION};
use crate::deals::{Change, DealStore, Recompute, RemovedVisit, StorageError};
use crate::user::UserKey;

mod pending;

/// The store's layout version, kept as the schema marker in tree `meta`.
pub const LAYOUT_VERSION: u32 = 2;

const V1_DEALS_TREE: &[u8] = b"deals";
const RECORDS_TREE: &[u8] = b"records";
const PENDING_TREE: &[u8] = b"pending";
const META_TREE: &[u8] = b"meta";
const SCHEMA_KEY: &[u8] = b"schema";
const SEQ_KEY: &[u8] = b"visit_seq";
const DEAL_PREFIX: u8 = b'd';
const SUMMARY_TAG: u8 = b's';
const VISIT_TAG: u8 = b'v';

/// The highest visit number the counter hands out; it never wraps.
pub const MAX_SEQ: u64 = u64::MAX - 1;

/// Page cache size: a chat bot's working set is small.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The open sled handles. Replaced as a whole when the store reopens.
#[derive(Debug, Clone)]
struct Handles {
    db: sled::Db,
    records: sled::Tree,
    meta: sled::Tree,
    pending: sled::Tree,
}

/// A deal store in one sled directory. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct SledStore {
    /// `None` after a failed write whose reopen failed too (the disk still
    /// full): the next call tries to open the directory again.
    handles: Arc<RwLock<Option<Handles>>>,
    path: PathBuf,
}

/// Open (or create) the deal store in `dir`, migrate an older layout, and
/// read every record to find damage now rather than mid-conversation.
///
/// A locked directory (another process has it open), a corrupt one, or
/// one that cannot be read is an error — never a panic and never a silently
/// fresh store. Blocking: call it at start-up or from `spawn_blocking`.
pub fn open_sled(dir: &Path) -> Result<SledStore, StorageError> {
    let handles = open_retrying(dir, true)?;
    Ok(SledStore {
        handles: Arc::new(RwLock::new(Some(handles))),
        path: dir.to_path_buf(),
    })
}

fn open_retrying(dir: &Path, check: bool) -> Result<Handles, StorageError> {
    // A store closed a moment ago in this process can still be locked while
    // sled's background threads let go of its files: try again briefly
    // before calling it locked by another process.
    let mut tries = 0;
    loop {
        match open_once(dir, check) {
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

fn open_once(dir: &Path, check: bool) -> Result<Handles, StorageError> {
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
    let oe = |e| open_error(&path, e);
    let tree = |name: &[u8]| db.open_tree(name).map_err(oe);
    let meta = tree(META_TREE)?;
    let records = tree(RECORDS_TREE)?;
    let pending = tree(PENDING_TREE)?;
    let marker = meta.get(SCHEMA_KEY).map_err(oe)?;
    let handles = Handles {
        db: db.clone(),
        records,
        meta,
        pending,
    };
    match marker {
        Some(v) => {
            let version = std::str::from_utf8(&v)
                .ok()
                .and_then(|s| s.parse::<u32>().ok())
                .ok_or_else(|| StorageError::Corrupt {
                    path: path.clone(),
                    detail: "unreadable schema marker".into(),
                })?;
            if version > LAYOUT_VERSION {
                return Err(StorageError::Corrupt {
                    path,
                    detail: format!(
                        "written by a newer ussbot (schema {version}, this one reads up to {LAYOUT_VERSION})"
                    ),
                });
            }
            if version < LAYOUT_VERSION {
                if check {
                    verify_v1(&path, &db)?;
                }
                migrate_v1(&path, &handles)?;
            } else if db.tree_names().iter().any(|n| n.as_ref() == V1_DEALS_TREE) {
                // A migration that stopped after setting the marker.
                db.drop_tree(V1_DEALS_TREE).map_err(oe)?;
                db.flush().map_err(oe)?;
            }
        }
        None if existing => {
            return Err(StorageError::Corrupt {
                path,
                detail: "the directory has store files but no ussbot data in them".into(),
            })
        }
        None => {
            handles
                .meta
                .insert(SCHEMA_KEY, LAYOUT_VERSION.to_string().as_bytes())
                .map_err(oe)?;
            db.flush().map_err(oe)?;
        }
    }
    if check {
        verify(&path, &handles)?;
    }
    Ok(handles)
}

/// Read and decode every record, so damage anywhere in live data is found
/// at open. Blocking.
fn verify(path: &Path, h: &Handles) -> Result<(), StorageError> {
    let damaged = |detail: String| StorageError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    // Keys sort a deal's summary before its visits, so a visit whose deal
    // is not the last summary seen lost its summary to the damage.
    let mut last_summary: Option<(UserKey, String)> = None;
    for kv in h.records.iter() {
        let (k, v) = kv.map_err(|e| open_error(path, e))?;
        let bad = |e: StorageError| damaged(format!("a record cannot be read: {e}"));
        match parse_key(&k) {
            Some((user, deal, Tag::Summary)) => {
                decode_summary(&k, &v).map_err(bad)?;
                last_summary = Some((user, deal));
            }
            Some((user, deal, Tag::Visit(seq))) => {
                if last_summary.as_ref() != Some(&(user, deal)) {
                    return Err(damaged("a visit record has lost its deal's record".into()));
                }
                let visit = decode_visit(&k, &v).map_err(bad)?;
                if visit.seq != seq {
                    return Err(damaged(format!(
                        "visit record {seq} holds visit {}",
                        visit.seq
                    )));
                }
            }
            None => return Err(damaged("a record has a key ussbot never writes".into())),
        }
    }
    for tree in [&h.pending, &h.meta] {
        for kv in tree.iter() {
            kv.map_err(|e| open_error(path, e))?;
        }
    }
    Ok(())
}

/// Read and decode every schema-1 record before migrating them.
fn verify_v1(path: &Path, db: &sled::Db) -> Result<(), StorageError> {
    let old = db
        .open_tree(V1_DEALS_TREE)
        .map_err(|e| open_error(path, e))?;
    for kv in old.iter() {
        let (k, v) = kv.map_err(|e| open_error(path, e))?;
        decode(&k, &v).map_err(|e| StorageError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("a record cannot be read: {e}"),
        })?;
    }
    Ok(())
}

/// Deals per batch while migrating.
const MIGRATE_CHUNK: usize = 500;

/// Rewrite a schema-1 store (one record per deal in tree `deals`) in the
/// schema-2 layout. Safe to run again after a crash at any point.
fn migrate_v1(path: &Path, h: &Handles) -> Result<(), StorageError> {
    let oe = |e| open_error(path, e);
    let old = h.db.open_tree(V1_DEALS_TREE).map_err(oe)?;
    // Whatever an interrupted migration left behind.
    h.records.clear().map_err(oe)?;
    let mut batch = sled::Batch::default();
    let mut in_batch = 0;
    let mut max_seq = 0;
    for kv in old.iter() {
        let (k, v) = kv.map_err(oe)?;
        let deal = decode(&k, &v)?;
        let Some(user) = user_of_key(&k) else {
            return Err(StorageError::Corrupt {
                path: path.to_path_buf(),
                detail: "a schema-1 record has a key ussbot never writes".into(),
            });
        };
        max_seq = deal.visits.iter().map(|v| v.seq).fold(max_seq, u64::max);
        let rev = h.db.generate_id().map_err(oe)?;
        for (key, bytes) in deal_records(&user, &deal, rev)? {
            batch.insert(key, bytes);
        }
        in_batch += 1;
        if in_batch == MIGRATE_CHUNK {
            h.records
                .apply_batch(std::mem::take(&mut batch))
                .map_err(oe)?;
            in_batch = 0;
        }
    }
    h.records.apply_batch(batch).map_err(oe)?;
    // The next visit number stays above every one in use.
    let seq = read_seq(&h.meta).map_err(oe)?;
    if seq < max_seq {
        h.meta.insert(SEQ_KEY, &max_seq.to_be_bytes()).map_err(oe)?;
    }
    h.db.flush().map_err(oe)?;
    h.meta
        .insert(SCHEMA_KEY, LAYOUT_VERSION.to_string().as_bytes())
        .map_err(oe)?;
    h.db.flush().map_err(oe)?;
    h.db.drop_tree(V1_DEALS_TREE).map_err(oe)?;
    h.db.flush().map_err(oe)?;
    Ok(())
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
            } else if is_no_space(&io) {
                StorageError::NoSpace
            } else if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            ) {
                StorageError::Corrupt {
                    path,
                    detail: io_words(&io),
                }
            } else {
                StorageError::Unreadable { path, source: io }
            }
        }
        sled::Error::Corruption { at, .. } => StorageError::Corrupt {
            path,
            detail: damaged_at(at),
        },
        other => StorageError::Corrupt {
            path,
            detail: sled_words(&other),
        },
    }
}

fn is_no_space(io: &std::io::Error) -> bool {
    io.raw_os_error() == Some(28) || io.kind() == std::io::ErrorKind::StorageFull
}

/// An OS error in words, without Rust's Debug form.
fn io_words(io: &std::io::Error) -> String {
    if is_no_space(io) {
        return "no space left on the device".into();
    }
    // `Display` of an OS error is its message and code
    // ("Permission denied (os error 13)"); a custom error is its message.
    io.to_string()
}

/// Where sled found damage, in words.
fn damaged_at(at: Option<sled::DiskPtr>) -> String {
    match at {
        Some(sled::DiskPtr::Inline(offset)) => {
            format!("damaged data at byte {offset} of file `db`")
        }
        Some(sled::DiskPtr::Blob(offset, id)) => {
            format!("damaged data at byte {offset} of file `db` (blob {id})")
        }
        None => "damaged data".into(),
    }
}

/// A sled error in words: sled's own `Display` prints OS errors in Rust's
/// Debug form (`IO error: Os { code: 28, … }`).
fn sled_words(e: &sled::Error) -> String {
    match e {
        sled::Error::Io(io) => io_words(io),
        sled::Error::Corruption { at, .. } => damaged_at(*at),
        sled::Error::CollectionNotFound(_) => "a part of the store is missing".into(),
        sled::Error::Unsupported(s) => format!("unsupported operation: {s}"),
        sled::Error::ReportableBug(_) => "the storage engine failed".into(),
    }
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
        Err(_) => Err(StorageError::Io(format!(
            "the {what} task stopped unexpectedly"
        ))),
    }
}

/// The key prefix of all of `user`'s deals.
pub(crate) fn user_prefix(user: &UserKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + user.platform.len() + user.id.len());
    k.push(DEAL_PREFIX);
    for part in [&user.platform, &user.id] {
        push_netstring(&mut k, part.as_bytes());
    }
    k
}

fn push_netstring(k: &mut Vec<u8>, part: &[u8]) {
    k.extend_from_slice(part.len().to_string().as_bytes());
    k.push(b':');
    k.extend_from_slice(part);
}

/// The prefix of every record of one deal.
fn deal_prefix(user: &UserKey, id: &str) -> Vec<u8> {
    let mut k = user_prefix(user);
    push_netstring(&mut k, id.as_bytes());
    k
}

fn summary_key(user: &UserKey, id: &str) -> Vec<u8> {
    let mut k = deal_prefix(user, id);
    k.push(SUMMARY_TAG);
    k
}

fn visit_key(user: &UserKey, id: &str, seq: u64) -> Vec<u8> {
    let mut k = deal_prefix(user, id);
    k.push(VISIT_TAG);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// What a record key names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tag {
    Summary,
    Visit(u64),
}

/// Split a record key into user, deal id and tag.
fn parse_key(key: &[u8]) -> Option<(UserKey, String, Tag)> {
    let rest = key.strip_prefix(&[DEAL_PREFIX])?;
    let (platform, rest) = netstring(rest)?;
    let (id, rest) = netstring(rest)?;
    let (deal, rest) = netstring(rest)?;
    let tag = match rest.split_first()? {
        (&SUMMARY_TAG, []) => Tag::Summary,
        (&VISIT_TAG, seq) => Tag::Visit(u64::from_be_bytes(<[u8; 8]>::try_from(seq).ok()?)),
        _ => return None,
    };
    Some((UserKey::new(platform, id), deal, tag))
}

/// Decode the user part of a deal key (either layout).
fn user_of_key(key: &[u8]) -> Option<UserKey> {
    let rest = key.strip_prefix(&[DEAL_PREFIX])?;
    let (platform, rest) = netstring(rest)?;
    let (id, _) = netstring(rest)?;
    Some(UserKey::new(platform, id))
}

fn netstring(b: &[u8]) -> Option<(String, &[u8])> {
    let colon = b.iter().position(|&c| c == b':')?;
    let len: usize = std::str::from_utf8(&b[..colon]).ok()?.parse().ok()?;
    let body = b.get(colon + 1..colon.checked_add(1 + len)?)?;
    Some((
        String::from_utf8(body.to_vec()).ok()?,
        &b[colon + 1 + len..],
    ))
}

/// The first key after every key that starts with `prefix`.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[derive(Serialize)]
struct SummaryRef<'a> {
    v: u32,
    rev: u64,
    #[serde(flatten)]
    deal: &'a Deal,
}

#[derive(Serialize)]
struct VisitRef<'a> {
    v: u32,
    #[serde(flatten)]
    visit: &'a Visit,
}

#[derive(Deserialize)]
struct Peek {
    v: Option<u32>,
}

fn record_error(key: &[u8], detail: String) -> StorageError {
    StorageError::Record {
        key: String::from_utf8_lossy(key).into_owned(),
        detail,
    }
}

/// Check a record's version before decoding it.
fn check_version(key: &[u8], bytes: &[u8]) -> Result<(), StorageError> {
    let peek: Peek = serde_json::from_slice(bytes).map_err(|e| record_error(key, e.to_string()))?;
    match peek.v {
        // Version 1 is the current shape; fields added later default.
        Some(1) => Ok(()),
        Some(v) => Err(record_error(
            key,
            format!("record schema version {v} is newer than this ussbot ({SCHEMA_VERSION})"),
        )),
        None => Err(record_error(key, "record has no schema version".into())),
    }
}

/// Read a whole-deal record (schema 1) of any supported version.
pub fn decode(key: &[u8], bytes: &[u8]) -> Result<Deal, StorageError> {
    check_version(key, bytes)?;
    serde_json::from_slice(bytes).map_err(|e| record_error(key, e.to_string()))
}

#[derive(Deserialize)]
struct Rev {
    #[serde(default)]
    rev: u64,
}

/// A summary record: the deal without visits, and its revision.
fn decode_summary(key: &[u8], bytes: &[u8]) -> Result<(Deal, u64), StorageError> {
    check_version(key, bytes)?;
    let deal: Deal = serde_json::from_slice(bytes).map_err(|e| record_error(key, e.to_string()))?;
    let rev: Rev = serde_json::from_slice(bytes).map_err(|e| record_error(key, e.to_string()))?;
    Ok((deal, rev.rev))
}

fn decode_visit(key: &[u8], bytes: &[u8]) -> Result<Visit, StorageError> {
    check_version(key, bytes)?;
    serde_json::from_slice(bytes).map_err(|e| record_error(key, e.to_string()))
}

fn encode_summary(deal: &Deal, rev: u64) -> Result<Vec<u8>, StorageError> {
    let mut bare = deal.clone();
    bare.visits = Vec::new();
    serde_json::to_vec(&SummaryRef {
        v: SCHEMA_VERSION,
        rev,
        deal: &bare,
    })
    .map_err(|e| record_error(deal.id.as_bytes(), e.to_string()))
}

fn encode_visit(deal: &Deal, visit: &Visit) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(&VisitRef {
        v: SCHEMA_VERSION,
        visit,
    })
    .map_err(|e| record_error(deal.id.as_bytes(), e.to_string()))
}

/// A record's key and bytes.
type KeyValue = (Vec<u8>, Vec<u8>);

/// Every record of `deal`: its summary, then its visits.
fn deal_records(user: &UserKey, deal: &Deal, rev: u64) -> Result<Vec<KeyValue>, StorageError> {
    let mut out = Vec::with_capacity(1 + deal.visits.len());
    out.push((summary_key(user, &deal.id), encode_summary(deal, rev)?));
    for v in &deal.visits {
        out.push((visit_key(user, &deal.id, v.seq), encode_visit(deal, v)?));
    }
    Ok(out)
}

/// A deal as read: the summary's raw bytes (what the write compares
/// against), the deal with its visits in `seq` order.
struct Read {
    summary: Option<sled::IVec>,
    deal: Option<Deal>,
}

/// Read one deal with its visits. Blocking.
fn read_deal(records: &sled::Tree, user: &UserKey, id: &str) -> Result<Read, StorageError> {
    let mut summary = None;
    let mut deal: Option<Deal> = None;
    let mut visits = Vec::new();
    for kv in records.scan_prefix(deal_prefix(user, id)) {
        let (k, v) = kv.map_err(io_error)?;
        match parse_key(&k).map(|(_, _, t)| t) {
            Some(Tag::Summary) => {
                deal = Some(decode_summary(&k, &v)?.0);
                summary = Some(v);
            }
            Some(Tag::Visit(_)) => visits.push(decode_visit(&k, &v)?),
            None => return Err(record_error(&k, "unexpected key".into())),
        }
    }
    if let Some(d) = deal.as_mut() {
        d.visits = visits;
    }
    Ok(Read { summary, deal })
}

/// All of one user's deals with their visits, in id order. Blocking.
fn read_deals(records: &sled::Tree, user: &UserKey) -> Result<Vec<Deal>, StorageError> {
    let mut out: Vec<Deal> = Vec::new();
    for kv in records.scan_prefix(user_prefix(user)) {
        let (k, v) = kv.map_err(io_error)?;
        match parse_key(&k) {
            Some((_, _, Tag::Summary)) => out.push(decode_summary(&k, &v)?.0),
            Some((_, id, Tag::Visit(_))) => {
                let visit = decode_visit(&k, &v)?;
                match out.last_mut() {
                    Some(d) if d.id == id => d.visits.push(visit),
                    // A visit without its summary: never written so.
                    _ => return Err(record_error(&k, "visit of an unknown deal".into())),
                }
            }
            None => return Err(record_error(&k, "unexpected key".into())),
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn read_seq(meta: &sled::Tree) -> sled::Result<u64> {
    Ok(meta
        .get(SEQ_KEY)?
        .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0))
}

fn io_error(e: sled::Error) -> StorageError {
    match &e {
        sled::Error::Io(io) if is_no_space(io) => StorageError::NoSpace,
        _ => StorageError::Io(sled_words(&e)),
    }
}

/// The writes that turn deal `old` into `new` (or remove it).
fn diff(
    user: &UserKey,
    id: &str,
    old: Option<&Deal>,
    new: Option<&Deal>,
    rev: u64,
) -> Result<sled::Batch, StorageError> {
    let mut batch = sled::Batch::default();
    let old_visits: std::collections::HashMap<u64, &Visit> = old
        .map(|d| d.visits.iter().map(|v| (v.seq, v)).collect())
        .unwrap_or_default();
    match new {
        None => {
            batch.remove(summary_key(user, id));
            for seq in old_visits.keys() {
                batch.remove(visit_key(user, id, *seq));
            }
        }
        Some(d) => {
            batch.insert(summary_key(user, id), encode_summary(d, rev)?);
            let mut kept = std::collections::HashSet::new();
            for v in &d.visits {
                kept.insert(v.seq);
                if old_visits.get(&v.seq) != Some(&v) {
                    batch.insert(visit_key(user, id, v.seq), encode_visit(d, v)?);
                }
            }
            for seq in old_visits.keys().filter(|s| !kept.contains(s)) {
                batch.remove(visit_key(user, id, *seq));
            }
        }
    }
    Ok(batch)
}

impl SledStore {
    /// The data directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open handles, opening the directory again first when an earlier
    /// failure closed it.
    fn handles(&self) -> Result<Handles, StorageError> {
        if let Ok(guard) = self.handles.read() {
            if let Some(h) = guard.as_ref() {
                return Ok(h.clone());
            }
        }
        let mut guard = self
            .handles
            .write()
            .map_err(|_| StorageError::Io("the store was left in an unknown state".into()))?;
        if let Some(h) = guard.as_ref() {
            return Ok(h.clone());
        }
        let h = open_retrying(&self.path, false)?;
        *guard = Some(h.clone());
        Ok(h)
    }

    /// After a failed write: close sled (which keeps the failed write in
    /// its cache and fails every later write) and open the directory
    /// again, so reads show what is on disk and writes resume once the
    /// disk has room. When the directory cannot be opened now, the next
    /// call tries again. Blocking.
    fn recover(&self) {
        let Ok(mut guard) = self.handles.write() else {
            return;
        };
        // Drop our handles before opening: sled holds a lock on the files
        // until the last handle is gone.
        *guard = None;
        if let Ok(h) = open_retrying(&self.path, false) {
            *guard = Some(h);
        }
    }

    /// Run a write; on failure, reopen the store before returning the
    /// error. Blocking.
    fn write<T>(
        &self,
        work: impl FnOnce(&Handles) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let h = self.handles()?;
        let out = work(&h).and_then(|t| {
            h.db.flush().map_err(io_error)?;
            Ok(t)
        });
        if out.is_err() {
            drop(h);
            self.recover();
        }
        out
    }

    /// Bytes the store takes on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64, StorageError> {
        self.handles()?.db.size_on_disk().map_err(io_error)
    }

    /// Write everything out and wait for it, without blocking a runtime
    /// thread: sled's blocking `flush` runs on tokio's blocking pool.
    ///
    /// Not `flush_async`: concurrent `flush_async` calls deadlock in sled
    /// 0.34 (sled#1308, sled#1241; fixed only on sled's unreleased main).
    pub async fn flush(&self) -> Result<(), StorageError> {
        let this = self.clone();
        blocking("flush", move || this.write(|_| Ok(()))).await
    }

    /// Read-modify-write one deal until no other writer came between the
    /// read and the write. `f` gets the deal with its visits and returns
    /// `None` to leave it as it is, `Some(None)` to delete it,
    /// `Some(Some(deal))` to write it. Flushed when it returns. The read
    /// and the write run on the blocking pool; `f` runs on the calling task.
    async fn cas<F>(&self, user: &UserKey, id: &str, f: F) -> Result<Option<Deal>, StorageError>
    where
        F: Fn(Option<Deal>) -> Option<Option<Deal>> + Send,
    {
        loop {
            let this = self.clone();
            let (u, i) = (user.clone(), id.to_string());
            let read =
                blocking("read", move || read_deal(&this.handles()?.records, &u, &i)).await?;
            let Some(new) = f(read.deal.clone()) else {
                return Ok(read.deal);
            };
            let this = self.clone();
            let (u, i) = (user.clone(), id.to_string());
            let (swapped, new) = blocking("write", move || {
                this.write(|h| {
                    let rev = h.db.generate_id().map_err(io_error)?;
                    let batch = diff(&u, &i, read.deal.as_ref(), new.as_ref(), rev)?;
                    let skey = summary_key(&u, &i);
                    let result = h.records.transaction(|tx| {
                        if tx.get(&skey)? != read.summary {
                            return Err(ConflictableTransactionError::Abort(()));
                        }
                        tx.apply_batch(&batch)?;
                        Ok(())
                    });
                    match result {
                        Ok(()) => Ok((true, new)),
                        Err(TransactionError::Abort(())) => Ok((false, new)),
                        Err(TransactionError::Storage(e)) => Err(io_error(e)),
                    }
                })
            })
            .await?;
            if swapped {
                return Ok(new);
            }
        }
    }

    /// Change the visit counter with `f` (current value → new value or an
    /// error), atomically. Returns the new value. Blocking.
    fn update_seq(
        &self,
        f: impl Fn(u64) -> Result<u64, StorageError>,
    ) -> Result<u64, StorageError> {
        self.write(|h| loop {
            let old = h.meta.get(SEQ_KEY).map_err(io_error)?;
            let cur = old
                .as_ref()
                .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            let next = f(cur)?;
            if next == cur && old.is_some() {
                return Ok(next);
            }
            let swapped = h
                .meta
                .compare_and_swap(SEQ_KEY, old, Some(&next.to_be_bytes()[..]))
                .map_err(io_error)?;
            if swapped.is_ok() {
                return Ok(next);
            }
        })
    }
}

fn exhausted(at: u64) -> StorageError {
    StorageError::SequenceExhausted { at, limit: MAX_SEQ }
}

#[async_trait]
impl DealStore for SledStore {
    async fn deals(&self, user: &UserKey) -> Result<Vec<Deal>, StorageError> {
        let (this, user) = (self.clone(), user.clone());
        blocking("read", move || read_deals(&this.handles()?.records, &user)).await
    }

    async fn deal(&self, user: &UserKey, id: &str) -> Result<Option<Deal>, StorageError> {
        let (this, user, id) = (self.clone(), user.clone(), id.to_string());
        blocking("read", move || {
            Ok(read_deal(&this.handles()?.records, &user, &id)?.deal)
        })
        .await
    }

    async fn put_deal(&self, user: &UserKey, deal: &Deal) -> Result<(), StorageError> {
        let d = deal.clone();
        self.cas(user, &deal.id, move |_| Some(Some(d.clone())))
            .await
            .map(|_| ())
    }

    async fn append_visit(
        &self,
        user: &UserKey,
        template: &Deal,
        visit: &Visit,
        recompute: Recompute<'_>,
    ) -> Result<Deal, StorageError> {
        let written = self
            .cas(user, &template.id, |current| {
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
        written.ok_or_else(|| StorageError::Io("the visit was not written".into()))
    }

    async fn update_deal(
        &self,
        user: &UserKey,
        id: &str,
        change: Change<'_>,
    ) -> Result<Option<Deal>, StorageError> {
        self.cas(user, id, |current| {
            let mut deal = current?;
            change(&mut deal).then_some(Some(deal))
        })
        .await
    }

    async fn remove_last_visit(
        &self,
        user: &UserKey,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError> {
        self.remove_where(user, None, recompute).await
    }

    async fn remove_visit(
        &self,
        user: &UserKey,
        seq: u64,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError> {
        self.remove_where(user, Some(seq), recompute).await
    }
    async fn next_seq(&self) -> Result<u64, StorageError> {
        let this = self.clone();
        blocking("sequence", move || {
            this.update_seq(|cur| {
                if cur >= MAX_SEQ {
                    Err(exhausted(cur))
                } else {
                    Ok(cur + 1)
                }
            })
        })
        .await
    }

    async fn put_deals(&self, user: &UserKey, deals: &[Deal]) -> Result<(), StorageError> {
        if let Some(at) = deals
            .iter()
            .flat_map(|d| d.visits.iter().map(|v| v.seq))
            .find(|&s| s >= MAX_SEQ)
        {
            return Err(exhausted(at));
        }
        let (this, user, deals) = (self.clone(), user.clone(), deals.to_vec());
        blocking("write", move || {
            this.write(|h| {
                let mut batch = sled::Batch::default();
                for d in &deals {
                    // Visits the new version no longer has go.
                    for k in h.records.scan_prefix(deal_prefix(&user, &d.id)).keys() {
                        batch.remove(k.map_err(io_error)?);
                    }
                    let rev = h.db.generate_id().map_err(io_error)?;
                    for (k, v) in deal_records(&user, d, rev)? {
                        batch.insert(k, v);
                    }
                }
                h.records.apply_batch(batch).map_err(io_error)
            })
        })
        .await
    }

    async fn reserve_seq(&self, n: u64) -> Result<(), StorageError> {
        let this = self.clone();
        blocking("sequence", move || {
            this.update_seq(|cur| {
                if n >= MAX_SEQ {
                    Err(exhausted(n))
                } else {
                    Ok(cur.max(n))
                }
            })
            .map(|_| ())
        })
        .await
    }

    async fn users(&self) -> Result<Vec<UserKey>, StorageError> {
        let this = self.clone();
        blocking("read", move || {
            let records = this.handles()?.records;
            let mut out: Vec<UserKey> = Vec::new();
            // Jump from one user to the next instead of reading every key.
            let mut from: Vec<u8> = vec![DEAL_PREFIX];
            loop {
                let Some(kv) = records.range(from.clone()..).next() else {
                    break;
                };
                let (k, _) = kv.map_err(io_error)?;
                let Some(u) = user_of_key(&k) else {
                    break;
                };
                match prefix_end(&user_prefix(&u)) {
                    Some(end) => from = end,
                    None => {
                        out.push(u);
                        break;
                    }
                }
                out.push(u);
            }
            Ok(out)
        })
        .await
    }
}

impl SledStore {
    /// Remove the visit numbered `seq` (the newest when `None`) from its
    /// deal, as one compare-and-swap on the deal; looks again if another
    /// writer removed it first.
    async fn remove_where(
        &self,
        user: &UserKey,
        wanted: Option<u64>,
        recompute: Recompute<'_>,
    ) -> Result<Option<RemovedVisit>, StorageError> {
        loop {
            let deals = self.deals(user).await?;
            let found: Option<(u64, String)> = {
                let mut visits = deals
                    .iter()
                    .flat_map(|d| d.visits.iter().map(|v| (v.seq, d.id.clone())));
                match wanted {
                    None => visits.max_by_key(|(seq, _)| *seq),
                    Some(w) => visits.find(|(seq, _)| *seq == w),
                }
            };
            let Some((seq, deal_id)) = found else {
                return Ok(None);
            };

            // A Mutex, not a RefCell, so the future stays Send; it is only
            // locked inside the closure, never across an await.
            let removed = Mutex::new(None);
            let after = self
                .cas(user, &deal_id, |current| {
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
            return Ok(Some(RemovedVisit {
                visit,
                deal: after,
                customer,
            }));
        }
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
        let key = visit_key(&UserKey::new("discord", "12"), "金鹰", 7);
        assert_eq!(user_of_key(&key), Some(UserKey::new("discord", "12")));
        assert_eq!(
            parse_key(&key),
            Some((UserKey::new("discord", "12"), "金鹰".into(), Tag::Visit(7)))
        );
        let a = deal_prefix(&UserKey::new("discord", "12"), "金鹰");
        let b = deal_prefix(&UserKey::new("discord", "12"), "金鹰国际");
        assert!(!b.starts_with(&a) && !a.starts_with(&b));
    }
}

//! The knowledge base: load `knowledge/*.toml` into an immutable, validated
//! [`Knowledge`] model.
//!
//! Loading is a staged pipeline, so that every problem is reported at once
//! with its `path:line:col`:
//! 1. [`load`] reads TOML keeping spans (syntax errors recovered per file);
//! 2. each entry is deserialized on its own into a raw type ([`raw`]);
//! 3. [`validate`] checks ids, references, patterns and texts, and builds
//!    the [`model`].

pub mod error;
mod load;
pub mod model;
pub mod raw;
mod validate;

use std::path::{Path, PathBuf};

pub use error::{LoadError, Problem};
pub use model::*;

/// Load and validate every `*.toml` file of `dir`.
pub fn load_dir(dir: &Path) -> Result<Knowledge, LoadError> {
    let files = load::read_dir(dir)?;
    load_sources(files)
}

/// Read every `*.toml` file of `dir`, sorted by name, as (path, text), for
/// [`load_sources`].
pub fn read_sources(dir: &Path) -> Result<Vec<(PathBuf, String)>, LoadError> {
    load::read_dir(dir)
}

/// Load and validate knowledge from in-memory sources (path, text).
pub fn load_sources(files: Vec<(PathBuf, String)>) -> Result<Knowledge, LoadError> {
    let set = load::parse_files(files);
    validate::validate(set).map_err(|problems| LoadError { problems })
}

/// One line with the number of entries per kind, for `ussbot check`.
pub fn summary_line(k: &Knowledge) -> String {
    let mut parts: Vec<String> = Kind::ALL
        .iter()
        .map(|&kind| format!("{} {}", k.count(kind), kind.name()))
        .collect();
    parts.push(format!("{} synonym groups", k.synonyms.len()));
    parts.push(format!("{} dictionary words", k.words.len()));
    parts.push(format!("{} intent cues", k.intents.len()));
    parts.push(format!("{} MAN cues", k.man_cues.len()));
    parts.push(format!("{} labelled examples", k.examples.len()));
    parts.push(format!("{} labelled message kinds", k.utterances.len()));
    parts.push(format!("{} drafted stall replies", k.stalls.len()));
    format!("knowledge ok: {}", parts.join(", "))
}

//! # ussbot
//!
//! A sales assistant that puts the USS (Ufsoft Solution Selling, 用友方案式销售)
//! handbook into a salesperson's chat and keeps their deals.
//!
//! ## Layout
//! - [`knowledge`]: load and validate `knowledge/*.toml` into an immutable model.
//! - [`text`]: normalization shared by the engine and the deal parser.
//! - [`reply`]: the platform-neutral reply every front end renders.
//! - [`config`]: `config.toml`.
//! - [`cli`]: command-line entry points (`chat`, `ask`, `check`, …).

pub mod cli;
pub mod config;
pub mod conversation;
pub mod deals;
pub mod discord;
pub mod engine;
pub mod knowledge;
pub mod reply;
pub mod storage;
pub mod text;
pub mod user;

//! # ussbot
//!
//! A sales assistant that puts the USS (Ufsoft Solution Selling, 用友方案式销售)
//! handbook into a salesperson's chat and keeps their deals.
//!
//! ## Layout
//! - [`knowledge`]: load and validate `knowledge/*.toml` into an immutable model.
//! - [`text`]: normalization shared by the engine and the deal parser.
//! - [`reply`]: the platform-neutral reply every front end renders.
//! - [`config`]: the `config.toml` settings.
//! - [`engine`]: the answer engine (normalize, segment, rank, render); pure.
//! - [`deals`]: the USS deal model, visit-log parsing and deal commands.
//! - [`storage`]: the deal store trait and its sled backend (the only sled user).
//! - [`conversation`]: one message in, one reply out (platform-neutral).
//! - [`console`] and `discord`: thin front ends.
//! - [`app`]: startup wiring; [`cli`]: command-line entry points.
//! - [`user`]: who owns a deal.

pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod conversation;
pub mod deals;
pub mod discord;
pub mod engine;
pub mod knowledge;
pub mod reply;
pub mod storage;
pub mod synth;
pub mod text;
pub mod understand;
pub mod user;

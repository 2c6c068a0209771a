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
//! - [`understand`]: what a free-text message is and which of the rep's
//!   customers it names, before anything is stored or answered; pure.
//! - [`deals`]: the USS deal model, visit-log facts, deal commands and views.
//! - [`storage`]: the deal store trait and its sled backend (the only sled user).
//! - [`conversation`]: one message in, one reply out (platform-neutral).
//! - [`console`] (piped chat, `ask`), [`terminal`] (the interactive chat)
//!   and `discord`: thin front ends.
//! - [`app`]: startup wiring; [`cli`]: command-line entry points;
//!   [`live_backup`]: exports from a running ussbot over a Unix socket.
//! - [`commands`]: the one command table (routing, help, usage, Discord).
//! - [`user`]: who owns a deal.
//!
//! Outside the product: the workspace crate `ussbot-synth` (synthetic
//! knowledge for the benchmarks) and `ussbot-peer` (the tantivy comparison).

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod conversation;
pub mod deals;
pub mod discord;
pub mod engine;
pub mod knowledge;
pub mod live_backup;
pub mod parallel;
pub mod reply;
pub mod storage;
pub mod terminal;
pub mod text;
pub mod understand;
pub mod user;

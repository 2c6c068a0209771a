//! All integration tests, as one test binary (one link of the crate instead
//! of seven). Each module drives the product through its public interface:
//!
//! - `backup`: `export` and `import` with the real binary: merging,
//!   `--user`, `--dry-run`, CSV escaping, exports while the chat runs.
//! - `cli`: the `ussbot` binary (check, ask, piped chat, config errors).
//! - `deals`: the conversation and the deal service on real sled, the
//!   labelled rep messages (`deals/understanding.rs`) and scenarios.
//! - `discord`: the real serenity client against a fake Discord on loopback.
//! - `durability`: acknowledged writes survive `kill -9`; locked and
//!   corrupt stores.
//! - `engine`: answer quality on labelled and blind question sets.
//! - `knowledge`: loading and validation errors.
//! - `process`: the `ussbot` process: signals stop the Discord bot in
//!   every state, no output shows the token, start-up files are checked.
//! - `storage`: the backend contract (`support/contract.rs`) on sled.
//! - `store_layout`: migration of stores written by earlier releases.
//! - `terminal`: the interactive chat in a pseudo-terminal.

mod backup;
mod cli;
mod deals;
mod discord;
mod durability;
mod engine;
mod knowledge;
mod process;
mod storage;
mod store_layout;
mod terminal;

//! All integration tests, as one test binary (one link of the crate instead
//! of seven). Each module drives the product through its public interface:
//!
//! - `cli`: the `ussbot` binary (check, ask, piped chat, config errors).
//! - `deals`: the conversation and the deal service on real sled, the
//!   labelled rep messages (`deals/understanding.rs`) and scenarios.
//! - `discord`: the real serenity client against a fake Discord on loopback.
//! - `durability`: acknowledged writes survive `kill -9`; locked and
//!   corrupt stores.
//! - `engine`: answer quality on labelled and blind question sets.
//! - `knowledge`: loading and validation errors.
//! - `storage`: the backend contract (`support/contract.rs`) on sled.
//! - `store_layout`: migration of stores written by earlier releases.
//! - `terminal`: the interactive chat in a pseudo-terminal.

mod cli;
mod deals;
mod discord;
mod durability;
mod engine;
mod knowledge;
mod storage;
mod store_layout;
mod terminal;

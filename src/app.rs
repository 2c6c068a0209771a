//! Startup: knowledge, engine and store assembled into a [`Bot`].

use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::conversation::Bot;
use crate::deals::{DealService, DealSettings};
use crate::engine::Engine;
use crate::knowledge::{self, Knowledge};
use crate::storage::SledStore;

/// Load and validate the knowledge; on failure the error lists every problem.
pub fn load_knowledge(config: &Config) -> anyhow::Result<Arc<Knowledge>> {
    knowledge::load_dir(&config.knowledge.dir)
        .map(Arc::new)
        .map_err(|e| {
            anyhow::anyhow!(
                "{e}\n{} problem(s) in {}; ussbot does not start on invalid knowledge (run `ussbot check`)",
                e.problems.len(),
                config.knowledge.dir.display()
            )
        })
}

/// Build the engine over the configured knowledge.
pub fn engine(config: &Config) -> anyhow::Result<Arc<Engine>> {
    let k = load_knowledge(config)?;
    Ok(Arc::new(
        Engine::new(k).context("building the answer engine")?,
    ))
}

/// Open the deal store and build the bot.
pub fn bot(config: &Config) -> anyhow::Result<Bot> {
    let engine = engine(config)?;
    let store = Arc::new(open_store(config)?);
    let deals = service_over(config, store.clone(), engine.knowledge().clone());
    Ok(Bot::new(engine, deals).with_pending(store))
}

/// Open the configured store and build the deal service.
pub fn deal_service(config: &Config, knowledge: Arc<Knowledge>) -> anyhow::Result<DealService> {
    let store = Arc::new(open_store(config)?);
    Ok(service_over(config, store, knowledge))
}

fn open_store(config: &Config) -> anyhow::Result<SledStore> {
    crate::storage::open_sled(&config.data.dir)
        .with_context(|| format!("opening the deal store in {}", config.data.dir.display()))
}

fn service_over(config: &Config, store: Arc<SledStore>, knowledge: Arc<Knowledge>) -> DealService {
    DealService::new(
        store,
        knowledge,
        DealSettings {
            stale_days: config.deals.stale_days,
        },
    )
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

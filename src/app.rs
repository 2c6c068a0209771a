//! Startup: knowledge, engine and store assembled into a [`Bot`].

use std::future::Future as _;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::conversation::Bot;
use crate::deals::{DealService, DealSettings};
use crate::engine::{Base, Engine};
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
    // The engine's dictionaries load while the knowledge does.
    let (k, base) = std::thread::scope(|scope| {
        let base = scope.spawn(Base::load);
        let k = load_knowledge(config);
        let base = crate::parallel::joined(base);
        (k, base)
    });
    let base = base.context("loading the answer engine's dictionaries")?;
    let engine = Engine::with_base(k?, base).context("building the answer engine")?;
    release_freed_memory();
    Ok(Arc::new(engine))
}

/// Set up the allocator before any thread starts: on glibc, one heap
/// arena for all threads. Startup parses and indexes on several threads,
/// and with an arena per thread the memory one thread frees cannot serve
/// another, which left about 50 MiB more resident with 10,000 cases
/// (`cargo bench --bench engine`). Small allocations still come from each
/// thread's own cache. Elsewhere a no-op.
pub fn configure_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; it is called at
    // startup, before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Give the memory freed after startup back to the system. Parsing and
/// indexing the knowledge leave the heap full of freed gaps between the
/// strings kept; glibc keeps such pages unless asked (about 30 MiB with
/// 10,000 cases). Elsewhere a no-op.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it
    // touches no memory in use and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Open the deal store and build the bot.
pub fn bot(config: &Config) -> anyhow::Result<Bot> {
    Ok(bot_and_deals(config)?.0)
}

/// Open the deal store and build the bot, with a second deal service over
/// the same store for answering live exports (`live_backup`).
pub fn bot_and_deals(config: &Config) -> anyhow::Result<(Bot, DealService)> {
    let engine = engine(config)?;
    let store = Arc::new(open_store(config)?);
    let deals = service_over(config, store.clone(), engine.knowledge().clone());
    let exports = service_over(config, store.clone(), engine.knowledge().clone());
    Ok((Bot::new(engine, deals).with_pending(store), exports))
}

/// A copy of the configured store in a temporary directory, for reading a
/// store that cannot be opened where it is (a read-only file system or
/// directory: sled opens its files for writing). Removed on drop, after
/// the service over it is dropped.
pub struct StoreCopy {
    dir: std::path::PathBuf,
}

impl Drop for StoreCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copy the configured store to a temporary directory and open the copy.
/// Drop the service before the [`StoreCopy`].
pub fn deal_service_on_copy(
    config: &Config,
    knowledge: Arc<Knowledge>,
) -> anyhow::Result<(DealService, StoreCopy)> {
    let from = &config.data.dir;
    let copy = StoreCopy {
        dir: std::env::temp_dir().join(format!(
            "ussbot-store-copy-{}-{}",
            std::process::id(),
            chrono::Local::now().timestamp_nanos_opt().unwrap_or(0)
        )),
    };
    copy_dir(from, &copy.dir)
        .with_context(|| format!("copying the deal store {} to read it", from.display()))?;
    let store = crate::storage::open_sled(&copy.dir)
        .with_context(|| format!("opening the copy of the deal store {}", from.display()))?;
    Ok((service_over(config, Arc::new(store), knowledge), copy))
}

/// Copy the store's files (not the chat history or the live-export socket).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == crate::live_backup::SOCKET_NAME || name == "chat_history" {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            let dest = to.join(&name);
            std::fs::copy(entry.path(), &dest)?;
            // The copy is ours to write, whatever the original's mode.
            std::fs::set_permissions(&dest, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        }
    }
    Ok(())
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

/// SIGINT/SIGTERM caught from the moment [`Shutdown::catch`] returns, so a
/// signal during start-up (loading knowledge, opening the store) is a clean
/// stop too, never the default kill.
pub struct Shutdown(tokio::sync::watch::Receiver<bool>);

impl Shutdown {
    /// Install the handlers now, on `rt`.
    pub fn catch(rt: &tokio::runtime::Runtime) -> Shutdown {
        let (tx, rx) = tokio::sync::watch::channel(false);
        rt.block_on(async {
            let mut signal = Box::pin(shutdown_signal());
            // Polled once here: the handlers are installed before returning.
            let done = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(signal.as_mut().poll(cx).is_ready())
            })
            .await;
            tokio::spawn(async move {
                if !done {
                    signal.await;
                }
                let _ = tx.send(true);
            });
        });
        Shutdown(rx)
    }

    /// Whether a stop was asked for already.
    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once a stop is asked for.
    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
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

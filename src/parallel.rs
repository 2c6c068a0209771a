//! Startup work spread over the machine's cores with scoped threads.

use std::thread::ScopedJoinHandle;

/// How many threads to split work into: the machine's cores, at most
/// `max` (and at least one).
pub fn threads(max: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, max.max(1))
}

/// The result of a scoped thread; if it panicked, the panic goes on in
/// the caller.
pub fn joined<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

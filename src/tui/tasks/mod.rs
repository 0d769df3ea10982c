//! The background tasks the console runs; each owns its own store connection and engine client
//! and talks to the terminal task over bounded channels. Each runs on a thread of its own, so
//! whatever it blocks on (SQLite waiting for another process's lock, a user-name lookup,
//! `statvfs`) never holds up the terminal task, nor the other tasks. A fleet node's views are
//! fed by `remote` instead of `loader` and `actions`, with the same messages.

pub mod actions;
pub mod enforcer;
pub mod loader;
pub mod remote;

use std::future::Future;
use std::thread::JoinHandle;

/// Runs `task` on a new thread with a single-threaded runtime of its own.
pub fn on_own_thread<F, Fut>(name: &str, task: F) -> std::io::Result<JoinHandle<()>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("imgreaper {name}"))
        .spawn(move || runtime.block_on(task()))
}

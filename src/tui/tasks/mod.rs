//! The background tasks the console runs; each owns its own store connection and engine client
//! and talks to the terminal task over bounded channels. A fleet node's views are fed by
//! `remote` instead of `loader` and `actions`, with the same messages.

pub mod actions;
pub mod enforcer;
pub mod loader;
pub mod remote;

//! The background tasks the console runs; each owns its own store connection and engine client
//! and talks to the terminal task over bounded channels.

pub mod actions;
pub mod enforcer;
pub mod loader;

//! The `rpc` protocol: its messages (`protocol`), the snapshot as it travels (`wire`), the
//! node's end (`server`, answering with `node_side`) and the client's (`client`).

pub mod client;
mod lines;
mod node_side;
pub mod protocol;
pub mod server;
pub mod wire;

//! The `rpc` protocol: its messages (`protocol`), the snapshot as it travels (`wire`), the
//! node's end (`server`, answering with `node_side`).

mod node_side;
pub mod protocol;
pub mod server;
pub mod wire;

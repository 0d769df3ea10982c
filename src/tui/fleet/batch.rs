//! One batch over the references marked on several nodes: each node is asked in a session of
//! its own (at most `forks` at once), with the images the operator saw, and its result comes
//! back on its own, so the slowest node delays only its own row.

use super::nodes::BatchAction;
use crate::fleet::inventory::Node;
use crate::fleet::rpc::client::Connection;
use crate::fleet::rpc::protocol::Lines;
use crate::fleet::transport::Transport;
use crate::node::removal::Target;
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::mpsc;

pub struct BatchDone {
    pub index: usize,
    pub ok: bool,
    pub text: String,
}

pub fn start(
    action: BatchAction,
    work: Vec<(usize, Node, Vec<Target>)>,
    transport: Transport,
    operator: String,
    forks: usize,
    to_ui: mpsc::Sender<BatchDone>,
) {
    tokio::spawn(async move {
        let transport = &transport;
        let operator = &operator;
        let mut running =
            futures_util::stream::iter(work.into_iter().map(|(index, node, targets)| async move {
                let (ok, text) = run_one(action, transport, &node, operator, &targets).await;
                BatchDone { index, ok, text }
            }))
            .buffer_unordered(forks.max(1));
        while let Some(done) = running.next().await {
            if to_ui.send(done).await.is_err() {
                return;
            }
        }
    });
}

async fn run_one(
    action: BatchAction,
    transport: &Transport,
    node: &Node,
    operator: &str,
    targets: &[Target],
) -> (bool, String) {
    let references: Vec<&String> = targets.iter().map(|t| &t.reference).collect();
    let image_ids: Vec<&String> = targets.iter().map(|t| &t.image_id).collect();
    let (method, params) = match action {
        BatchAction::Remove => (
            "remove",
            json!({ "references": references, "image_ids": image_ids }),
        ),
        BatchAction::Approve => (
            "approve",
            json!({ "references": references, "image_ids": image_ids }),
        ),
        BatchAction::Postpone => (
            "postpone",
            json!({ "references": references, "image_ids": image_ids, "seconds": 3600 }),
        ),
    };
    let mut connection = match Connection::open(transport, node, operator).await {
        Ok(connection) => connection,
        Err(error) => return (false, error.to_string()),
    };
    let answer = connection.call::<Lines>(method, params).await;
    connection.close().await;
    match answer {
        Ok(lines) => {
            let ok = lines.lines.iter().all(|l| !l.failed());
            let text = lines
                .lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            (ok, text)
        }
        Err(error) => (false, error.to_string()),
    }
}

//! Each node's summary, asked by a task of its own: every 30 s while it answers, with a growing
//! delay (5 s to 5 min) while it does not, at most `forks` sessions at once, each bounded by the
//! transport's timeout. A slow or dead node holds up no other, and the console holds only the
//! summaries.

use crate::fleet::error::NodeError;
use crate::fleet::inventory::Node;
use crate::fleet::rpc::client::Connection;
use crate::fleet::rpc::protocol::{Hello, SummaryAnswer};
use crate::fleet::transport::Transport;
use crate::node::watcher::Backoff;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};

const EVERY: Duration = Duration::from_secs(30);

pub struct Polled {
    pub index: usize,
    pub result: Result<(Hello, SummaryAnswer), NodeError>,
}

/// Starts a task per node; a change of `refresh` asks every node at once.
pub fn start(
    nodes: &[Node],
    transport: &Transport,
    operator: &str,
    forks: usize,
    to_ui: mpsc::Sender<Polled>,
    refresh: watch::Receiver<u64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let permits = Arc::new(Semaphore::new(forks.max(1)));
    nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let (node, transport, operator) =
                (node.clone(), transport.clone(), operator.to_string());
            let (permits, to_ui, mut refresh) = (permits.clone(), to_ui.clone(), refresh.clone());
            tokio::spawn(async move {
                let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(300));
                loop {
                    let result = {
                        let Ok(_permit) = permits.acquire().await else {
                            return;
                        };
                        summary(&transport, &node, &operator).await
                    };
                    let delay = if result.is_ok() {
                        backoff.reset();
                        EVERY
                    } else {
                        backoff.next_delay()
                    };
                    if to_ui.send(Polled { index, result }).await.is_err() {
                        return;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        changed = refresh.changed() => if changed.is_err() { return },
                    }
                }
            })
        })
        .collect()
}

async fn summary(
    transport: &Transport,
    node: &Node,
    operator: &str,
) -> Result<(Hello, SummaryAnswer), NodeError> {
    let mut connection = Connection::open(transport, node, operator).await?;
    let answer = connection
        .call::<SummaryAnswer>("summary", serde_json::Value::Null)
        .await;
    let result = match answer {
        Ok(answer) => connection.hello().await.map(|h| (h.clone(), answer)),
        Err(error) => Err(error),
    };
    connection.close().await;
    result
}

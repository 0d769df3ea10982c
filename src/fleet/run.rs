//! Doing the same thing on many nodes: at most `forks` at once, each in its own bounded
//! session, so a slow or dead node costs its own timeout and never holds up the others. The
//! results come back in inventory order.

use super::error::NodeError;
use super::inventory::{Inventory, Node, select};
use super::rpc::client::Connection;
use super::rpc::protocol::HeldImage;
use super::transport::Transport;
use anyhow::Result;
use futures_util::StreamExt;
use std::future::Future;
use std::time::Duration;

/// Ansible's default is 5; waiting on SSH round trips costs little, so more run at once.
pub const DEFAULT_FORKS: usize = 20;
/// How long one node may take to answer one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The nodes a command acts on, and how it reaches them.
pub struct Fleet {
    pub nodes: Vec<Node>,
    pub transport: Transport,
    /// Who the nodes' audit logs name besides the SSH user.
    pub operator: String,
    pub forks: usize,
}

/// One node's result.
pub struct Outcome<T> {
    pub node: Node,
    pub result: Result<T, NodeError>,
}

impl Fleet {
    /// The nodes of `inventory` that `limit` selects, with warnings for terms that matched
    /// nothing.
    pub fn new(
        inventory: &str,
        limit: Option<&str>,
        forks: usize,
        timeout: Duration,
    ) -> Result<(Fleet, Vec<String>)> {
        let inventory = Inventory::load(inventory)?;
        let (nodes, warnings) = select(&inventory, limit)?;
        Ok((
            Fleet {
                nodes,
                transport: Transport::from_env(timeout)?,
                operator: crate::node::session::operator(),
                forks: forks.max(1),
            },
            warnings,
        ))
    }

    /// Opens a session to every node (`forks` at once), runs `work` in it and closes it;
    /// `progress` hears of each node as it finishes (done, failed so far).
    pub async fn each<T, F, Fut>(
        &self,
        work: F,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Vec<Outcome<T>>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = (Connection, Result<T, NodeError>)>,
    {
        let work = &work;
        let mut running = futures_util::stream::iter(self.nodes.iter().enumerate().map(
            |(index, node)| async move {
                let result = match Connection::open(&self.transport, node, &self.operator).await {
                    Ok(connection) => {
                        let (connection, result) = work(connection).await;
                        connection.close().await;
                        result
                    }
                    Err(error) => Err(error),
                };
                (index, result)
            },
        ))
        .buffer_unordered(self.forks);
        let mut results: Vec<Option<Result<T, NodeError>>> =
            self.nodes.iter().map(|_| None).collect();
        let (mut done, mut failed) = (0, 0);
        while let Some((index, result)) = running.next().await {
            done += 1;
            failed += usize::from(result.is_err());
            progress(done, failed);
            results[index] = Some(result);
        }
        self.nodes
            .iter()
            .cloned()
            .zip(results)
            .map(|(node, result)| Outcome {
                node,
                result: result.expect("every node finished"),
            })
            .collect()
    }

    /// Runs one request on every node.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: serde_json::Value,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Vec<Outcome<T>> {
        self.each(
            |mut connection| {
                let params = params.clone();
                async move {
                    let result = connection.call::<T>(method, params).await;
                    (connection, result)
                }
            },
            progress,
        )
        .await
    }
}

impl Fleet {
    /// For registry retention (§15): which images, with their registry digests, each node
    /// still holds, or why it could not be asked. A reap must count a node with an error as
    /// holding anything: an unreachable node's images are unknown, not absent.
    pub async fn held_images(&self) -> Vec<Outcome<Vec<HeldImage>>> {
        self.call("digests", serde_json::Value::Null, &mut |_, _| {})
            .await
    }
}

//! A fleet node's views, fed over `rpc`: what `loader` and `actions` do for this machine, done
//! for a node reached through SSH. It speaks to the console exactly as they do — `Msg::Loaded`,
//! `Msg::Outage`, `Msg::Done` out, `Command`s and reload requests in — so the Images, Rules and
//! Activity views are the same code for a local node and a remote one. That message set is the
//! seam: whatever feeds it is a node.
//!
//! One session does both: after `watch`, the node says when its engine or database changed and
//! a fresh snapshot is read; commands are asked in between. A dropped session is retried with a
//! growing delay (or at once on `R`); while it is down, the last data stays, greyed.

use crate::fleet::error::NodeError;
use crate::fleet::inventory::Node;
use crate::fleet::rpc::client::Connection;
use crate::fleet::rpc::protocol::{Lines, SnapshotAnswer};
use crate::fleet::transport::Transport;
use crate::node::actions::Line;
use crate::node::engine::EngineInfo;
use crate::node::removal::Target;
use crate::node::store::{AuditEntry, Lease};
use crate::node::watcher::Backoff;
use crate::tui::msg::{ActionResult, Command, Loaded, Msg};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many audit entries the Activity view holds (as the local loader).
const AUDIT_ENTRIES: usize = 500;
/// A node that says nothing is asked again this often all the same.
const FULL_RELOAD: Duration = Duration::from_secs(60);

pub struct Remote {
    pub node: Node,
    pub transport: Transport,
    pub operator: String,
}

pub async fn run(
    remote: Remote,
    to_ui: mpsc::Sender<Msg>,
    mut commands: mpsc::Receiver<Command>,
    mut reload: mpsc::Receiver<()>,
) {
    let mut seq = 0u64;
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        let mut connection = match connect(&remote).await {
            Ok(connection) => connection,
            Err(error) => {
                seq += 1;
                if !outage(&to_ui, seq, &error.to_string()).await
                    || !wait(&mut backoff, &mut reload, &mut commands, &to_ui).await
                {
                    return;
                }
                continue;
            }
        };
        backoff.reset();
        let mut shown: Option<Value> = None;
        loop {
            seq += 1;
            match load(&mut connection, seq).await {
                Ok((loaded, content)) => {
                    if shown.as_ref() != Some(&content) {
                        shown = Some(content);
                        if to_ui.send(Msg::Loaded(Box::new(loaded))).await.is_err() {
                            return;
                        }
                    }
                }
                Err(error) => {
                    if !outage(&to_ui, seq, &error.to_string()).await {
                        return;
                    }
                    break;
                }
            }
            // Wait for a reason to load again.
            let woke = tokio::select! {
                changed = connection.next_event() => changed.map(|()| None),
                command = commands.recv() => match command {
                    Some(command) => Ok(Some(command)),
                    None => return,
                },
                asked = reload.recv() => match asked {
                    Some(()) => Ok(None),
                    None => return,
                },
                _ = tokio::time::sleep(FULL_RELOAD) => Ok(None),
            };
            match woke {
                Ok(Some(command)) => {
                    let result = execute(&mut connection, command).await;
                    if to_ui.send(Msg::Done(result)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    if !outage(&to_ui, seq, &error.to_string()).await {
                        return;
                    }
                    break;
                }
            }
            while reload.try_recv().is_ok() {} // several requests, one load
        }
        connection.close().await;
        if !wait(&mut backoff, &mut reload, &mut commands, &to_ui).await {
            return;
        }
    }
}

/// A session to the node that says when it changes.
async fn connect(remote: &Remote) -> Result<Connection, NodeError> {
    let mut connection =
        Connection::open(&remote.transport, &remote.node, &remote.operator).await?;
    match connection.call_value("watch", Value::Null).await {
        Ok(_) => Ok(connection),
        Err(error) => {
            connection.close().await;
            Err(error)
        }
    }
}

async fn outage(to_ui: &mpsc::Sender<Msg>, seq: u64, error: &str) -> bool {
    to_ui
        .send(Msg::Outage {
            seq,
            error: error.to_string(),
        })
        .await
        .is_ok()
}

/// Waits out the backoff before the next attempt; `R` cuts it short. A command asked for
/// meanwhile cannot reach the node: it is answered so at once (files are handled here).
async fn wait(
    backoff: &mut Backoff,
    reload: &mut mpsc::Receiver<()>,
    commands: &mut mpsc::Receiver<Command>,
    to_ui: &mpsc::Sender<Msg>,
) -> bool {
    let sleep = tokio::time::sleep(backoff.next_delay());
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return true,
            asked = reload.recv() => return asked.is_some(),
            command = commands.recv() => {
                let Some(command) = command else { return false };
                let result = super::actions::files(command.clone()).unwrap_or_else(|| {
                    failed(&command, "the node cannot be reached now; nothing was done".into())
                });
                if to_ui.send(Msg::Done(result)).await.is_err() {
                    return false;
                }
            }
        }
    }
}

/// One picture of the node: its snapshot (planned here by the same core) and its log; and what
/// of it is worth a redraw (not its clock, not the lease's heartbeat).
async fn load(connection: &mut Connection, seq: u64) -> Result<(Loaded, Value), NodeError> {
    let answer: Value = connection.call_value("snapshot", Value::Null).await?;
    let audit: Vec<AuditEntry> = connection
        .call("log", json!({ "limit": AUDIT_ENTRIES }))
        .await?;
    let mut content = answer.clone();
    if let Some(snapshot) = content.get_mut("snapshot").and_then(Value::as_object_mut) {
        snapshot.remove("now");
        snapshot.remove("guards");
    }
    if let Some(lease) = content.get_mut("lease").and_then(Value::as_object_mut) {
        lease.remove("heartbeat");
        lease.remove("expires");
    }
    content["newest_audit"] = json!(audit.first().map(|e| e.id));
    let answer: SnapshotAnswer = serde_json::from_value(answer).map_err(|e| {
        NodeError::new(
            crate::fleet::error::Failure::Failed,
            format!("the node's snapshot does not read: {e}"),
        )
    })?;
    let engine = answer.engine;
    let lease = answer.lease.map(|l| Lease {
        holder: l.holder,
        kind: l.kind,
        mode: l.mode,
        heartbeat: l.heartbeat,
        expires: l.expires,
        view: None,
    });
    let snapshot = answer
        .snapshot
        .into_snapshot()
        .map_err(|e| NodeError::new(crate::fleet::error::Failure::Failed, format!("{e:#}")))?;
    let disk = snapshot.disk.clone();
    Ok((
        Loaded {
            seq,
            engine: EngineInfo {
                version: engine.version,
                root_dir: engine.root_dir,
                node: engine.node,
                disk: disk.usage(),
                disk_reading: disk,
            },
            lease,
            audit,
            snapshot,
            // Registry checks are the node's own; the fleet console does not carry them.
            updates: std::collections::HashMap::new(),
        },
        content,
    ))
}

/// The references of targets, and the images they named when chosen.
fn named(targets: &[Target]) -> (Vec<&String>, Vec<&String>) {
    targets.iter().map(|t| (&t.reference, &t.image_id)).unzip()
}

/// Asks the node to do what the operator chose; its lines become the action's result.
async fn execute(connection: &mut Connection, command: Command) -> ActionResult {
    if let Some(result) = super::actions::files(command.clone()) {
        return result;
    }
    let not_offered = |what: &str, instead: &str| ActionResult {
        message: format!("{what} is not offered for a fleet node yet; on the node, {instead}"),
        ..ActionResult::default()
    };
    match &command {
        Command::SetMode(mode) => {
            return match connection
                .call::<Value>("settings", json!({ "mode": mode }))
                .await
            {
                Ok(_) => ActionResult {
                    ok: true,
                    message: format!("the node's enforcer mode is now {mode}"),
                    ..ActionResult::default()
                },
                Err(error) => failed(&command, error.to_string()),
            };
        }
        Command::EndPostponement(_) => {
            return not_offered(
                "Ending a postponement",
                "`imgreaper postpone REF --cancel` ends it",
            );
        }
        Command::CheckUpdates(_) | Command::Refresh(_) => {
            return not_offered(
                "Asking registries",
                "`imgreaper check` and `imgreaper refresh` do it",
            );
        }
        _ => {}
    }
    let asked: Vec<(&str, Value)> = match &command {
        Command::Remove(targets) => {
            let (references, image_ids) = named(targets);
            vec![(
                "remove",
                json!({ "references": references, "image_ids": image_ids }),
            )]
        }
        Command::Approve(targets) => {
            let (references, image_ids) = named(targets);
            vec![(
                "approve",
                json!({ "references": references, "image_ids": image_ids }),
            )]
        }
        Command::Postpone { targets, seconds } => {
            let (references, image_ids) = named(targets);
            vec![(
                "postpone",
                json!({ "references": references, "image_ids": image_ids, "seconds": seconds }),
            )]
        }
        Command::Pin { targets, pin } => targets
            .iter()
            .map(|t| {
                let method = if *pin { "pin" } else { "unpin" };
                (method, json!({ "reference": t.reference }))
            })
            .collect(),
        Command::Adopt { targets, adopt } => {
            let (references, image_ids) = named(targets);
            let method = if *adopt { "adopt" } else { "disown" };
            vec![(
                method,
                json!({ "references": references, "image_ids": image_ids }),
            )]
        }
        // The node saves whatever version it holds: a save there meanwhile is not detected.
        Command::SavePolicy { name, document, .. } => vec![(
            "apply",
            json!({
                "name": name,
                "document": document.to_json(document.spelling).to_string(),
                "from": "the fleet console",
            }),
        )],
        Command::Import { .. }
        | Command::Export { .. }
        | Command::SetMode(_)
        | Command::EndPostponement(_)
        | Command::CheckUpdates(_)
        | Command::Refresh(_) => Vec::new(),
    };
    let mut lines: Vec<Line> = Vec::new();
    for (method, params) in asked {
        match connection.call::<Lines>(method, params).await {
            Ok(answer) => lines.extend(answer.lines),
            Err(error) => return failed(&command, error.to_string()),
        }
    }
    result_of(&command, &lines)
}

/// The console's words for what the node said.
fn result_of(command: &Command, lines: &[Line]) -> ActionResult {
    let failed: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l.failed())
        .map(|l| (l.reference.clone(), l.text.clone()))
        .collect();
    ActionResult {
        ok: failed.is_empty(),
        message: lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        finished: match command {
            Command::Remove(targets) => targets.iter().map(|t| t.reference.clone()).collect(),
            _ => Vec::new(),
        },
        failed,
        saved: match command {
            Command::SavePolicy { name, .. } if lines.iter().all(|l| !l.failed()) => {
                Some(name.clone())
            }
            _ => None,
        },
        ..ActionResult::default()
    }
}

/// A command the node could not be asked about.
fn failed(command: &Command, error: String) -> ActionResult {
    let finished: Vec<String> = match command {
        Command::Remove(targets) => targets.iter().map(|t| t.reference.clone()).collect(),
        _ => Vec::new(),
    };
    ActionResult {
        ok: false,
        failed: finished
            .iter()
            .map(|r| (r.clone(), error.clone()))
            .collect(),
        finished,
        message: error,
        ..ActionResult::default()
    }
}

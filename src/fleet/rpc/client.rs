//! The client's end of `rpc`: one `ssh` process to one node, its hello read and checked, then
//! requests answered in order. Every wait is bounded by the transport's timeout; whatever goes
//! wrong comes back as a `NodeError` named for what it is.

use super::lines::{read_lines, write_line};
use super::protocol::{
    ClientHello, ErrorKind, Hello, HelloLine, OLDEST, PROTOCOL, Request, Response,
};
use crate::fleet::error::{Failure, NodeError, classify};
use crate::fleet::inventory::Node;
use crate::fleet::transport::Transport;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::UnixStream;
use tokio::process::Child;
use tokio::sync::mpsc;

/// How much of ssh's standard error is kept to say what went wrong.
const STDERR_KEPT: usize = 64 * 1024;

pub struct Connection {
    child: Child,
    /// ssh's standard input: one end of a socket pair, not a pipe, so writing to an ssh that
    /// has gone is an error to handle (sockets are written without SIGPIPE), never a signal
    /// that ends the process.
    input: Option<UnixStream>,
    lines: mpsc::Receiver<Result<String, String>>,
    stderr: Arc<Mutex<String>>,
    /// The node's hello, once read: it is read with the first answer, so a session costs one
    /// round trip, not two.
    hello: Option<Hello>,
    program: String,
    next_id: u64,
    timeout: Duration,
    /// `changed` events read while waiting for an answer, not yet taken by `next_event`.
    events: usize,
}

impl Connection {
    /// Starts `imgreaper rpc` on `node` and says hello; the node's own hello is read with the
    /// first answer (or by `hello`). `operator` is who the node's audit log names besides the
    /// SSH user.
    pub async fn open(
        transport: &Transport,
        node: &Node,
        operator: &str,
    ) -> Result<Connection, NodeError> {
        let local = |e: std::io::Error| {
            NodeError::new(
                Failure::Failed,
                format!("cannot run ssh on this machine: {e}"),
            )
        };
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().map_err(local)?;
        let mut command = transport.command(node);
        command.stdin(std::process::Stdio::from(std::os::fd::OwnedFd::from(
            theirs,
        )));
        let mut child = command.spawn().map_err(local)?;
        ours.set_nonblocking(true).map_err(local)?;
        let mut input = Some(UnixStream::from_std(ours).map_err(local)?);
        let lines = read_lines(child.stdout.take().expect("piped"));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let kept = stderr.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                    let mut kept = kept.lock().expect("not poisoned");
                    if kept.len() < STDERR_KEPT {
                        kept.push_str(&String::from_utf8_lossy(&buffer[..n]));
                    }
                }
            });
        }
        // Said at once, without waiting for the node's hello: one round trip, not two.
        if let Some(pipe) = input.as_mut() {
            let hello = HelloLine {
                hello: ClientHello {
                    protocol: PROTOCOL,
                    operator: operator.to_string(),
                },
            };
            let _ = write_line(pipe, &hello).await;
        }
        Ok(Connection {
            child,
            input,
            lines,
            stderr,
            hello: None,
            program: node.program.clone(),
            next_id: 0,
            timeout: transport.timeout,
            events: 0,
        })
    }

    /// The node's hello (protocol, versions, engine, mode), read now if it was not yet.
    pub async fn hello(&mut self) -> Result<&Hello, NodeError> {
        if self.hello.is_none() {
            let first = self.next_line().await?;
            self.hello = Some(read_hello(&first)?);
        }
        Ok(self.hello.as_ref().expect("read"))
    }

    /// Sends one request and waits for its answer (bounded by the timeout).
    pub async fn call<T: DeserializeOwned>(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<T, NodeError> {
        let value = self.call_value(method, params).await?;
        serde_json::from_value(value).map_err(|e| {
            NodeError::new(
                Failure::Failed,
                format!("the node's answer to {method} does not read: {e}"),
            )
        })
    }

    pub async fn call_value(&mut self, method: &str, params: Value) -> Result<Value, NodeError> {
        self.next_id += 1;
        let id = self.next_id;
        let request = Request {
            id,
            method: method.to_string(),
            params,
        };
        let Some(pipe) = self.input.as_mut() else {
            return Err(NodeError::new(Failure::Failed, "the connection is closed"));
        };
        let written = write_line(pipe, &request).await;
        // The hello comes first; an error there (a node too old, ssh failing) says more than
        // a failed write.
        self.hello().await?;
        if written.is_err() {
            // The node went away: what it said on the way out names why.
            return Err(self.ended().await);
        }
        loop {
            let line = self.next_line().await?;
            let value: Value = serde_json::from_str(&line).map_err(|e| {
                NodeError::new(
                    Failure::Failed,
                    format!("the node sent a line that is not JSON: {e}"),
                )
            })?;
            if value.get("event").is_some() {
                self.events += 1;
                continue;
            }
            let response: Response = serde_json::from_value(value).map_err(|e| {
                NodeError::new(
                    Failure::Failed,
                    format!("the node's answer does not read: {e}"),
                )
            })?;
            if response.id != id {
                continue; // a late answer to an earlier request nobody waits for any more
            }
            if let Some(error) = response.error {
                let version = self.hello.as_ref().map_or("", |h| h.version.as_str());
                return Err(answer_error(error.kind, error.message, method, version));
            }
            return Ok(response.result.unwrap_or(Value::Null));
        }
    }

    /// Waits until the node says its engine or database changed (after `watch`), with no
    /// bound: the caller decides how long to wait.
    pub async fn next_event(&mut self) -> Result<(), NodeError> {
        if self.events > 0 {
            self.events -= 1;
            return Ok(());
        }
        loop {
            let line = match self.lines.recv().await {
                Some(Ok(line)) => line,
                Some(Err(error)) => return Err(NodeError::new(Failure::Failed, error)),
                None => return Err(self.ended().await),
            };
            let value: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if value.get("event").is_some() {
                return Ok(());
            }
        }
    }

    /// Ends the session: the node sees its input end and stops; ssh is killed if it lingers.
    pub async fn close(mut self) {
        self.input = None;
        if tokio::time::timeout(Duration::from_secs(2), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    async fn next_line(&mut self) -> Result<String, NodeError> {
        match tokio::time::timeout(self.timeout, self.lines.recv()).await {
            Err(_) => {
                let _ = self.child.kill().await;
                Err(NodeError::no_answer(self.timeout))
            }
            Ok(Some(Ok(line))) => Ok(line),
            Ok(Some(Err(error))) => Err(NodeError::new(Failure::Failed, error)),
            Ok(None) => Err(self.ended().await),
        }
    }

    /// The node's output ended: why, from how ssh exited and what was said on its way out.
    async fn ended(&mut self) -> NodeError {
        let code = match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        };
        // The reader of standard error may still be copying the last of it.
        let mut said = String::new();
        for _ in 0..20 {
            said = self.stderr.lock().expect("not poisoned").clone();
            if !said.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        classify(&said, code, &self.program)
    }
}

/// The node's first line: its hello, from a protocol this client understands.
fn read_hello(line: &str) -> Result<Hello, NodeError> {
    let value: Value = serde_json::from_str(line).map_err(|_| {
        NodeError::new(
            Failure::Failed,
            format!(
                "the node answered `{}` where imgreaper rpc says hello",
                line.chars().take(120).collect::<String>()
            ),
        )
    })?;
    let hello = value
        .get("hello")
        .ok_or_else(|| NodeError::new(Failure::Failed, "the node's first line is not a hello"))?;
    let protocol = hello.get("protocol").and_then(Value::as_u64).unwrap_or(0);
    let version = hello
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if protocol < u64::from(OLDEST) {
        return Err(NodeError::new(
            Failure::ImgreaperTooOld,
            format!(
                "the node runs imgreaper {version}, which speaks protocol {protocol}; this one \
                 needs protocol {OLDEST} or newer: upgrade imgreaper on the node"
            ),
        ));
    }
    serde_json::from_value(hello.clone()).map_err(|e| {
        NodeError::new(
            Failure::Failed,
            format!("the hello of imgreaper {version} (protocol {protocol}) does not read: {e}"),
        )
    })
}

/// An error the node answered with, named for the operator.
fn answer_error(kind: ErrorKind, message: String, method: &str, version: &str) -> NodeError {
    match kind {
        ErrorKind::Refused => NodeError::new(Failure::Refused, message),
        ErrorKind::EngineDown => NodeError::new(Failure::EngineDown, message),
        ErrorKind::Failed | ErrorKind::BadRequest => NodeError::new(Failure::Failed, message),
        ErrorKind::UnknownMethod => NodeError::new(
            Failure::ImgreaperTooOld,
            format!("the node's imgreaper {version} does not answer `{method}`: upgrade it"),
        ),
    }
}

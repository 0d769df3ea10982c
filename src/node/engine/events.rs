//! The engine's event stream, reduced to what changes the plan.

use super::Engine;
use super::error::classify;
use crate::core::model::Timestamp;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::EventsOptions;
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A container was created or destroyed: in-use state may change.
    Container,
    /// An image was pulled: it is agent-downloaded if we are watching.
    Pull,
    /// Any other image change (delete, tag, untag, import, load, build).
    Image,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    pub kind: EventKind,
    /// Image reference or ID the event names (for a pull: the pulled reference; for a
    /// container: the container ID).
    pub subject: String,
    /// For a container: the image as it was given when the container was created.
    pub image: Option<String>,
    pub time: Timestamp,
    /// The engine's own timestamp in nanoseconds, for the event cursor.
    pub time_nano: i64,
}

/// The event kinds that change the plan: Docker's names, and Podman's `remove` for a container
/// gone.
const EVENTS: [&str; 9] = [
    "create", "destroy", "remove", "pull", "delete", "tag", "untag", "import", "load",
];

fn filters() -> HashMap<String, Vec<String>> {
    HashMap::from([
        (
            "type".to_string(),
            vec!["container".to_string(), "image".to_string()],
        ),
        (
            "event".to_string(),
            EVENTS.iter().map(|s| s.to_string()).collect(),
        ),
    ])
}

/// What one event message says, when it matters.
fn reduce(message: EventMessage) -> Option<EngineEvent> {
    let action = message.action.unwrap_or_default();
    let kind = match (message.typ, action.as_str()) {
        (Some(EventMessageTypeEnum::CONTAINER), _) => EventKind::Container,
        (Some(EventMessageTypeEnum::IMAGE), "pull") => EventKind::Pull,
        (Some(EventMessageTypeEnum::IMAGE), _) => EventKind::Image,
        _ => return None,
    };
    let actor = message.actor.unwrap_or_default();
    let mut attributes = actor.attributes.unwrap_or_default();
    let image = attributes
        .remove("image")
        .filter(|_| kind == EventKind::Container);
    // Podman names what it pulled in the attributes, not the ID.
    let subject = actor
        .id
        .filter(|id| !id.is_empty())
        .or_else(|| attributes.remove("name"))
        .unwrap_or_default();
    let time = message.time.unwrap_or_default();
    Some(EngineEvent {
        kind,
        subject,
        image,
        time,
        time_nano: message
            .time_nano
            .unwrap_or(time.saturating_mul(1_000_000_000)),
    })
}

impl Engine {
    /// Events about containers being created/destroyed and images changing, from `since` (the
    /// engine replays what it still holds after it) up to `until` (the stream then ends), or
    /// live from when the stream is first polled. The stream ends (or yields an error) when the
    /// engine goes away.
    pub fn events(
        &self,
        since: Option<String>,
        until: Option<String>,
    ) -> impl Stream<Item = anyhow::Result<EngineEvent>> + use<> {
        let host = self.host().to_string();
        self.docker
            .events(Some(EventsOptions {
                filters: Some(filters()),
                since,
                until,
            }))
            .filter_map(move |message| {
                let host = host.clone();
                async move {
                    match message {
                        Err(e) => Some(Err(classify(&host, "the event stream", e).into())),
                        Ok(message) => reduce(message).map(Ok),
                    }
                }
            })
    }

    /// Every event the engine holds from `since` up to now. Docker's log ends a replay at
    /// `until`; Podman's (read from its events file) can end one before it has read anything,
    /// so Podman is asked not to stream instead, which its API allows and Docker's does not.
    pub async fn replay(&self, since: String, until: String) -> anyhow::Result<Vec<EngineEvent>> {
        if !self.is_podman().await? {
            let mut stream = Box::pin(self.events(Some(since), Some(until)));
            let mut events = Vec::new();
            while let Some(event) = stream.next().await {
                events.push(event?);
            }
            return Ok(events);
        }
        let query = format!(
            "since={since}&stream=false&filters={}",
            percent_encode(&serde_json::to_string(&filters())?)
        );
        let body = self.get_ended("/events", &query).await?;
        let mut events = Vec::new();
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let message: EventMessage = serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!(
                    "the engine at {} sent an event that is not JSON: {e}",
                    self.host()
                )
            })?;
            events.extend(reduce(message));
        }
        Ok(events)
    }

    /// A GET whose answer ends (HTTP/1.0: no chunks, the body runs to the end of the
    /// connection), over the local socket; for what the client library cannot ask.
    async fn get_ended(&self, path: &str, query: &str) -> anyhow::Result<String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = self
            .host()
            .strip_prefix("unix://")
            .ok_or_else(|| anyhow::anyhow!("{} is not a local socket", self.host()))?;
        let exchange = async {
            let mut stream = tokio::net::UnixStream::connect(socket).await?;
            stream
                .write_all(
                    format!("GET {path}?{query} HTTP/1.0\r\nHost: engine\r\n\r\n").as_bytes(),
                )
                .await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            std::io::Result::Ok(answer)
        };
        let answer = tokio::time::timeout(super::REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| anyhow::anyhow!("the engine at {} did not answer {path}", self.host()))?
            .map_err(|e| {
                anyhow::anyhow!("cannot ask the engine at {} for {path}: {e}", self.host())
            })?;
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split_whitespace().nth(1).unwrap_or("");
        if status != "200" {
            anyhow::bail!(
                "the engine at {} refused {path} (HTTP {status}): {}",
                self.host(),
                body.trim()
            );
        }
        Ok(body.to_string())
    }
}

/// Percent-encodes a query value.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

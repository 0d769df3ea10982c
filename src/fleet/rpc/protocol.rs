//! The `rpc` protocol (DESIGN.md §14; `assets/schema/rpc.schema.json`): one JSON object per
//! line on the node's standard input and output, as `docker system dial-stdio` carries the
//! engine's API over SSH.
//!
//! The node speaks first: `{"hello": {protocol, version, node, engine, mode, capabilities}}`.
//! The client's first line is `{"hello": {protocol, operator}}`; every later line is a request
//! `{"id", "method", "params"}`, answered by `{"id", "result"}` or `{"id", "error": {kind,
//! message}}`, in order. After `watch`, the node also sends `{"event": "changed"}` whenever its
//! engine or database changes. The protocol number grows with every change a client must know
//! of; a node older than `OLDEST` is shown as too old, never misread.

use super::wire::{EngineWire, LeaseWire, SnapshotWire};
use crate::core::model::Mode;
use crate::core::summary::Summary;
use crate::node::actions::{How, Line};
use serde::{Deserialize, Serialize};

/// The protocol this build speaks.
pub const PROTOCOL: u32 = 1;
/// The oldest node protocol this build's client understands.
pub const OLDEST: u32 = 1;
/// The longest line either side accepts: a policy file is at most 4 MiB, and a snapshot of
/// thousands of images fits many times over.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// What every method is called; the node lists those it answers in its hello.
pub const METHODS: &[&str] = &[
    "summary", "snapshot", "images", "digests", "preview", "apply", "remove", "postpone", "pin",
    "unpin", "approve", "adopt", "disown", "log", "settings", "node", "watch",
];

/// The node's first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The imgreaper version on the node.
    pub version: String,
    /// The node's host name.
    pub node: String,
    pub engine: EngineHello,
    /// The mode the node's enforcer acts in (the lease holder's, else the stored setting);
    /// `null` when the database cannot be read.
    pub mode: Option<Mode>,
    /// The methods it answers.
    pub capabilities: Vec<String>,
}

/// The node's engine as `rpc` found it when it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineHello {
    /// It answers: its version.
    Up { version: String },
    /// It does not: why, in the node's words.
    Down { error: String },
}

/// The client's first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientHello {
    pub protocol: u32,
    /// Who runs the console or the command, as the client names them (`alice@laptop`); added
    /// to the SSH user in the node's audit log. What the client says, not proven.
    pub operator: String,
}

/// `{"hello": …}`, either way.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelloLine<T> {
    pub hello: T,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub method: String,
    #[serde(default)]
    pub params: serde_json::Value,
}

/// Why a request was not answered with a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The node said no: a name it does not have, an invalid policy, a bad value.
    Refused,
    /// The node's engine does not answer.
    EngineDown,
    /// Something failed on the node (its database, the engine's answer to one request).
    Failed,
    /// The line was not a request this node reads.
    BadRequest,
    /// The node does not know the method (an older node).
    UnknownMethod,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// `{"event": "changed"}`: after `watch`, the node's engine or database changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub event: String,
}

// Parameters of the methods that take any.

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewParams {
    /// The name it would be saved under.
    pub name: String,
    /// The policy file's text, read and checked by the node.
    pub document: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyParams {
    pub name: String,
    pub document: String,
    /// Where it came from, for the audit log (the file on the operator's machine).
    pub from: String,
    /// Only check and say what saving would do.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveParams {
    pub references: Vec<String>,
    #[serde(default)]
    pub ignore_keep: bool,
    /// The image each reference named when the operator chose it (the console sends them): a
    /// reference that names another image by now is refused, never acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    #[serde(flatten)]
    pub how: How,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostponeParams {
    pub references: Vec<String>,
    pub seconds: i64,
    /// The image each reference named when the operator chose it (the console sends them): a
    /// reference that names another image by now is refused, never acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    #[serde(flatten)]
    pub how: How,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PinParams {
    pub reference: String,
    #[serde(flatten)]
    pub how: How,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApproveParams {
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub all: bool,
    /// The image each reference named when the operator chose it (the console sends them): a
    /// reference that names another image by now is refused, never acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    #[serde(flatten)]
    pub how: How,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdoptParams {
    pub references: Vec<String>,
    /// The image each reference named when the operator chose it (the console sends them): a
    /// reference that names another image by now is refused, never acted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    #[serde(flatten)]
    pub how: How,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogParams {
    pub limit: usize,
}

/// `settings`: none given shows them; any given changes them (audited).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettingsParams {
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub startup_delay_secs: Option<i64>,
    #[serde(default)]
    pub min_age_secs: Option<i64>,
    #[serde(default)]
    pub interval_secs: Option<i64>,
}

/// The answer of every action: one line per target, as the node's own command prints them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lines {
    pub lines: Vec<Line>,
}

/// One image's names and the registry digests it holds (`digests`), for registry retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldImage {
    pub id: String,
    pub references: Vec<String>,
    pub repo_digests: Vec<String>,
}

// Answers of the methods whose answer is more than a list.

/// `summary`: the node at a glance, for the Nodes view and `fleet status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryAnswer {
    pub summary: Summary,
    /// Bytes removals freed in the last 24 hours.
    pub freed_24h: u64,
    /// Who enforces there, if anyone.
    pub lease: Option<LeaseWire>,
}

/// `snapshot`: everything the console's views of the node show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotAnswer {
    pub snapshot: SnapshotWire,
    pub engine: EngineWire,
    pub lease: Option<LeaseWire>,
}

/// `preview`: `policy preview --json`'s object, and the file's warnings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewAnswer {
    pub preview: serde_json::Value,
    pub warnings: Vec<String>,
    /// The node's clock, which the preview's deadlines count from.
    pub now: crate::core::model::Timestamp,
}

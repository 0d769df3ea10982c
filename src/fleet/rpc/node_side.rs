//! What `imgreaper rpc` does with each request: the node's own code, as its command line runs
//! it (`node::actions`, `node::policy_apply`, the snapshot and the reports), with the audit
//! log's actor being the SSH user plus the operator the client names.

use super::protocol::{
    AdoptParams, ApplyParams, ApproveParams, EngineHello, ErrorBody, ErrorKind, HeldImage, Hello,
    Lines, LogParams, METHODS, PROTOCOL, PinParams, PostponeParams, PreviewAnswer, PreviewParams,
    RemoveParams, Request, Response, SettingsParams, SnapshotAnswer, SummaryAnswer,
};
use super::wire::{EngineWire, LeaseWire, SnapshotWire};
use crate::core::policy::{Severity, parse};
use crate::core::report::preview_report;
use crate::core::settings::SettingsOverride;
use crate::core::snapshot::Snapshot;
use crate::core::summary::Summary;
use crate::node::actions;
use crate::node::clock::{Clock, SystemClock, unix_now};
use crate::node::engine::{Engine, is_outage};
use crate::node::session::{Context, actor};
use crate::node::snapshot::{EngineReading, reader_view};
use crate::node::store::{NewAudit, Owner, Store, explain};
use crate::node::usage::{UsageError, is_usage};
use anyhow::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The longest operator name kept: it is only a label in the audit log.
const OPERATOR_MAX: usize = 64;

/// The node's side of one `rpc` session.
pub struct NodeSide<'c> {
    context: &'c Context,
    engine: Option<Engine>,
    reader: Option<Store>,
    /// Who acts, for the audit log: the SSH user (and address), then the operator.
    actor: String,
}

impl<'c> NodeSide<'c> {
    pub fn new(context: &'c Context) -> NodeSide<'c> {
        NodeSide {
            context,
            engine: None,
            reader: None,
            actor: actor(),
        }
    }

    /// The node's first line.
    pub async fn hello(&mut self) -> Hello {
        let engine = match self.engine().await {
            Ok(engine) => match engine.version().await {
                Ok(version) => EngineHello::Up { version },
                Err(error) => EngineHello::Down {
                    error: format!("{error:#}"),
                },
            },
            Err(error) => EngineHello::Down {
                error: format!("{error:#}"),
            },
        };
        let mode = self.reader().ok().and_then(|store| {
            let moment = SystemClock.moment();
            reader_view(store, &moment, None)
                .ok()
                .map(|view| view.settings.mode)
        });
        Hello {
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").to_string(),
            node: crate::node::host::hostname(),
            engine,
            mode,
            capabilities: METHODS.iter().map(|m| m.to_string()).collect(),
        }
    }

    /// Takes the operator the client names into the actor: `root from 10.0.0.5 (fleet operator
    /// alice@laptop)`. Control characters go (they could forge a line of `imgreaper log`).
    pub fn set_operator(&mut self, operator: &str) {
        let operator: String = operator
            .chars()
            .filter(|c| !c.is_control())
            .take(OPERATOR_MAX)
            .collect();
        let operator = operator.trim();
        if !operator.is_empty() {
            self.actor = format!("{} (fleet operator {operator})", actor());
        }
    }

    async fn engine(&mut self) -> Result<Engine> {
        if let Some(engine) = &self.engine {
            return Ok(engine.clone());
        }
        // Not pinged: the first request follows at once and names the address as a ping would.
        let engine = self.context.engine_unchecked()?;
        self.engine = Some(engine.clone());
        Ok(engine)
    }

    fn reader(&mut self) -> Result<&Store> {
        if self.reader.is_none() {
            self.reader = Some(self.context.reader()?);
        }
        Ok(self.reader.as_ref().expect("opened"))
    }

    /// The engine and the database as they are now, planned.
    async fn snapshot(&mut self) -> Result<(Engine, Snapshot)> {
        let engine = self.engine().await?;
        let reading = EngineReading::take(&engine).await?;
        let snapshot = Snapshot::read(reading, self.reader()?, &SystemClock)?;
        Ok((engine, snapshot))
    }

    /// Answers one request. An error is typed for the client: refused (the request is wrong),
    /// engine down, or failed.
    pub async fn answer(&mut self, request: Request) -> Response {
        let id = request.id;
        match self.call(&request.method, request.params).await {
            Ok(result) => Response {
                id,
                result: Some(result),
                error: None,
            },
            Err(error) => {
                let outage = is_outage(&error);
                if outage {
                    self.engine = None; // reconnect on the next request
                }
                let kind = match error.downcast_ref::<Unknown>() {
                    Some(Unknown::Method) => ErrorKind::UnknownMethod,
                    Some(Unknown::Params) => ErrorKind::BadRequest,
                    None if is_usage(&error) => ErrorKind::Refused,
                    None if outage => ErrorKind::EngineDown,
                    None => ErrorKind::Failed,
                };
                let error = match crate::node::session::resolve_db_path(self.context.db.as_ref()) {
                    Ok(db) => explain(error, &db),
                    Err(_) => error,
                };
                Response {
                    id,
                    result: None,
                    error: Some(ErrorBody {
                        kind,
                        message: format!("{error:#}"),
                    }),
                }
            }
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        match method {
            "summary" => {
                let (_, snapshot) = self.snapshot().await?;
                to_value(&SummaryAnswer {
                    freed_24h: self.reader()?.freed_since(snapshot.now - 86_400)?,
                    lease: self.lease()?,
                    summary: Summary::of(&snapshot),
                })
            }
            "snapshot" => {
                let (engine, snapshot) = self.snapshot().await?;
                to_value(&SnapshotAnswer {
                    lease: self.lease()?,
                    engine: engine_wire(&engine).await?,
                    snapshot: SnapshotWire::of(&snapshot),
                })
            }
            "images" => {
                let (_, snapshot) = self.snapshot().await?;
                to_value(&crate::node::images_report::images_json(
                    &snapshot,
                    self.reader()?,
                )?)
            }
            "digests" => {
                let engine = self.engine().await?;
                let inventory = engine.inventory().await?;
                let held: Vec<HeldImage> = inventory
                    .images
                    .into_iter()
                    .map(|image| HeldImage {
                        id: image.id,
                        references: image.references,
                        repo_digests: image.repo_digests,
                    })
                    .collect();
                to_value(&held)
            }
            "preview" => {
                let params: PreviewParams = params_of(params)?;
                let document = read_policy(&params.document)?;
                crate::node::policy_apply::check_name(&params.name)?;
                let (_, snapshot) = self.snapshot().await?;
                to_value(&PreviewAnswer {
                    preview: preview_report(&snapshot, &params.name, &document.0),
                    warnings: document.1,
                    now: snapshot.now,
                })
            }
            "apply" => {
                let params: ApplyParams = params_of(params)?;
                let (document, _) = read_policy(&params.document)?;
                let mut store = self.context.store()?;
                crate::node::policy_apply::apply(
                    &mut store,
                    &params.name,
                    &document,
                    &params.from,
                    &self.actor,
                    unix_now(),
                )?;
                let line = actions::Line {
                    kind: actions::Kind::Done,
                    reference: String::new(),
                    text: format!(
                        "saved policy {} with {} rule(s)",
                        params.name,
                        document.rules.len()
                    ),
                };
                to_value(&Lines { lines: vec![line] })
            }
            "remove" => {
                let params: RemoveParams = params_of(params)?;
                let engine = self.engine().await?;
                let mut store = self.context.store_even_when_full()?;
                let reading = EngineReading::take(&engine).await?;
                let snapshot = Snapshot::read(reading, &store, &SystemClock)?;
                let (references, mut lines) =
                    still_the_same(&snapshot, &params.references, &params.image_ids);
                lines.extend(
                    actions::remove(
                        &engine,
                        &mut store,
                        &snapshot,
                        &references,
                        params.ignore_keep,
                        params.how,
                        &self.actor,
                        &Owner::this_process("rpc"),
                        &SystemClock,
                    )
                    .await?,
                );
                to_value(&Lines { lines })
            }
            "postpone" => {
                let params: PostponeParams = params_of(params)?;
                let seconds = crate::core::policy::limits::checked_duration_secs(
                    "--for",
                    std::time::Duration::from_secs(params.seconds.max(0) as u64),
                )
                .map_err(UsageError)?;
                let (mut store, snapshot) = self.writable_snapshot().await?;
                let (references, mut lines) =
                    still_the_same(&snapshot, &params.references, &params.image_ids);
                lines.extend(actions::postpone(
                    &mut store,
                    &snapshot,
                    &references,
                    seconds,
                    params.how,
                    &self.actor,
                )?);
                to_value(&Lines { lines })
            }
            "pin" | "unpin" => {
                let params: PinParams = params_of(params)?;
                let (mut store, snapshot) = self.writable_snapshot().await?;
                let lines = actions::pin(
                    &mut store,
                    &snapshot,
                    &params.reference,
                    method == "pin",
                    params.how,
                    &self.actor,
                )?;
                to_value(&Lines { lines })
            }
            "approve" => {
                let params: ApproveParams = params_of(params)?;
                let (mut store, snapshot) = self.writable_snapshot().await?;
                let (references, mut lines) =
                    still_the_same(&snapshot, &params.references, &params.image_ids);
                lines.extend(actions::approve(
                    &mut store,
                    &snapshot,
                    &references,
                    params.all,
                    params.how,
                    &self.actor,
                )?);
                to_value(&Lines { lines })
            }
            "adopt" | "disown" => {
                let params: AdoptParams = params_of(params)?;
                let (mut store, snapshot) = self.writable_snapshot().await?;
                let (references, mut lines) =
                    still_the_same(&snapshot, &params.references, &params.image_ids);
                lines.extend(actions::adopt(
                    &mut store,
                    &snapshot,
                    &references,
                    method == "adopt",
                    params.how,
                    &self.actor,
                )?);
                to_value(&Lines { lines })
            }
            "log" => {
                let params: LogParams = params_of(params)?;
                to_value(&self.reader()?.audit_log(params.limit)?)
            }
            "settings" => {
                let params: SettingsParams = params_of(params)?;
                self.settings(params)
            }
            "node" => {
                let node = crate::node::placement::this_node()?;
                let (path, named) = crate::node::placement::node_policy_path();
                to_value(&serde_json::json!({
                    "node_policy": (named || path.exists()).then(|| path.display().to_string()),
                    "pattern": node.pattern,
                    "properties": node.properties,
                    "constraints": node.constraints.iter().map(|c| &c.text).collect::<Vec<_>>(),
                }))
            }
            "watch" => Ok(serde_json::json!({})),
            _ => Err(Unknown::Method.into()),
        }
    }

    /// The database to change, and the snapshot the change is checked against.
    async fn writable_snapshot(&mut self) -> Result<(Store, Snapshot)> {
        let engine = self.engine().await?;
        let store = self.context.store()?;
        let reading = EngineReading::take(&engine).await?;
        let snapshot = Snapshot::read(reading, &store, &SystemClock)?;
        Ok((store, snapshot))
    }

    fn lease(&mut self) -> Result<Option<LeaseWire>> {
        Ok(self
            .reader()?
            .lease(&SystemClock.moment())?
            .map(|lease| LeaseWire {
                holder: lease.holder,
                kind: lease.kind,
                mode: lease.mode,
                heartbeat: lease.heartbeat,
                expires: lease.expires,
            }))
    }

    /// Shows the stored settings, or changes the ones given (audited, as `imgreaper settings`).
    fn settings(&mut self, params: SettingsParams) -> Result<Value> {
        let change = SettingsOverride {
            mode: params.mode,
            startup_delay_secs: params.startup_delay_secs,
            min_age_secs: params.min_age_secs,
            interval_secs: params.interval_secs.map(|s| s.max(1)),
        };
        for seconds in [
            change.startup_delay_secs,
            change.min_age_secs,
            change.interval_secs,
        ]
        .into_iter()
        .flatten()
        {
            crate::core::policy::limits::checked_duration_secs(
                "settings",
                std::time::Duration::from_secs(seconds.max(0) as u64),
            )
            .map_err(UsageError)?;
        }
        if change == SettingsOverride::default() {
            return to_value(&self.reader()?.settings()?);
        }
        let mut store = self.context.store()?;
        let before = store.settings()?;
        let after = change.apply(before);
        store.save_settings(&after)?;
        let line = |s: &crate::core::settings::Settings| {
            format!(
                "mode {}, start-up delay {}s, minimum age {}s, interval {}s",
                s.mode, s.startup_delay_secs, s.min_age_secs, s.interval_secs
            )
        };
        store.audit(
            &NewAudit::new(unix_now(), &self.actor, "settings", "settings", "").result(format!(
                "{} (was {})",
                line(&after),
                line(&before)
            )),
        )?;
        to_value(&after)
    }
}

/// The references that still name the image the client saw (`image_ids`, one each; none
/// given: every reference), and a refusal for each that names another by now. A name that no
/// longer resolves is left to the action, which says so its own way.
fn still_the_same(
    snapshot: &Snapshot,
    references: &[String],
    image_ids: &[String],
) -> (Vec<String>, Vec<actions::Line>) {
    if image_ids.is_empty() {
        return (references.to_vec(), Vec::new());
    }
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for (reference, expected) in references.iter().zip(image_ids) {
        match actions::resolve::resolve(snapshot, reference) {
            Ok(target) if &target.image_id != expected => refused.push(actions::Line {
                kind: actions::Kind::Refused,
                reference: reference.clone(),
                text: format!(
                    "{reference}: now names another image than the one chosen; nothing done"
                ),
            }),
            _ => kept.push(reference.clone()),
        }
    }
    (kept, refused)
}

/// A request this node cannot read.
#[derive(Debug, thiserror::Error)]
enum Unknown {
    #[error("this node does not know that method (it may be older than the client)")]
    Method,
    #[error("the request's parameters do not read")]
    Params,
}

fn params_of<T: DeserializeOwned>(params: Value) -> Result<T> {
    let params = if params.is_null() {
        Value::Object(Default::default())
    } else {
        params
    };
    serde_json::from_value(params).map_err(|e| anyhow::Error::new(Unknown::Params).context(e))
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    Ok(serde_json::to_value(value)?)
}

/// The header's engine facts.
async fn engine_wire(engine: &Engine) -> Result<EngineWire> {
    let info = engine.info().await?;
    Ok(EngineWire {
        version: info.version,
        node: info.node,
        root_dir: info.root_dir,
    })
}

/// Reads a policy document as `policy check` does: invalid is refused with every error, each
/// with its line:column; warnings come back as text.
fn read_policy(text: &str) -> Result<(crate::core::policy::PolicyDocument, Vec<String>)> {
    match parse(text) {
        Ok(parsed) => Ok((
            parsed.document,
            parsed.warnings.iter().map(ToString::to_string).collect(),
        )),
        Err(diagnostics) => {
            let errors: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(ToString::to_string)
                .collect();
            Err(UsageError(format!(
                "not a valid policy ({} error{}): {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                errors.join("; ")
            ))
            .into())
        }
    }
}

//! Carries out what the operator asked for, with its own store and engine, exactly as the
//! command-line actions do, and reports each outcome back.

use crate::core::format::{bytes, clock_time};
use crate::core::policy::{Severity, Spelling, parse, template};
use crate::core::snapshot::Snapshot;
use crate::node::clock::{SystemClock, unix_now};
use crate::node::engine::Engine;
use crate::node::manual::{self, Refusal};
use crate::node::removal::{self, Outcome, Target};
use crate::node::session::{Context, actor};
use crate::node::snapshot::EngineReading;
use crate::node::store::{NewAudit, Owner, Store};
use crate::tui::export::ExportError;
use crate::tui::msg::{ActionResult, Command, Msg};
use crate::tui::text::count as words;
use anyhow::Result;
use tokio::sync::mpsc;

pub async fn run(
    context: Context,
    mut commands: mpsc::Receiver<Command>,
    to_ui: mpsc::Sender<Msg>,
    reload: mpsc::Sender<()>,
) {
    let mut store: Option<Store> = None;
    let mut engine: Option<Engine> = None;
    while let Some(command) = commands.recv().await {
        let result = match connect(&context, &mut store, &mut engine, &command).await {
            Ok(()) => execute(store.as_mut().expect("connected"), engine.as_ref(), command).await,
            Err(error) => failure(&command, format!("{error:#}")),
        };
        if result.is_err_engine() {
            engine = None; // reconnect next time
        }
        if to_ui.send(Msg::Done(result.0)).await.is_err() {
            return;
        }
        let _ = reload.try_send(());
    }
}

/// An outcome and whether the engine seemed to be away.
struct Reported(ActionResult, bool);

impl Reported {
    fn is_err_engine(&self) -> bool {
        self.1
    }
}

async fn connect(
    context: &Context,
    store: &mut Option<Store>,
    engine: &mut Option<Engine>,
    command: &Command,
) -> Result<()> {
    if store.is_none() {
        *store = Some(context.store()?);
    }
    let needs_engine = matches!(
        command,
        Command::Remove(_) | Command::Approve(_) | Command::Postpone { .. }
    );
    if engine.is_none() && needs_engine {
        *engine = Some(context.engine().await?);
    }
    Ok(())
}

fn failure(command: &Command, error: String) -> Reported {
    let finished = match command {
        Command::Remove(targets) => targets.iter().map(|t| t.reference.clone()).collect(),
        _ => Vec::new(),
    };
    let failed = finished
        .iter()
        .map(|r: &String| (r.clone(), error.clone()))
        .collect();
    Reported(
        ActionResult {
            ok: false,
            message: error,
            finished,
            failed,
            ..ActionResult::default()
        },
        true,
    )
}

/// "1 reference", "3 references".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Joins refusals into one status-line text.
fn refusals(refused: &[Refusal]) -> String {
    refused
        .iter()
        .map(|r| format!("{}: {}", r.reference, r.why))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn execute(store: &mut Store, engine: Option<&Engine>, command: Command) -> Reported {
    let who = actor();
    let now = unix_now();
    let outcome = match command {
        Command::Remove(targets) => {
            let engine = engine.expect("connected for removals");
            return remove(store, engine, targets).await;
        }
        Command::Approve(targets) => {
            let engine = engine.expect("connected for approvals");
            // Checked against the engine and the store as they are now, not as last drawn.
            let reading = EngineReading::take(engine).await;
            match reading.and_then(|reading| Snapshot::read(reading, store, &SystemClock)) {
                Err(error) => return failure(&Command::Approve(targets), format!("{error:#}")),
                Ok(snapshot) => {
                    manual::approve(store, &snapshot, &targets, &who, now).map(|results| {
                        let (done, refused) = split(results);
                        let mut text = if done.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "approved {}; the enforcer removes them on its next cycle",
                                count(done.len(), "reference")
                            )
                        };
                        if !refused.is_empty() {
                            if !text.is_empty() {
                                text.push_str("; ");
                            }
                            text.push_str(&refusals(&refused));
                        }
                        (text, refused.is_empty())
                    })
                }
            }
        }
        Command::Postpone { targets, seconds } => {
            let engine = engine.expect("connected for postponements");
            let reading = EngineReading::take(engine).await;
            match reading.and_then(|reading| Snapshot::read(reading, store, &SystemClock)) {
                Err(error) => {
                    return failure(
                        &Command::Postpone { targets, seconds },
                        format!("{error:#}"),
                    );
                }
                Ok(snapshot) => manual::postpone(store, &snapshot, &targets, seconds, &who, now)
                    .map(|results| {
                        let (done, refused) = split(results);
                        let mut parts: Vec<String> = done
                            .iter()
                            .map(|p| {
                                format!(
                                    "postponed {}: removal moves from {} to {}",
                                    p.target.reference,
                                    clock_time(Some(p.before), now),
                                    clock_time(Some(p.until), now)
                                )
                            })
                            .collect();
                        if !refused.is_empty() {
                            parts.push(refusals(&refused));
                        }
                        (parts.join("; "), refused.is_empty())
                    }),
            }
        }
        Command::Pin { targets, pin } => manual::pin(store, &targets, pin, &who, now).map(|done| {
            let verb = if pin { "pinned" } else { "unpinned" };
            let changed = done.iter().filter(|(_, changed)| *changed).count();
            (format!("{verb} {}", count(changed, "reference")), true)
        }),
        Command::Adopt { targets, adopt } => {
            manual::adopt(store, &targets, adopt, &who, now).map(|done| {
                let names: Vec<&str> = done.iter().map(|(t, _)| t.reference.as_str()).collect();
                let text = if adopt {
                    format!("{} now count as agent-downloaded", names.join(", "))
                } else {
                    format!("{} no longer count as agent-downloaded", names.join(", "))
                };
                (text, true)
            })
        }
        Command::SavePolicy { name, document } => {
            let saved = store
                .save_policy(&name, &document, unix_now())
                .and_then(|()| {
                    store.audit(&policy_note(
                        &name,
                        &format!(
                            "{} saved from the console",
                            words(document.rules.len(), "rule", "rules")
                        ),
                    ))
                });
            return Reported(
                match saved {
                    Ok(_) => ActionResult {
                        ok: true,
                        message: format!(
                            "saved policy {name} with {}",
                            words(document.rules.len(), "rule", "rules")
                        ),
                        saved: Some(name),
                        ..ActionResult::default()
                    },
                    Err(error) => ActionResult {
                        message: format!("policy {name} not saved: {error:#}"),
                        ..ActionResult::default()
                    },
                },
                false,
            );
        }
        Command::Import { .. } | Command::Export { .. } => {
            return Reported(files(command).expect("a file command"), false);
        }
    };
    Reported(
        match outcome {
            Ok((message, ok)) => ActionResult {
                ok,
                message,
                ..ActionResult::default()
            },
            Err(error) => ActionResult {
                message: format!("{error:#}"),
                ..ActionResult::default()
            },
        },
        false,
    )
}

/// The commands about files on this machine (import, export), which no node is asked about:
/// the same for the local console and a fleet node's. `None` for any other command.
pub(super) fn files(command: Command) -> Option<ActionResult> {
    match command {
        Command::Import { path } => Some(import(&path)),
        Command::Export {
            path,
            name,
            document,
            overwrite,
        } => {
            // A new file unless the operator confirmed the overwrite; the full path is reported.
            Some(
                match crate::tui::export::write_policy(&path, &document, overwrite) {
                    Ok(written) => ActionResult {
                        ok: true,
                        message: format!("exported policy {name} to {}", written.display()),
                        ..ActionResult::default()
                    },
                    Err(ExportError::Exists(at)) => ActionResult {
                        message: format!("{} exists; nothing exported", at.display()),
                        exists: Some(at),
                        ..ActionResult::default()
                    },
                    Err(ExportError::Failed(error)) => ActionResult {
                        message: format!("{error:#}"),
                        ..ActionResult::default()
                    },
                },
            )
        }
        _ => None,
    }
}

/// Splits per-target results into what was done and what was refused.
fn split<T>(results: Vec<Result<T, Refusal>>) -> (Vec<T>, Vec<Refusal>) {
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for result in results {
        match result {
            Ok(value) => done.push(value),
            Err(refusal) => refused.push(refusal),
        }
    }
    (done, refused)
}

fn policy_note(name: &str, result: &str) -> NewAudit {
    NewAudit::policy(unix_now(), &actor(), "policy-apply", name).result(result)
}

/// Removes, journalled exactly as `imgreaper remove` does.
async fn remove(store: &mut Store, engine: &Engine, targets: Vec<Target>) -> Reported {
    let mut result = ActionResult {
        ok: true,
        finished: targets.iter().map(|t| t.reference.clone()).collect(),
        ..ActionResult::default()
    };
    let owner = Owner::this_process("console actions");
    let done = match manual::remove(engine, store, targets, &actor(), &owner, &SystemClock).await {
        Ok(done) => done,
        Err(error) => {
            // The engine may have acted; the journal finishes the record later.
            let text = format!("{error:#}");
            result.ok = false;
            result.failed = result
                .finished
                .iter()
                .map(|r| (r.clone(), text.clone()))
                .collect();
            result.message = text;
            return Reported(result, true);
        }
    };
    let mut lines = Vec::new();
    let mut engine_away = false;
    for (target, outcome) in &done.outcomes {
        let line = match outcome {
            Outcome::Removed { deleted: true } => format!(
                "removed {} (freed {})",
                target.reference,
                bytes(target.size)
            ),
            Outcome::Removed { deleted: false } => format!("untagged {}", target.reference),
            Outcome::Gone => format!("{} was already gone", target.reference),
            Outcome::InUse { containers, .. } => format!(
                "{}: in use by {}",
                target.reference,
                removal::container_names(containers)
            ),
            Outcome::Conflict { message, .. } => {
                format!("{}: the engine refused: {message}", target.reference)
            }
            Outcome::Changed => format!(
                "{}: now points at another image; nothing removed",
                target.reference
            ),
            Outcome::NotDone(why) => format!("{}: not attempted: {why}", target.reference),
            Outcome::Misfired(what) => format!("{}: {what}", target.reference),
            Outcome::Unknown(why) | Outcome::Failed(why) => {
                engine_away |= outcome.is_unknown();
                format!("{}: {why}", target.reference)
            }
        };
        if !matches!(outcome, Outcome::Removed { .. } | Outcome::Gone) {
            result.ok = false;
            result.failed.push((target.reference.clone(), line.clone()));
        }
        lines.push(line);
    }
    if !done.unrecorded.is_empty() {
        result.ok = false;
        lines.push(format!(
            "disk full at {}: {} of these could not be written to the audit log",
            store.path().display(),
            done.unrecorded.len()
        ));
    }
    result.message = lines.join("; ");
    Reported(result, engine_away)
}

/// A file that does not exist yet: offer `imgreaper policy new`'s starting policy as a draft.
fn starting_policy(path: &std::path::Path) -> ActionResult {
    let name = policy_name(path);
    match parse(&template(Spelling::Seed, false)) {
        Ok(parsed) => ActionResult {
            ok: true,
            message: format!(
                "starting policy {name} from `imgreaper policy new` ({} does not exist); not saved: w saves, u discards",
                path.display()
            ),
            imported: Some((name, parsed.document)),
            ..ActionResult::default()
        },
        // The template is checked by the tests; say so plainly should it ever fail.
        Err(diagnostics) => ActionResult {
            message: format!(
                "{} does not exist, and the starting policy does not parse: {}",
                path.display(),
                diagnostics
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            ..ActionResult::default()
        },
    }
}

fn policy_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "imported".to_string())
}

/// Reads and validates a policy file; the policy is named after the file's stem.
fn import(path: &std::path::Path) -> ActionResult {
    let failed = |message: String| ActionResult {
        message,
        ..ActionResult::default()
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return starting_policy(path);
        }
        Err(error) => {
            return failed(format!(
                "cannot read {}: {error}; nothing imported",
                path.display()
            ));
        }
    };
    let name = policy_name(path);
    match parse(&text) {
        Ok(parsed) => ActionResult {
            ok: true,
            message: format!(
                "imported {} from {} as policy {name} (not saved yet: w saves, u discards){}",
                words(parsed.document.rules.len(), "rule", "rules"),
                path.display(),
                if parsed.warnings.is_empty() {
                    String::new()
                } else {
                    format!("; {}", words(parsed.warnings.len(), "warning", "warnings"))
                }
            ),
            imported: Some((name, parsed.document)),
            ..ActionResult::default()
        },
        Err(diagnostics) => {
            let errors: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}:{d}", path.display()))
                .collect();
            failed(format!(
                "{} is not a valid policy, nothing imported: {}",
                path.display(),
                errors.join("; ")
            ))
        }
    }
}

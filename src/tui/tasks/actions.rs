//! Carries out what the operator asked for, with its own store and engine, exactly as the
//! command-line actions do, and reports each outcome back.

use crate::clock::{SystemClock, unix_now};
use crate::engine::Engine;
use crate::format::{bytes, rfc3339};
use crate::policy::{Severity, parse};
use crate::removal::{self, Outcome, Target};
use crate::session::{Context, actor};
use crate::store::{NewAudit, Store};
use crate::tui::msg::{ActionResult, Command, Msg};
use anyhow::{Context as _, Result};
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
    if engine.is_none() && matches!(command, Command::Remove(_)) {
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

async fn execute(store: &mut Store, engine: Option<&Engine>, command: Command) -> Reported {
    let outcome = match command {
        Command::Remove(targets) => {
            let engine = engine.expect("connected for removals");
            return remove(store, engine, &targets).await;
        }
        Command::Approve(targets) => note_each(store, &targets, "approve", |store, t, who| {
            store.approve(&t.reference, who, unix_now())?;
            Ok("ok".into())
        })
        .map(|n| format!("approved {n} reference(s); the enforcer removes them on its next cycle")),
        Command::Postpone { targets, seconds } => {
            let until = unix_now().saturating_add(seconds);
            note_each(store, &targets, "postpone", |store, t, who| {
                store.postpone(&t.reference, until, who)?;
                Ok(format!("until {}", rfc3339(until)))
            })
            .map(|n| format!("postponed {n} reference(s) until {}", rfc3339(until)))
        }
        Command::Pin { targets, pin } => {
            let verb = if pin { "pin" } else { "unpin" };
            note_each(store, &targets, verb, |store, t, who| {
                let changed = if pin {
                    store.pin(&t.reference, who, unix_now())?
                } else {
                    store.unpin(&t.reference)?
                };
                Ok(if changed { "ok" } else { "no change" }.into())
            })
            .map(|n| format!("{verb}ned {n} reference(s)"))
        }
        Command::SavePolicy { name, document } => {
            let saved = store
                .save_policy(&name, &document, unix_now())
                .and_then(|()| {
                    store.audit(&policy_note(
                        &name,
                        &format!("{} rule(s) saved from the console", document.rules.len()),
                    ))
                });
            return Reported(
                match saved {
                    Ok(_) => ActionResult {
                        ok: true,
                        message: format!(
                            "saved policy {name} with {} rule(s)",
                            document.rules.len()
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
        Command::Import { path } => return Reported(import(&path), false),
        Command::Export {
            path,
            name,
            document,
        } => {
            let json = document.to_json(document.spelling);
            serde_json::to_string_pretty(&json)
                .context("cannot write the policy as JSON")
                .and_then(|text| {
                    std::fs::write(&path, text + "\n")
                        .with_context(|| format!("cannot write {}", path.display()))
                })
                .map(|()| format!("exported policy {name} to {}", path.display()))
        }
    };
    Reported(
        match outcome {
            Ok(message) => ActionResult {
                ok: true,
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

/// Applies `act` to each target and writes one audit line each; returns how many.
fn note_each(
    store: &mut Store,
    targets: &[Target],
    action: &str,
    mut act: impl FnMut(&mut Store, &Target, &str) -> Result<String>,
) -> Result<usize> {
    let who = actor();
    for target in targets {
        let result = act(store, target, &who)?;
        store.audit(
            &NewAudit::new(
                unix_now(),
                &who,
                action,
                &target.reference,
                &target.image_id,
            )
            .result(result),
        )?;
    }
    Ok(targets.len())
}

fn policy_note(name: &str, result: &str) -> NewAudit {
    NewAudit::policy(unix_now(), &actor(), "policy-apply", name).result(result)
}

/// Removes one by one, journalled exactly as `imgreaper remove` does.
async fn remove(store: &mut Store, engine: &Engine, targets: &[Target]) -> Reported {
    let who = actor();
    let mut result = ActionResult {
        ok: true,
        ..ActionResult::default()
    };
    let mut lines = Vec::new();
    let mut engine_away = false;
    for target in targets {
        result.finished.push(target.reference.clone());
        let outcome =
            match removal::remove_journalled(engine, store, target, &who, &SystemClock).await {
                Ok((outcome, _)) => outcome,
                Err(error) => {
                    // The engine may have acted; the journal finishes the record on the next start.
                    result.ok = false;
                    let line = format!("{}: {error:#}", target.reference);
                    result.failed.push((target.reference.clone(), line.clone()));
                    lines.push(line);
                    continue;
                }
            };
        let line = match &outcome {
            Outcome::Removed { deleted: true } => format!(
                "removed {} (freed {})",
                target.reference,
                bytes(target.size)
            ),
            Outcome::Removed { deleted: false } => format!("untagged {}", target.reference),
            Outcome::Gone => format!("{} was already gone", target.reference),
            Outcome::InUse(containers) => {
                format!(
                    "{}: in use by {}",
                    target.reference,
                    removal::container_names(containers)
                )
            }
            Outcome::Conflict(message) => {
                format!("{}: the engine refused: {message}", target.reference)
            }
            Outcome::Changed { now_id } => format!(
                "{}: now points at {now_id}; nothing removed",
                target.reference
            ),
            Outcome::Failed(error) => {
                engine_away = true;
                format!("{}: {error}", target.reference)
            }
        };
        if !matches!(outcome, Outcome::Removed { .. } | Outcome::Gone) {
            result.ok = false;
            result.failed.push((target.reference.clone(), line.clone()));
        }
        lines.push(line);
    }
    result.message = lines.join("; ");
    Reported(result, engine_away)
}

/// Reads and validates a policy file; the policy is named after the file's stem.
fn import(path: &std::path::Path) -> ActionResult {
    let failed = |message: String| ActionResult {
        message,
        ..ActionResult::default()
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            return failed(format!(
                "cannot read {}: {error}; nothing imported",
                path.display()
            ));
        }
    };
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "imported".to_string());
    match parse(&text) {
        Ok(parsed) => ActionResult {
            ok: true,
            message: format!(
                "imported {} rule(s) from {} as policy {name} (not saved yet: w saves, u discards){}",
                parsed.document.rules.len(),
                path.display(),
                if parsed.warnings.is_empty() {
                    String::new()
                } else {
                    format!("; {} warning(s)", parsed.warnings.len())
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

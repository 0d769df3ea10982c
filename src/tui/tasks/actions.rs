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
use crate::node::store::{NewAudit, Owner, SaveOutcome, Store};
use crate::tui::export::ExportError;
use crate::tui::msg::{ActionResult, Command, Msg};
use crate::tui::text::count as words;
use anyhow::Result;
use std::time::Duration;
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
        let connected = match connect(&context, &mut store, &mut engine, &command).await {
            Ok(()) => wait_for_lock(store.as_ref().expect("connected"), &command, &to_ui).await,
            Err(error) => Err(error),
        };
        let result = match connected {
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

/// How long an action waits for another process to let go of the database.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);

/// Before a command that writes: while another process holds the database locked, says so on
/// screen and waits (on this task's own thread: the console stays usable), up to a limit.
async fn wait_for_lock(store: &Store, command: &Command, to_ui: &mpsc::Sender<Msg>) -> Result<()> {
    if matches!(command, Command::Import { .. } | Command::Export { .. }) {
        return Ok(());
    }
    let started = tokio::time::Instant::now();
    let mut told = false;
    while store.write_locked()? {
        if !told {
            told = true;
            let text = format!(
                "another process holds the database {} locked; {} waits for it",
                store.path().display(),
                command.describe()
            );
            if to_ui.send(Msg::Waiting(text)).await.is_err() {
                anyhow::bail!("the console is closing");
            }
        }
        if started.elapsed() >= LOCK_PATIENCE {
            anyhow::bail!(
                "another process kept the database {} locked for {} s; nothing was done, try again",
                store.path().display(),
                LOCK_PATIENCE.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
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
        Command::Remove(_)
            | Command::Approve(_)
            | Command::Postpone { .. }
            | Command::EndPostponement(_)
            | Command::CheckUpdates(_)
            | Command::Refresh(_)
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

/// `a:1 now counts as agent-downloaded`, `a:1, b:2 no longer count as agent-downloaded`.
fn adopted(names: &[&str], adopt: bool) -> String {
    let verb = if names.len() == 1 { "counts" } else { "count" };
    if adopt {
        format!("{} now {verb} as agent-downloaded", named(names))
    } else {
        format!("{} no longer {verb} as agent-downloaded", named(names))
    }
}

/// The references an action was about, by name: `a:1, b:2 and 3 more`.
fn named(references: &[&str]) -> String {
    const SHOWN: usize = 3;
    let shown = references[..references.len().min(SHOWN)].join(", ");
    match references.len() {
        n if n > SHOWN => format!("{shown} and {} more", n - SHOWN),
        _ => shown,
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
        Command::CheckUpdates(references) => {
            let engine = engine.expect("connected for checks");
            return check_updates(store, engine, &references).await;
        }
        Command::Refresh(references) => {
            let engine = engine.expect("connected for refreshes");
            return refresh_tags(store, engine, &references, &who).await;
        }
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
                                    "postponed {}: removal at {}, {} later than planned",
                                    p.target.reference,
                                    clock_time(Some(p.until), now),
                                    crate::core::format::duration(p.until - p.before.max(now))
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
        Command::EndPostponement(targets) => {
            let engine = engine.expect("connected for postponements");
            let reading = EngineReading::take(engine).await;
            match reading.and_then(|reading| Snapshot::read(reading, store, &SystemClock)) {
                Err(error) => {
                    return failure(&Command::EndPostponement(targets), format!("{error:#}"));
                }
                Ok(snapshot) => manual::end_postponement(store, &snapshot, &targets, &who, now)
                    .map(|results| {
                        let (done, refused) = split(results);
                        let mut parts: Vec<String> = done
                            .iter()
                            .map(|e| {
                                format!(
                                    "ended the postponement of {}: removal back to {}",
                                    e.target.reference,
                                    e.back_to.map_or_else(
                                        || "none planned".to_string(),
                                        |at| clock_time(Some(at), now)
                                    )
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
        Command::SetMode(mode) => {
            let change = crate::core::settings::SettingsOverride {
                mode: Some(mode),
                ..Default::default()
            };
            manual::change_settings(store, change, &who, now).map(|(before, _)| {
                (
                    format!(
                        "the enforcer mode is now {mode} (was {}): it {}",
                        before.mode,
                        crate::tui::app::modal::ModeChoice::meaning(mode)
                    ),
                    true,
                )
            })
        }
        Command::Pin { targets, pin } => manual::pin(store, &targets, pin, &who, now).map(|done| {
            let (changed, unchanged): (Vec<_>, Vec<_>) = done.iter().partition(|(_, c)| *c);
            let names = |list: &[&(Target, bool)]| {
                named(
                    &list
                        .iter()
                        .map(|(t, _)| t.reference.as_str())
                        .collect::<Vec<_>>(),
                )
            };
            let mut parts = Vec::new();
            if !changed.is_empty() {
                let verb = if pin { "pinned" } else { "unpinned" };
                parts.push(format!("{verb} {}", names(&changed)));
            }
            if !unchanged.is_empty() {
                let already = if pin {
                    "already pinned"
                } else {
                    "not pinned by that name"
                };
                parts.push(format!("{} {already}", names(&unchanged)));
            }
            (parts.join("; "), true)
        }),
        Command::Adopt { targets, adopt } => {
            manual::adopt(store, &targets, adopt, &who, now).map(|done| {
                let names: Vec<&str> = done.iter().map(|(t, _)| t.reference.as_str()).collect();
                (adopted(&names, adopt), true)
            })
        }
        Command::SavePolicy {
            name,
            document,
            version,
        } => return Reported(save_policy(store, name, &document, version), false),
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

/// Saves a policy only if it is still the version the edits began on, and says what happened.
fn save_policy(
    store: &mut Store,
    name: String,
    document: &crate::core::policy::PolicyDocument,
    version: Option<i64>,
) -> ActionResult {
    let what = policy_contents(document);
    let saved = store
        .save_policy_if(&name, document, unix_now(), version)
        .and_then(|outcome| {
            if let SaveOutcome::Saved { .. } = outcome {
                store.audit(&policy_note(
                    &name,
                    &format!("{what} saved from the console"),
                ))?;
            }
            Ok(outcome)
        });
    match saved {
        Ok(SaveOutcome::Saved { version }) => ActionResult {
            ok: true,
            message: format!("saved policy {name} with {what}"),
            saved: Some(name),
            version: Some(version),
            ..ActionResult::default()
        },
        Ok(SaveOutcome::Changed { current }) => {
            // Short enough for the status line of a wide terminal.
            let what = match (current, version) {
                (Some(current), Some(_)) => format!(
                    "another process changed it at {}; u discards your edits for the saved one",
                    clock_time(Some(current.saved_at), unix_now())
                ),
                (Some(current), None) => format!(
                    "another process saved one of that name at {}; u discards your edits for it",
                    clock_time(Some(current.saved_at), unix_now())
                ),
                (None, _) => "another process deleted it; u discards your edits".to_string(),
            };
            ActionResult {
                message: format!("policy {name} not saved: {what}"),
                ..ActionResult::default()
            }
        }
        Err(error) => ActionResult {
            message: format!("policy {name} not saved: {error:#}"),
            ..ActionResult::default()
        },
    }
}

/// `2 rules, 1 keep rule and disk marks`.
fn policy_contents(document: &crate::core::policy::PolicyDocument) -> String {
    let mut parts = vec![words(document.rules.len(), "rule", "rules")];
    if !document.keep.is_empty() {
        parts.push(words(document.keep.len(), "keep rule", "keep rules"));
    }
    if document.disk.is_some() {
        parts.push("disk marks".to_string());
    }
    match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
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

/// The registry client, set up only when the operator asks for a check or a refresh.
fn registry_client() -> crate::registry::Client {
    crate::registry::Client::new(crate::registry::ClientOptions::default())
}

/// `u`: asks the registries whether the selected tags moved (every tag when none is named).
async fn check_updates(store: &mut Store, engine: &Engine, references: &[String]) -> Reported {
    let client = registry_client();
    match crate::registry::refresh::check_and_record(store, engine, &client, references).await {
        Err(error) => failure(
            &Command::CheckUpdates(references.to_vec()),
            format!("{error:#}"),
        ),
        Ok(checks) => {
            use crate::registry::refresh::{Status, status_words};
            let moved = checks
                .iter()
                .filter(|c| c.status == Status::UpdateAvailable)
                .count();
            let unknown: Vec<String> = checks
                .iter()
                .filter(|c| c.status == Status::Unknown)
                .map(|c| format!("{}: {}", c.reference, status_words(c)))
                .collect();
            let mut message = format!(
                "checked {}: {} with an update available",
                count(checks.len(), "tag"),
                moved
            );
            if !unknown.is_empty() {
                message.push_str(&format!("; {}", unknown.join("; ")));
            }
            Reported(
                ActionResult {
                    ok: unknown.is_empty(),
                    message,
                    ..ActionResult::default()
                },
                false,
            )
        }
    }
}

/// `U`: pulls those of the selected tags whose registry digest moved.
async fn refresh_tags(
    store: &mut Store,
    engine: &Engine,
    references: &[String],
    who: &str,
) -> Reported {
    let client = registry_client();
    let inventory = match engine.inventory().await {
        Ok(inventory) => inventory,
        Err(error) => return failure(&Command::Refresh(references.to_vec()), format!("{error:#}")),
    };
    match crate::registry::refresh::refresh_audited(
        &client, engine, store, &inventory, references, who,
    )
    .await
    {
        Err(error) => failure(&Command::Refresh(references.to_vec()), format!("{error:#}")),
        Ok(done) => {
            let ok = done
                .iter()
                .all(|(d, _)| matches!(d.result, "pulled" | "current"));
            let message = done
                .iter()
                .map(|(d, words)| format!("{}: {words}", d.check.reference))
                .collect::<Vec<_>>()
                .join("; ");
            Reported(
                ActionResult {
                    ok,
                    message,
                    ..ActionResult::default()
                },
                false,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_agree_with_their_count() {
        assert_eq!(
            adopted(&["a:1"], true),
            "a:1 now counts as agent-downloaded"
        );
        assert_eq!(
            adopted(&["a:1", "b:1"], false),
            "a:1, b:1 no longer count as agent-downloaded"
        );
        assert_eq!(named(&["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
    }
}

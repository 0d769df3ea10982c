//! The manual actions as an operator names them, the same for the node's own command line
//! (`imgreaper remove …`) and for `imgreaper rpc` (the fleet): names resolved on this node's
//! snapshot, every check made (`crate::node::manual` decides and records), and each target's
//! result said in one line. With `dry_run` they say what they would do and change nothing; with
//! `absent_ok` a name this node does not have is said so and skipped rather than refused (a
//! fleet-wide `remove app:1` is about the nodes that have it).

pub mod resolve;

use crate::core::format::{bytes, rfc3339};
use crate::core::model::Mode;
use crate::core::plan::RefState;
use crate::core::policy::qualified_form;
use crate::core::snapshot::Snapshot;
use crate::node::clock::{Clock, unix_now};
use crate::node::engine::Engine;
use crate::node::manual;
use crate::node::manual::pinned_by;
use crate::node::removal::{self, Outcome, Target};
use crate::node::store::{Owner, Store};
use anyhow::Result;
use resolve::{Unresolved, kept_by, matching_now, pin_key, resolve};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What one line of an action's report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Done as asked.
    Done,
    /// What a dry run would do.
    Would,
    /// Nothing to do, or something worth knowing (already pinned, still pinned by a pattern).
    Note,
    /// Said on standard error, not a failure (approvals outside approve mode).
    Warning,
    /// This node has no such name (only with `absent_ok`).
    Absent,
    /// Not done: a check said no (pinned, kept, in use, not awaiting approval …).
    Refused,
    /// Tried and failed.
    Failed,
}

/// One target's result, in words an operator reads (not yet escaped for a terminal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub kind: Kind,
    /// The name it is about, as resolved here (empty for a line about the whole action).
    pub reference: String,
    pub text: String,
}

impl Line {
    fn new(kind: Kind, reference: &str, text: impl Into<String>) -> Line {
        Line {
            kind,
            reference: reference.to_string(),
            text: text.into(),
        }
    }

    /// Whether this line makes the command fail (exit 1).
    pub fn failed(&self) -> bool {
        matches!(self.kind, Kind::Refused | Kind::Failed)
    }
}

/// How an action is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct How {
    /// Say what would be done; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// A name this node does not have is an `absent` line, not an error.
    #[serde(default)]
    pub absent_ok: bool,
}

/// Resolves every name before anything is done: a typo in the third name must not leave the
/// first two done. Names this node does not have become `absent` lines when `how` allows.
fn resolve_all(
    snapshot: &Snapshot,
    names: &[String],
    how: How,
    lines: &mut Vec<Line>,
) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    for name in names {
        match resolve(snapshot, name) {
            Ok(target) => targets.push(target),
            Err(Unresolved::NotHere(_)) if how.absent_ok => {
                lines.push(Line::new(Kind::Absent, name, format!("{name}: not here")));
            }
            Err(unresolved) => return Err(unresolved.into()),
        }
    }
    Ok(targets)
}

/// Removes references now (never forced), after the checks `imgreaper remove` makes: a pinned
/// name is refused, a kept one unless `ignore_keep` (audited), an image in use by its
/// containers (by the removal itself).
#[allow(clippy::too_many_arguments)]
pub async fn remove(
    engine: &Engine,
    store: &mut Store,
    snapshot: &Snapshot,
    names: &[String],
    ignore_keep: bool,
    how: How,
    actor: &str,
    owner: &Owner,
    clock: &dyn Clock,
) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    let mut targets = resolve_all(snapshot, names, how, &mut lines)?;
    targets.retain(|target| {
        let pin = pinned_by(snapshot, &snapshot.overrides.pins, &target.reference);
        if let Some(pin) = &pin {
            lines.push(Line::new(
                Kind::Refused,
                &target.reference,
                format!(
                    "{}: pinned; `imgreaper unpin {pin}` first",
                    target.reference
                ),
            ));
        }
        pin.is_none()
    });
    // A kept name is refused as a pinned one is, unless the operator says otherwise (audited).
    let mut overridden = Vec::new();
    targets.retain(|target| {
        let Some(keep) = kept_by(snapshot, target) else {
            return true;
        };
        if ignore_keep {
            overridden.push((target.clone(), keep));
            return true;
        }
        lines.push(Line::new(
            Kind::Refused,
            &target.reference,
            format!(
                "{}: kept by {keep}; `imgreaper remove --ignore-keep {}` removes it anyway",
                target.reference, target.reference
            ),
        ));
        false
    });
    if how.dry_run {
        lines.extend(would_remove(snapshot, &targets));
        return Ok(lines);
    }
    let now = clock.moment().wall;
    for (target, keep) in &overridden {
        manual::ignore_keep(store, target, keep, actor, now)?;
    }
    let done = manual::remove(engine, store, targets, actor, owner, clock).await?;
    for (target, outcome) in &done.outcomes {
        let name = &target.reference;
        lines.push(match outcome {
            Outcome::Removed { deleted: true } => Line::new(
                Kind::Done,
                name,
                format!("removed {name} (freed {})", bytes(target.size)),
            ),
            Outcome::Removed { deleted: false } => Line::new(
                Kind::Done,
                name,
                format!("untagged {name} (the image keeps its other names)"),
            ),
            Outcome::Gone => Line::new(Kind::Done, name, format!("{name}: already gone")),
            other => Line::new(
                Kind::Failed,
                name,
                format!("{name}: {}", describe_failure(other)),
            ),
        });
    }
    if !done.unrecorded.is_empty() {
        lines.push(Line::new(
            Kind::Failed,
            "",
            format!(
                "disk full at {}: {} of these actions could not be written to the audit log; \
                 free space, and the next ones will be",
                store.path().display(),
                done.unrecorded.len()
            ),
        ));
    }
    Ok(lines)
}

/// What removing `targets` would do: an image in use is refused; an image all of whose names
/// go is deleted (the last of them frees its size); otherwise a name is only untagged.
fn would_remove(snapshot: &Snapshot, targets: &[Target]) -> Vec<Line> {
    let mut chosen: HashMap<&str, usize> = HashMap::new();
    for target in targets {
        *chosen.entry(target.image_id.as_str()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    targets
        .iter()
        .map(|target| {
            let name = &target.reference;
            let image = snapshot
                .inventory
                .images
                .iter()
                .find(|image| image.id == target.image_id);
            let Some(image) = image else {
                return Line::new(Kind::Note, name, format!("{name}: already gone"));
            };
            if image.in_use() {
                let by = if image.containers.is_empty() {
                    crate::core::format::count(image.children.len(), "local image", "local images")
                        + " built on it"
                } else {
                    removal::container_names(&image.containers)
                };
                return Line::new(
                    Kind::Refused,
                    name,
                    format!("{name}: in use by {by}; remove those first"),
                );
            }
            let count = seen.entry(target.image_id.as_str()).or_default();
            *count += 1;
            let names = image.references.len().max(1);
            if chosen[target.image_id.as_str()] < names {
                Line::new(
                    Kind::Would,
                    name,
                    format!("would untag {name} (the image keeps its other names)"),
                )
            } else if *count == names {
                Line::new(
                    Kind::Would,
                    name,
                    format!("would remove {name} (frees {})", bytes(target.size)),
                )
            } else {
                Line::new(Kind::Would, name, format!("would remove {name}"))
            }
        })
        .collect()
}

/// What went wrong with one removal, and what to do about it.
fn describe_failure(outcome: &Outcome) -> String {
    match outcome {
        Outcome::InUse {
            containers,
            restored,
        } => format!(
            "in use by {}; remove those containers first (docker rm …){}",
            removal::container_names(containers),
            if restored.is_empty() {
                String::new()
            } else {
                format!("; names put back: {}", restored.join(", "))
            }
        ),
        Outcome::Conflict { message, .. } => format!("the engine refused: {message}"),
        Outcome::Changed => "the name now points at another image; nothing removed".to_string(),
        Outcome::NotDone(why) => format!("not attempted: {why}"),
        Outcome::Misfired(what) => format!("the name moved during the removal: {what}"),
        Outcome::Unknown(why) => format!(
            "no answer from the engine, so whether it was removed is not known; the next \
             enforcer cycle records what happened: {why}"
        ),
        Outcome::Failed(error) => error.clone(),
        Outcome::Removed { .. } | Outcome::Gone => String::new(),
    }
}

/// Moves each reference's planned removal `seconds` later (refused where none is planned).
pub fn postpone(
    store: &mut Store,
    snapshot: &Snapshot,
    names: &[String],
    seconds: i64,
    how: How,
    actor: &str,
) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    let targets = resolve_all(snapshot, names, how, &mut lines)?;
    // Now, not when the snapshot was read: a postponement counts from when it is given.
    let now = unix_now();
    let decided = if how.dry_run {
        manual::postponements(snapshot, &targets, seconds, now)
    } else {
        manual::postpone(store, snapshot, &targets, seconds, actor, now)?
    };
    let verb = if how.dry_run {
        "would postpone"
    } else {
        "postponed"
    };
    for result in decided {
        lines.push(match result {
            Ok(done) => Line::new(
                if how.dry_run { Kind::Would } else { Kind::Done },
                &done.target.reference,
                format!(
                    "{verb} {}: removal at {}, {} later than planned (was {})",
                    done.target.reference,
                    rfc3339(done.until),
                    crate::core::format::duration(done.until - done.before.max(now)),
                    rfc3339(done.before)
                ),
            ),
            Err(refusal) => Line::new(
                Kind::Refused,
                &refusal.reference,
                format!("{}: {}", refusal.reference, refusal.why),
            ),
        });
    }
    Ok(lines)
}

/// Pins (or unpins) a reference, pattern, digest name or image ID; a pin by name follows the
/// name (§12). Unpinning says which pattern still pins the reference.
pub fn pin(
    store: &mut Store,
    snapshot: &Snapshot,
    name: &str,
    pin: bool,
    how: How,
    actor: &str,
) -> Result<Vec<Line>> {
    let (key, target) = pin_key(snapshot, name)?;
    // `unpin` also finds a pin stored under another spelling of the same name.
    let stored = if pin {
        key.clone()
    } else {
        snapshot
            .overrides
            .pins
            .iter()
            .find(|p| {
                *p == &key || (!p.contains(['*', '?']) && qualified_form(p) == qualified_form(&key))
            })
            .cloned()
            .unwrap_or_else(|| key.clone())
    };
    let changed = if how.dry_run {
        snapshot.overrides.pins.contains(&stored) != pin
    } else {
        // The pin is stored as `stored`; the audit log names the image when there is one.
        let as_target = Target {
            reference: stored.clone(),
            image_id: target
                .as_ref()
                .map_or_else(String::new, |t| t.image_id.clone()),
            size: 0,
            why: None,
        };
        manual::pin(store, &[as_target], pin, actor, unix_now())?
            .first()
            .is_some_and(|(_, changed)| *changed)
    };
    let matching = matching_now(snapshot, &stored);
    let kind = if how.dry_run { Kind::Would } else { Kind::Done };
    let verb = |word: &str| {
        if how.dry_run {
            format!("would {word}")
        } else {
            format!("{word}ned")
        }
    };
    let mut lines = vec![match (pin, changed) {
        (true, true) if target.is_none() && matching == 0 => Line::new(
            kind,
            &stored,
            format!(
                "{} {stored}; no local reference matches it now: it applies to any that appears",
                verb("pin")
            ),
        ),
        (true, true) if target.is_none() => Line::new(
            kind,
            &stored,
            format!(
                "{} {stored} ({} match it now)",
                verb("pin"),
                crate::core::format::count(matching, "local reference", "local references")
            ),
        ),
        (true, true) => Line::new(kind, &stored, format!("{} {stored}", verb("pin"))),
        (true, false) => Line::new(Kind::Note, &stored, format!("{stored} was already pinned")),
        (false, true) => Line::new(kind, &stored, format!("{} {stored}", verb("unpin"))),
        (false, false) => Line::new(Kind::Note, &stored, format!("{stored} was not pinned")),
    }];
    if !pin && let Some(target) = &target {
        let mut remaining = snapshot.overrides.pins.clone();
        remaining.remove(&stored);
        if let Some(other) = pinned_by(snapshot, &remaining, &target.reference) {
            lines.push(Line::new(
                Kind::Note,
                &target.reference,
                format!(
                    "{} is still pinned by {other}; `imgreaper unpin '{other}'` removes that pin",
                    target.reference
                ),
            ));
        }
    }
    Ok(lines)
}

/// Counts images as agent-downloaded by hand (`adopt`), or no longer (`disown`).
pub fn adopt(
    store: &mut Store,
    snapshot: &Snapshot,
    names: &[String],
    adopt: bool,
    how: How,
    actor: &str,
) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    let targets = resolve_all(snapshot, names, how, &mut lines)?;
    let results: Vec<(Target, bool)> = if how.dry_run {
        targets
            .into_iter()
            .map(|t| {
                let changed = snapshot.agent_downloaded(&t.image_id) != adopt;
                (t, changed)
            })
            .collect()
    } else {
        manual::adopt(store, &targets, adopt, actor, unix_now())?
    };
    for (target, changed) in results {
        let name = &target.reference;
        let text = match (adopt, changed, how.dry_run) {
            (true, true, false) => format!("{name} now counts as agent-downloaded"),
            (true, true, true) => format!("would count {name} as agent-downloaded"),
            (true, false, _) => format!("{name} already counted as agent-downloaded"),
            (false, true, false) => format!("{name} no longer counts as agent-downloaded"),
            (false, true, true) => format!("would stop counting {name} as agent-downloaded"),
            (false, false, _) => format!("{name} already did not count as agent-downloaded"),
        };
        let kind = match (changed, how.dry_run) {
            (false, _) => Kind::Note,
            (true, true) => Kind::Would,
            (true, false) => Kind::Done,
        };
        lines.push(Line::new(kind, name, text));
    }
    Ok(lines)
}

/// Approves removals awaiting approval: the named ones, or with `all` every one. Any other
/// reference is refused, saying how it stands.
pub fn approve(
    store: &mut Store,
    snapshot: &Snapshot,
    names: &[String],
    all: bool,
    how: How,
    actor: &str,
) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    let targets: Vec<Target> = if all {
        snapshot
            .rows
            .iter()
            .filter(|row| row.state == RefState::AwaitingApproval)
            .map(|row| {
                let image = &snapshot.inventory.images[row.image];
                Target {
                    reference: row.key(&snapshot.inventory),
                    image_id: image.id.clone(),
                    size: image.size,
                    why: None,
                }
            })
            .collect()
    } else {
        resolve_all(snapshot, names, how, &mut lines)?
    };
    if snapshot.settings.mode != Mode::Approve {
        lines.push(Line::new(
            Kind::Warning,
            "",
            format!(
                "note: the enforcer mode is {}; approvals only matter in approve mode \
                 (imgreaper settings --mode approve)",
                snapshot.settings.mode
            ),
        ));
    }
    if targets.is_empty() && lines.iter().all(|l| l.kind != Kind::Absent) {
        lines.push(Line::new(Kind::Note, "", "nothing awaits approval"));
    }
    let decided = if how.dry_run {
        manual::approvable(snapshot, &targets)
    } else {
        manual::approve(store, snapshot, &targets, actor, unix_now())?
    };
    for result in decided {
        lines.push(match result {
            Ok(target) if how.dry_run => Line::new(
                Kind::Would,
                &target.reference,
                format!("would approve {}", target.reference),
            ),
            Ok(target) => Line::new(
                Kind::Done,
                &target.reference,
                format!("approved {}", target.reference),
            ),
            Err(refusal) => Line::new(
                Kind::Refused,
                &refusal.reference,
                format!("{}: {}", refusal.reference, refusal.why),
            ),
        });
    }
    Ok(lines)
}

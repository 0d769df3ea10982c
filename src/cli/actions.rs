//! Manual actions on the command line: `remove`, `postpone`, `pin`, `unpin`, `approve`, `adopt`,
//! `disown`. The decisions themselves are `crate::node::manual`'s; this file resolves names and prints.

use super::{Context, UsageError, actor};
use crate::core::format::{bytes, escape_controls, relative, rfc3339};
use crate::core::model::Image;
use crate::core::plan::{RefState, current_names};
use crate::core::policy::{Matcher, qualified_form, short_form, validate_pattern};
use crate::core::snapshot::Snapshot;
use crate::core::why::Why;
use crate::node::clock::{SystemClock, unix_now};
use crate::node::engine::Engine;
use crate::node::manual::{self, names_now, pinned_by};
use crate::node::removal::{self, Outcome, Target};
use crate::node::snapshot::EngineReading;
use crate::node::store::{Owner, Store};
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

/// Finds the image a command-line name means: a reference in any of its forms, a digest name
/// (`repo@sha256:…`, `repo:tag@sha256:…`) of the one reference that carries it, or an image ID
/// (full or a unique prefix) of a dangling image or of an image with a single name.
fn resolve(snapshot: &Snapshot, name: &str) -> Result<Target> {
    let wanted = [name.to_string(), short_form(name), qualified_form(name)];
    let target = |image: &Image, reference: String| {
        // Used only if it is removed: then by hand, with the plan's rule for the record.
        let why = snapshot
            .rows
            .iter()
            .find(|row| {
                snapshot.inventory.images[row.image].id == image.id
                    && row.key(&snapshot.inventory) == reference
            })
            .map(|row| Why::by_hand(snapshot, row));
        Target {
            reference,
            image_id: image.id.clone(),
            size: image.size,
            why,
        }
    };
    for image in &snapshot.inventory.images {
        if let Some(found) = image.references.iter().find(|r| wanted.contains(r)) {
            return Ok(target(image, found.clone()));
        }
    }
    if name.contains('@') {
        let carriers: Vec<(&Image, &String)> = snapshot
            .inventory
            .images
            .iter()
            .flat_map(|image| image.references.iter().map(move |r| (image, r)))
            .filter(|(image, reference)| {
                current_names(image, reference)
                    .iter()
                    .any(|n| qualified_form(n) == wanted[2])
            })
            .collect();
        match carriers.as_slice() {
            [] => {}
            [(image, reference)] => return Ok(target(image, (*reference).clone())),
            several => {
                let names: Vec<&str> = several.iter().map(|(_, r)| r.as_str()).collect();
                return Err(UsageError(format!(
                    "{name} is carried by {}; name the one you mean",
                    names.join(", ")
                ))
                .into());
            }
        }
    }
    match image_by_id(snapshot, name)? {
        Some(image) => match image.references.as_slice() {
            [] => Ok(target(image, image.id.clone())),
            [only] => Ok(target(image, only.clone())),
            several => Err(UsageError(format!(
                "image {name} has several names ({}); name the one to remove",
                several.join(", ")
            ))
            .into()),
        },
        None => Err(UsageError(format!(
            "no local image is named {name}; `imgreaper images` lists them"
        ))
        .into()),
    }
}

/// The one image whose ID is `name` (full, with or without `sha256:`, or a unique prefix of at
/// least 4 hex digits); `None` when no image ID begins so.
fn image_by_id<'s>(snapshot: &'s Snapshot, name: &str) -> Result<Option<&'s Image>> {
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    if hex.len() < 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let by_id: Vec<&Image> = snapshot
        .inventory
        .images
        .iter()
        .filter(|i| i.id.trim_start_matches("sha256:").starts_with(hex))
        .collect();
    match by_id.as_slice() {
        [] => Ok(None),
        [image] => Ok(Some(image)),
        _ => Err(UsageError(format!(
            "{name} matches several image IDs; give more of the ID"
        ))
        .into()),
    }
}

async fn snapshot(context: &Context) -> Result<(Engine, Store, Snapshot)> {
    let engine = context.engine().await?;
    let store = context.store()?;
    let snapshot = Snapshot::read(EngineReading::take(&engine).await?, &store, &SystemClock)?;
    Ok((engine, store, snapshot))
}

fn resolve_all(snapshot: &Snapshot, names: &[String]) -> Result<Vec<Target>> {
    // Resolve everything first: a typo in the third name must not leave the first two done.
    names.iter().map(|name| resolve(snapshot, name)).collect()
}

fn exit(failed: usize) -> ExitCode {
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub async fn remove(context: &Context, names: &[String], ignore_keep: bool) -> Result<ExitCode> {
    let engine = context.engine().await?;
    let mut store = context.store_even_when_full()?;
    let snapshot = Snapshot::read(EngineReading::take(&engine).await?, &store, &SystemClock)?;
    let mut targets = resolve_all(&snapshot, names)?;
    let mut failed = 0;
    targets.retain(|target| {
        let pin = pinned_by(&snapshot, &snapshot.overrides.pins, &target.reference);
        if let Some(pin) = &pin {
            eprintln!(
                "{}: pinned; `imgreaper unpin {}` first",
                escape_controls(&target.reference),
                escape_controls(pin)
            );
            failed += 1;
        }
        pin.is_none()
    });
    // A kept name is refused as a pinned one is, unless the operator says otherwise (audited).
    let mut overridden = Vec::new();
    targets.retain(|target| {
        let Some(keep) = kept_by(&snapshot, target) else {
            return true;
        };
        if ignore_keep {
            overridden.push((target.clone(), keep));
            return true;
        }
        eprintln!(
            "{}: kept by {}; `imgreaper remove --ignore-keep {}` removes it anyway",
            escape_controls(&target.reference),
            escape_controls(&keep),
            escape_controls(&target.reference)
        );
        failed += 1;
        false
    });
    for (target, keep) in &overridden {
        manual::ignore_keep(&mut store, target, keep, &actor(), unix_now())?;
    }
    let owner = Owner::this_process("cli");
    let done = manual::remove(&engine, &mut store, targets, &actor(), &owner, &SystemClock).await?;
    for (target, outcome) in &done.outcomes {
        let name = escape_controls(&target.reference);
        match outcome {
            Outcome::Removed { deleted: true } => {
                println!("removed {name} (freed {})", bytes(target.size))
            }
            Outcome::Removed { deleted: false } => {
                println!("untagged {name} (the image keeps its other names)")
            }
            Outcome::Gone => println!("{name}: already gone"),
            other => {
                eprintln!("{name}: {}", describe_failure(other));
                failed += 1;
            }
        }
    }
    if !done.unrecorded.is_empty() {
        eprintln!(
            "imgreaper: disk full at {}: {} of these actions could not be written to the audit \
             log; free space, and the next ones will be",
            store.path().display(),
            done.unrecorded.len()
        );
        failed += 1;
    }
    Ok(exit(failed))
}

/// The keep rule that keeps a target, as the tables name it.
fn kept_by(snapshot: &Snapshot, target: &Target) -> Option<String> {
    snapshot
        .rows
        .iter()
        .find(|row| {
            row.state == RefState::Kept
                && snapshot.inventory.images[row.image].id == target.image_id
                && row.key(&snapshot.inventory) == target.reference
        })
        .and_then(|row| row.kept_by)
        .map(|k| snapshot.rules.keeps[k].label())
}

/// What went wrong with one removal, and what to do about it.
fn describe_failure(outcome: &Outcome) -> String {
    let text = match outcome {
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
    };
    escape_controls(&text).into_owned()
}

pub async fn postpone(context: &Context, name: &str, duration: Duration) -> Result<ExitCode> {
    let seconds = crate::core::policy::limits::checked_duration_secs("--for", duration)
        .map_err(UsageError)?;
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let target = resolve(&snapshot, name)?;
    let now = unix_now();
    let mut failed = 0;
    for result in manual::postpone(&mut store, &snapshot, &[target], seconds, &actor(), now)? {
        match result {
            Ok(done) => println!(
                "postponed {}: removal at {}, {} later than planned (was {})",
                escape_controls(&done.target.reference),
                rfc3339(done.until),
                crate::core::format::duration(done.until - done.before.max(now)),
                rfc3339(done.before)
            ),
            Err(refusal) => {
                eprintln!("{}: {}", escape_controls(&refusal.reference), refusal.why);
                failed += 1;
            }
        }
    }
    Ok(exit(failed))
}

pub async fn end_postponement(context: &Context, name: &str) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let target = resolve(&snapshot, name)?;
    let now = unix_now();
    let mut failed = 0;
    for result in manual::end_postponement(&mut store, &snapshot, &[target], &actor(), now)? {
        match result {
            Ok(done) => println!(
                "ended the postponement of {}: removal back to {} (was {})",
                escape_controls(&done.target.reference),
                done.back_to
                    .map_or_else(|| "none planned".to_string(), rfc3339),
                rfc3339(done.was)
            ),
            Err(refusal) => {
                eprintln!("{}: {}", escape_controls(&refusal.reference), refusal.why);
                failed += 1;
            }
        }
    }
    Ok(exit(failed))
}

/// Approvals matter only in approve mode: say so in any other.
fn mode_note(snapshot: &Snapshot) {
    if snapshot.settings.mode != crate::core::model::Mode::Approve {
        eprintln!(
            "note: the enforcer mode is {}; approvals only matter in approve mode \
             (imgreaper settings --mode approve)",
            snapshot.settings.mode
        );
    }
}

/// How many local references a pattern (or name) matches now.
fn matching_now(snapshot: &Snapshot, pattern: &str) -> usize {
    let matcher = Matcher::new(&[pattern]);
    let mut hits = Vec::new();
    snapshot
        .inventory
        .images
        .iter()
        .flat_map(|image| image.references.iter())
        .filter(|reference| {
            names_now(snapshot, reference).iter().any(|name| {
                matcher.matches_into(name, &mut hits);
                !hits.is_empty()
            })
        })
        .count()
}

/// What `pin` and `unpin` store: a pattern as written, a digest name (it follows the content),
/// the local reference a name resolves to (or the ID of a dangling image), or a valid name not
/// here yet. A pin follows its name (§12).
fn pin_key(snapshot: &Snapshot, name: &str) -> Result<(String, Option<Target>)> {
    let name = name.trim();
    if name.contains(['*', '?']) {
        validate_pattern(name).map_err(|e| UsageError(format!("cannot pin {name}: {e}")))?;
        return Ok((name.to_string(), None));
    }
    if name.contains('@') && validate_pattern(name).is_ok() {
        return Ok((short_form(name), resolve(snapshot, name).ok()));
    }
    // An image ID pins that image, whatever its names come to be (§12).
    let is_a_name = snapshot.inventory.images.iter().any(|image| {
        image.references.iter().any(|r| {
            r == name || short_form(r) == name || qualified_form(r) == qualified_form(name)
        })
    });
    if !is_a_name && let Some(image) = image_by_id(snapshot, name)? {
        let target = Target {
            reference: image.id.clone(),
            image_id: image.id.clone(),
            size: image.size,
            why: None,
        };
        return Ok((image.id.clone(), Some(target)));
    }
    match resolve(snapshot, name) {
        Ok(target) => Ok((target.reference.clone(), Some(target))),
        Err(not_here) => match validate_pattern(name) {
            Ok(()) => Ok((short_form(name), None)),
            Err(_) => Err(not_here),
        },
    }
}

pub async fn pin(context: &Context, name: &str, pin: bool) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let (key, target) = pin_key(&snapshot, name)?;
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
    // The pin is stored as `stored`; the audit log names the image when there is one.
    let as_target = Target {
        reference: stored.clone(),
        image_id: target
            .as_ref()
            .map_or_else(String::new, |t| t.image_id.clone()),
        size: 0,
        why: None,
    };
    let changed = manual::pin(&mut store, &[as_target], pin, &actor(), unix_now())?
        .first()
        .is_some_and(|(_, changed)| *changed);
    let shown = escape_controls(&stored);
    let matching = matching_now(&snapshot, &stored);
    match (pin, changed) {
        (true, true) if target.is_none() && matching == 0 => println!(
            "pinned {shown}; no local reference matches it now: it applies to any that appears"
        ),
        (true, true) if target.is_none() => {
            println!(
                "pinned {shown} ({} match it now)",
                crate::core::format::count(matching, "local reference", "local references")
            )
        }
        (true, true) => println!("pinned {shown}"),
        (true, false) => println!("{shown} was already pinned"),
        (false, true) => println!("unpinned {shown}"),
        (false, false) => println!("{shown} was not pinned"),
    }
    if !pin && let Some(target) = &target {
        let mut remaining = snapshot.overrides.pins.clone();
        remaining.remove(&stored);
        if let Some(other) = pinned_by(&snapshot, &remaining, &target.reference) {
            println!(
                "{} is still pinned by {}; `imgreaper unpin '{}'` removes that pin",
                escape_controls(&target.reference),
                escape_controls(&other),
                escape_controls(&other)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn adopt(context: &Context, names: &[String], adopt: bool) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let targets = resolve_all(&snapshot, names)?;
    for (target, changed) in manual::adopt(&mut store, &targets, adopt, &actor(), unix_now())? {
        let name = escape_controls(&target.reference);
        match (adopt, changed) {
            (true, true) => println!("{name} now counts as agent-downloaded"),
            (true, false) => println!("{name} already counted as agent-downloaded"),
            (false, true) => println!("{name} no longer counts as agent-downloaded"),
            (false, false) => println!("{name} already did not count as agent-downloaded"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `imgreaper approve` alone: what awaits approval, and how to approve it.
fn list_awaiting(snapshot: &Snapshot) -> ExitCode {
    let rows: Vec<Vec<String>> = snapshot
        .rows
        .iter()
        .filter(|row| row.state == RefState::AwaitingApproval)
        .map(|row| {
            let image = &snapshot.inventory.images[row.image];
            vec![
                row.key(&snapshot.inventory),
                bytes(image.size),
                row.deadline
                    .map_or_else(|| "-".to_string(), |d| relative(d, snapshot.now)),
                row.winner
                    .map_or_else(|| "-".to_string(), |w| snapshot.rules.rules[w].label()),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("nothing awaits approval");
    } else {
        super::table::print(&["REFERENCE", "SIZE", "DUE", "RULE"], &rows);
        println!(
            "{} awaiting approval: `imgreaper approve REF…` approves some, `imgreaper approve --all` all of them",
            crate::core::format::count(rows.len(), "reference", "references")
        );
    }
    ExitCode::SUCCESS
}

pub async fn approve(context: &Context, names: &[String], all: bool) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    if names.is_empty() && !all {
        mode_note(&snapshot);
        return Ok(list_awaiting(&snapshot));
    }
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
        resolve_all(&snapshot, names)?
    };
    mode_note(&snapshot);
    if targets.is_empty() {
        println!("nothing awaits approval");
    }
    let mut failed = 0;
    for result in manual::approve(&mut store, &snapshot, &targets, &actor(), unix_now())? {
        match result {
            Ok(target) => println!("approved {}", escape_controls(&target.reference)),
            Err(refusal) => {
                eprintln!("{}: {}", escape_controls(&refusal.reference), refusal.why);
                failed += 1;
            }
        }
    }
    Ok(exit(failed))
}

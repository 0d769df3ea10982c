//! Manual actions: `remove`, `postpone`, `pin`, `unpin`, `approve`. Each lands in the audit log.

use super::{Context, UsageError, actor};
use crate::clock::{SystemClock, unix_now};
use crate::format::{bytes, rfc3339};
use crate::model::Image;
use crate::plan::RefState;
use crate::policy::{qualified_form, short_form};
use crate::removal::{self, Outcome, Target};
use crate::snapshot::Snapshot;
use crate::store::NewAudit;
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

/// Finds the image a command-line name means: a reference in any of its forms, or an image ID
/// (full or a unique prefix) of a dangling image or of an image with a single name.
fn resolve(snapshot: &Snapshot, name: &str) -> Result<Target> {
    let wanted = [name.to_string(), short_form(name), qualified_form(name)];
    let target = |image: &Image, reference: String| Target {
        reference,
        image_id: image.id.clone(),
        size: image.size,
    };
    for image in &snapshot.inventory.images {
        if let Some(found) = image.references.iter().find(|r| wanted.contains(r)) {
            return Ok(target(image, found.clone()));
        }
    }
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    let by_id: Vec<&Image> = if hex.len() >= 4 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        snapshot
            .inventory
            .images
            .iter()
            .filter(|i| i.id.trim_start_matches("sha256:").starts_with(hex))
            .collect()
    } else {
        Vec::new()
    };
    match by_id.as_slice() {
        [image] => match image.references.as_slice() {
            [] => Ok(target(image, image.id.clone())),
            [only] => Ok(target(image, only.clone())),
            several => Err(UsageError(format!(
                "image {name} has several names ({}); name the one to remove",
                several.join(", ")
            ))
            .into()),
        },
        [] => Err(UsageError(format!(
            "no local image is named {name}; `imgreaper images` lists them"
        ))
        .into()),
        _ => Err(UsageError(format!(
            "{name} matches several image IDs; give more of the ID"
        ))
        .into()),
    }
}

async fn snapshot(
    context: &Context,
) -> Result<(crate::engine::Engine, crate::store::Store, Snapshot)> {
    let engine = context.engine().await?;
    let mut store = context.store()?;
    let snapshot = Snapshot::load(&engine, &mut store, unix_now()).await?;
    Ok((engine, store, snapshot))
}

pub async fn remove(context: &Context, names: &[String]) -> Result<ExitCode> {
    let (engine, mut store, snapshot) = snapshot(context).await?;
    // Resolve everything first: a typo in the third name must not leave the first two removed.
    let targets = names
        .iter()
        .map(|name| resolve(&snapshot, name))
        .collect::<Result<Vec<_>>>()?;
    let who = actor();
    let mut failed = 0;
    for target in &targets {
        if snapshot.overrides.pins.contains(&target.reference) {
            eprintln!(
                "{}: pinned; `imgreaper unpin {}` first",
                target.reference, target.reference
            );
            failed += 1;
            continue;
        }
        let (outcome, _) =
            removal::remove_journalled(&engine, &mut store, target, &who, &SystemClock).await?;
        match &outcome {
            Outcome::Removed { deleted: true } => {
                println!(
                    "removed {} (freed {})",
                    target.reference,
                    bytes(target.size)
                )
            }
            Outcome::Removed { deleted: false } => {
                println!(
                    "untagged {} (the image keeps its other names)",
                    target.reference
                )
            }
            Outcome::InUse(containers) => {
                eprintln!(
                    "{}: in use by {}; remove those containers first (docker rm …)",
                    target.reference,
                    removal::container_names(containers)
                );
                failed += 1;
            }
            Outcome::Conflict(message) => {
                eprintln!("{}: the engine refused: {message}", target.reference);
                failed += 1;
            }
            Outcome::Gone => println!("{}: already gone", target.reference),
            Outcome::Changed { now_id } => {
                eprintln!(
                    "{}: the name now points at {now_id}; nothing removed",
                    target.reference
                );
                failed += 1;
            }
            Outcome::Failed(error) => {
                eprintln!("{}: {error}", target.reference);
                failed += 1;
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn note(action: &str, target: &Target, result: String) -> NewAudit {
    NewAudit::new(
        unix_now(),
        &actor(),
        action,
        &target.reference,
        &target.image_id,
    )
    .result(result)
}

pub async fn postpone(context: &Context, name: &str, duration: Duration) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let target = resolve(&snapshot, name)?;
    let until = unix_now().saturating_add(duration.as_secs().min(i64::MAX as u64 / 2) as i64);
    store.postpone(&target.reference, until, &actor())?;
    store.audit(&note(
        "postpone",
        &target,
        format!("until {}", rfc3339(until)),
    ))?;
    println!("postponed {} until {}", target.reference, rfc3339(until));
    Ok(ExitCode::SUCCESS)
}

pub async fn pin(context: &Context, name: &str, pin: bool) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
    let target = resolve(&snapshot, name)?;
    let changed = if pin {
        store.pin(&target.reference, &actor(), unix_now())?
    } else {
        store.unpin(&target.reference)?
    };
    let verb = if pin { "pin" } else { "unpin" };
    store.audit(&note(
        verb,
        &target,
        if changed {
            "ok".into()
        } else {
            "no change".into()
        },
    ))?;
    match (pin, changed) {
        (true, true) => println!("pinned {}", target.reference),
        (true, false) => println!("{} was already pinned", target.reference),
        (false, true) => println!("unpinned {}", target.reference),
        (false, false) => println!("{} was not pinned", target.reference),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn approve(context: &Context, names: &[String], all: bool) -> Result<ExitCode> {
    let (_engine, mut store, snapshot) = snapshot(context).await?;
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
                }
            })
            .collect()
    } else {
        names
            .iter()
            .map(|n| resolve(&snapshot, n))
            .collect::<Result<_>>()?
    };
    if snapshot.settings.mode != crate::model::Mode::Approve {
        eprintln!(
            "note: the enforcer mode is {}; approvals only matter in approve mode (imgreaper run --mode approve)",
            snapshot.settings.mode
        );
    }
    if targets.is_empty() {
        println!("nothing awaits approval");
    }
    for target in &targets {
        store.approve(&target.reference, &actor(), unix_now())?;
        store.audit(&note("approve", target, "ok".into()))?;
        println!("approved {}", target.reference);
    }
    Ok(ExitCode::SUCCESS)
}

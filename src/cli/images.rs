//! `imgreaper images [--json]`

use super::Context;
use super::table;
use crate::core::format::{bytes, escape_controls, json_for_terminal, relative};
use crate::core::plan::RefState;
use crate::core::saved::Status;
use crate::core::snapshot::Snapshot;
use crate::node::clock::SystemClock;
use crate::node::images_report::{images_json, registry_updates, wants_disk};
use crate::node::snapshot::EngineReading;
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(context: &Context, json: bool, wide: bool) -> Result<ExitCode> {
    // Reads only: works on a full disk and for a user who may only read the database.
    let store = context.reader()?;
    // Only what it shows: the disk only when a policy sets disk marks.
    let wants_disk = wants_disk(&store)?;
    let engine = context.engine_unchecked()?;
    let reading = EngineReading::take_for(&engine, wants_disk).await?;
    let snapshot = Snapshot::read(reading, &store, &SystemClock)?;
    let now = snapshot.now;
    // With disk-pressure marks: where usage stands, or why it cannot be read (pressure is off).
    let disk = snapshot.disk.describe(snapshot.rules.disk);
    // A saved policy not placed on this node applies nothing here: say so, and why.
    for policy in &snapshot.policies {
        if let Status::NotPlaced(_) = policy.status(&snapshot.node, now) {
            eprintln!(
                "policy {}: {}; its rules do not apply",
                escape_controls(&policy.name),
                escape_controls(&policy.status(&snapshot.node, now).to_string())
            );
        }
    }
    if json {
        if let Some(disk) = disk.filter(|_| snapshot.disk.usage().is_none()) {
            eprintln!("imgreaper: {}", escape_controls(&disk));
        }
        let rows = images_json(&snapshot, &store)?;
        println!(
            "{}",
            json_for_terminal(serde_json::to_string_pretty(&rows)?)
        );
        return Ok(ExitCode::SUCCESS);
    }
    // What the last `check` found; it stands while the image carries the digest it was found with.
    let update = registry_updates(&snapshot, &store)?;
    if let Some(disk) = disk {
        eprintln!("{}", escape_controls(&disk));
    }
    let rows: Vec<Vec<String>> = snapshot
        .rows
        .iter()
        .map(|row| {
            let image = &snapshot.inventory.images[row.image];
            let mut state = match row.state {
                RefState::InUse => format!("in use ({})", image.containers.len()),
                _ => row.state_text(),
            };
            if update(row).is_some() {
                state.push_str(", update available");
            }
            let rule = match (row.kept_by, row.winner) {
                (Some(keep), _) => snapshot.rules.keeps[keep].label(),
                (None, Some(winner)) => snapshot.rules.rules[winner].label(),
                (None, None) => "-".to_string(),
            };
            let mut reference = row
                .reference
                .clone()
                .unwrap_or_else(|| "<none>".to_string());
            if !row.formerly.is_empty() {
                reference = format!("{reference} (formerly {})", row.formerly.join(", "));
            }
            let last_used = snapshot
                .records
                .get(&image.id)
                .and_then(|r| r.idle_since())
                .map_or_else(|| "-".to_string(), |t| relative(t, now));
            vec![
                reference,
                image.short_id().to_string(),
                bytes(image.size),
                state,
                last_used,
                rule,
                row.deadline
                    .map_or_else(|| "-".to_string(), |d| relative(d, now)),
            ]
        })
        .collect();
    // On a terminal the table fits its width: IMAGE ID, LAST USED, RULE and SIZE go first,
    // then names are cut in their middle; `--wide` and a pipe get every column whole.
    let width = if wide { None } else { table::terminal_width() };
    table::print_fitted(
        &[
            "REFERENCE",
            "IMAGE ID",
            "SIZE",
            "STATE",
            "LAST USED",
            "RULE",
            "REMOVAL",
        ],
        &rows,
        width,
        &table::Fit {
            drop: &[1, 4, 5, 2],
            names: 0,
            min: 24,
        },
    );
    Ok(ExitCode::SUCCESS)
}

//! `imgreaper images [--json]`

use super::Context;
use super::table;
use crate::clock::SystemClock;
use crate::format::{bytes, json_for_terminal, relative};
use crate::plan::RefState;
use crate::report::reports;
use crate::snapshot::{EngineReading, Snapshot};
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(context: &Context, json: bool) -> Result<ExitCode> {
    let engine = context.engine().await?;
    // Reads only: works on a full disk and for a user who may only read the database.
    let store = context.reader()?;
    let snapshot = Snapshot::read(EngineReading::take(&engine).await?, &store, &SystemClock)?;
    let now = snapshot.now;
    if json {
        println!(
            "{}",
            json_for_terminal(serde_json::to_string_pretty(&reports(&snapshot))?)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = snapshot
        .rows
        .iter()
        .map(|row| {
            let image = &snapshot.inventory.images[row.image];
            let state = match row.state {
                RefState::InUse => format!("in use ({})", image.containers.len()),
                other => other.label().to_string(),
            };
            let last_used = snapshot
                .records
                .get(&image.id)
                .and_then(|r| r.idle_since())
                .map_or_else(|| "-".to_string(), |t| relative(t, now));
            vec![
                row.reference
                    .clone()
                    .unwrap_or_else(|| "<none>".to_string()),
                image.short_id().to_string(),
                bytes(image.size),
                state,
                last_used,
                row.winner
                    .map_or_else(|| "-".to_string(), |i| snapshot.rules.rules[i].label()),
                row.deadline
                    .map_or_else(|| "-".to_string(), |d| relative(d, now)),
            ]
        })
        .collect();
    table::print(
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
    );
    Ok(ExitCode::SUCCESS)
}

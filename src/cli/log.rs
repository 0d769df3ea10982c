//! `imgreaper log [--json]`

use super::Context;
use super::table;
use crate::core::format::{bytes, json_for_terminal, rfc3339};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(context: &Context, json: bool, limit: usize) -> Result<ExitCode> {
    let store = context.reader()?;
    let entries = store.audit_log(limit)?;
    if json {
        println!(
            "{}",
            json_for_terminal(serde_json::to_string_pretty(&entries)?)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let e = &e.entry;
            vec![
                rfc3339(e.time),
                e.actor.clone(),
                e.action.clone(),
                e.reference.clone(),
                if e.bytes_freed > 0 {
                    bytes(e.bytes_freed)
                } else {
                    "-".into()
                },
                e.result.clone(),
            ]
        })
        .collect();
    table::print(
        &["TIME", "ACTOR", "ACTION", "REFERENCE", "FREED", "RESULT"],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

//! `fleet status`, `fleet images`, `fleet log`: reading every node.

use super::output::{entry, error_line, exit, print_json, summary};
use super::progress::Progress;
use crate::cli::table;
use crate::core::format::{bytes, relative};
use crate::fleet::error::NodeError;
use crate::fleet::rpc::client::Connection;
use crate::fleet::rpc::protocol::{EngineHello, Hello, SummaryAnswer};
use crate::fleet::run::{Fleet, Outcome};
use crate::node::store::AuditEntry;
use anyhow::Result;
use serde_json::{Value, json};
use std::process::ExitCode;

/// A node's hello and its answer to one request.
async fn ask<T: serde::de::DeserializeOwned>(
    mut connection: Connection,
    method: &'static str,
    params: Value,
) -> (Connection, Result<(Hello, T), NodeError>) {
    let answer = connection.call::<T>(method, params).await;
    let result = match answer {
        Ok(answer) => connection.hello().await.map(|h| (h.clone(), answer)),
        Err(error) => Err(error),
    };
    (connection, result)
}

async fn gather<T: serde::de::DeserializeOwned>(
    fleet: &Fleet,
    method: &'static str,
    params: Value,
) -> Vec<Outcome<(Hello, T)>> {
    let mut progress = Progress::new(fleet.nodes.len());
    let outcomes = fleet
        .each(
            |connection| ask::<T>(connection, method, params.clone()),
            &mut |done, failed| progress.update(done, failed),
        )
        .await;
    progress.finish();
    outcomes
}

pub async fn status(fleet: &Fleet, json: bool) -> Result<ExitCode> {
    let outcomes = gather::<SummaryAnswer>(fleet, "summary", Value::Null).await;
    if json {
        let entries = outcomes
            .iter()
            .map(|outcome| {
                let mut object = entry(outcome);
                object.insert("groups".into(), json!(outcome.node.groups));
                if let Ok((hello, answer)) = &outcome.result {
                    let s = &answer.summary;
                    let fields = json!({
                        "imgreaper": hello.version,
                        "protocol": hello.protocol,
                        "engine": engine_version(hello),
                        "mode": s.mode,
                        "enforcer": answer.lease.as_ref().map(|l| &l.holder),
                        "images": s.images,
                        "references": s.references,
                        "due": s.due,
                        "awaiting_approval": s.awaiting_approval,
                        "scheduled": s.scheduled,
                        "next_removal": s.next_removal,
                        "reclaimable_bytes": s.reclaimable_bytes,
                        "freed_24h": answer.freed_24h,
                        "disk_used_percent": s.disk.map(|d| d.percent()),
                    });
                    if let Value::Object(fields) = fields {
                        object.extend(fields);
                    }
                }
                object
            })
            .collect();
        print_json(entries)?;
        return Ok(exit(&outcomes));
    }
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|outcome| match &outcome.result {
            Ok((hello, answer)) => {
                let s = &answer.summary;
                vec![
                    outcome.node.name.clone(),
                    "ok".into(),
                    engine_version(hello),
                    s.mode.to_string(),
                    s.images.to_string(),
                    s.due.to_string(),
                    s.next_removal
                        .map_or_else(|| "-".into(), |at| relative(at, s.now)),
                    bytes(s.reclaimable_bytes),
                    bytes(answer.freed_24h),
                ]
            }
            Err(error) => {
                let mut row = vec![outcome.node.name.clone(), error.kind.label().into()];
                row.extend(std::iter::repeat_n("-".to_string(), 7));
                row
            }
        })
        .collect();
    table::print(
        &[
            "NODE",
            "STATUS",
            "ENGINE",
            "MODE",
            "IMAGES",
            "DUE",
            "NEXT REMOVAL",
            "RECLAIMABLE",
            "FREED 24H",
        ],
        &rows,
    );
    print_errors(&outcomes);
    println!("{}", summary(&outcomes, "answered"));
    Ok(exit(&outcomes))
}

fn engine_version(hello: &Hello) -> String {
    match &hello.engine {
        EngineHello::Up { version } => version.clone(),
        EngineHello::Down { .. } => "down".into(),
    }
}

/// Each failed node's error in full, after the table that names only its kind.
fn print_errors<T>(outcomes: &[Outcome<T>]) {
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| error_line(&o.node.name, e)))
        .collect();
    if !failed.is_empty() {
        println!();
        for line in failed {
            println!("{line}");
        }
    }
}

/// `--json` for a list per node: each node's entry with its list under `key`.
fn listed_json<T: serde::Serialize>(
    outcomes: &[Outcome<(Hello, Vec<T>)>],
    key: &str,
) -> Result<ExitCode> {
    let entries = outcomes
        .iter()
        .map(|outcome| {
            let mut object = entry(outcome);
            if let Ok((_, list)) = &outcome.result {
                object.insert(key.into(), json!(list));
            }
            object
        })
        .collect();
    print_json(entries)?;
    Ok(exit(outcomes))
}

pub async fn images(fleet: &Fleet, json: bool) -> Result<ExitCode> {
    let outcomes = gather::<Vec<Value>>(fleet, "images", Value::Null).await;
    if json {
        return listed_json(&outcomes, "images");
    }
    let mut rows = Vec::new();
    for outcome in &outcomes {
        let Ok((_, images)) = &outcome.result else {
            continue;
        };
        // `images --json` of the node: only what the table shows is read.
        let text = |image: &Value, key: &str| image[key].as_str().unwrap_or("-").to_string();
        for image in images {
            rows.push(vec![
                outcome.node.name.clone(),
                text(image, "reference"),
                bytes(image["size"].as_u64().unwrap_or(0)),
                text(image, "state").replace('_', " "),
                text(image, "deadline"),
            ]);
        }
    }
    table::print(&["NODE", "REFERENCE", "SIZE", "STATE", "REMOVAL"], &rows);
    print_errors(&outcomes);
    println!("{}", summary(&outcomes, "answered"));
    Ok(exit(&outcomes))
}

pub async fn log(fleet: &Fleet, json: bool, last: usize) -> Result<ExitCode> {
    let outcomes = gather::<Vec<AuditEntry>>(fleet, "log", json!({ "limit": last })).await;
    if json {
        return listed_json(&outcomes, "entries");
    }
    let mut rows = Vec::new();
    for outcome in &outcomes {
        let Ok((_, entries)) = &outcome.result else {
            continue;
        };
        for e in entries {
            let mut cells = vec![outcome.node.name.clone()];
            cells.extend(crate::cli::log::entry_cells(&e.entry));
            rows.push(cells);
        }
    }
    table::print(
        &[
            "NODE",
            "TIME",
            "ACTOR",
            "ACTION",
            "REFERENCE",
            "FREED",
            "RESULT",
        ],
        &rows,
    );
    print_errors(&outcomes);
    println!("{}", summary(&outcomes, "answered"));
    Ok(exit(&outcomes))
}

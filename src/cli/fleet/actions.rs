//! `fleet remove | postpone | pin | unpin | approve`: first every node says what it would do
//! (the node's own checks, nothing changed), then, once the operator said yes, the nodes that
//! have something to do do it. A name a node does not have is said so there, not an error.

use super::output::{Ask, confirm, count, entry, error_line, print_json, summary};
use super::progress::Progress;
use crate::cli::UsageError;
use crate::cli::args::FleetCommand;
use crate::core::format::escape_controls;
use crate::fleet::error::{Failure, NodeError};
use crate::fleet::rpc::protocol::Lines;
use crate::fleet::run::{Fleet, Outcome};
use crate::node::actions::{Kind, Line};
use anyhow::Result;
use serde_json::{Value, json};
use std::process::ExitCode;

/// The method, its parameters (without `dry_run`) and the verb of the question.
fn request(command: FleetCommand) -> Result<(&'static str, Value, &'static str)> {
    Ok(match command {
        FleetCommand::Remove {
            references,
            ignore_keep,
        } => (
            "remove",
            json!({ "references": references, "ignore_keep": ignore_keep }),
            "Remove",
        ),
        FleetCommand::Postpone {
            reference,
            duration,
        } => {
            let seconds =
                crate::core::policy::limits::checked_duration_secs("--for", duration.into())
                    .map_err(UsageError)?;
            (
                "postpone",
                json!({ "references": [reference], "seconds": seconds }),
                "Postpone",
            )
        }
        FleetCommand::Pin { reference } => ("pin", json!({ "reference": reference }), "Pin"),
        FleetCommand::Unpin { reference } => ("unpin", json!({ "reference": reference }), "Unpin"),
        FleetCommand::Approve { references, all } => (
            "approve",
            json!({ "references": references, "all": all }),
            "Approve",
        ),
        other => unreachable!("not an action: {other:?}"),
    })
}

async fn ask_all(
    fleet: &Fleet,
    method: &'static str,
    params: &Value,
    dry_run: bool,
) -> Vec<Outcome<Vec<Line>>> {
    let mut params = params.clone();
    params["dry_run"] = json!(dry_run);
    params["absent_ok"] = json!(true);
    let mut progress = Progress::new(fleet.nodes.len());
    let outcomes = fleet
        .call::<Lines>(method, params, &mut |done, failed| {
            progress.update(done, failed)
        })
        .await;
    progress.finish();
    outcomes
        .into_iter()
        .map(|o| Outcome {
            node: o.node,
            result: o.result.map(|lines| lines.lines),
        })
        .collect()
}

/// A node whose lines hold a refusal or a failure has failed, with those lines as its error
/// (the lines stay for the JSON).
fn judged(outcome: Outcome<Vec<Line>>) -> (Outcome<Vec<Line>>, Vec<Line>) {
    let lines = outcome.result.as_ref().cloned().unwrap_or_default();
    let failed: Vec<&Line> = lines.iter().filter(|l| l.failed()).collect();
    if failed.is_empty() {
        return (outcome, lines);
    }
    let kind = if failed.iter().any(|l| l.kind == Kind::Failed) {
        Failure::Failed
    } else {
        Failure::Refused
    };
    let message = failed
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    (
        Outcome {
            node: outcome.node,
            result: Err(NodeError::new(kind, message)),
        },
        lines,
    )
}

fn print_lines(outcomes: &[(Outcome<Vec<Line>>, Vec<Line>)]) {
    for (outcome, lines) in outcomes {
        let node = escape_controls(&outcome.node.name);
        if lines.is_empty() {
            if let Err(error) = &outcome.result {
                println!("{}", error_line(&outcome.node.name, error));
            } else {
                println!("{node}: nothing to do");
            }
            continue;
        }
        for line in lines {
            println!("{node}: {}", escape_controls(&line.text));
        }
    }
}

fn has_work(lines: &[Line]) -> bool {
    lines.iter().any(|l| l.kind == Kind::Would)
}

pub async fn run(fleet: &Fleet, command: FleetCommand, ask: Ask) -> Result<ExitCode> {
    let (method, params, verb) = request(command)?;
    let planned: Vec<(Outcome<Vec<Line>>, Vec<Line>)> = ask_all(fleet, method, &params, true)
        .await
        .into_iter()
        .map(judged)
        .collect();
    if !ask.json {
        print_lines(&planned);
    }
    let busy: Vec<String> = planned
        .iter()
        .filter(|(_, lines)| has_work(lines))
        .map(|(o, _)| o.node.name.clone())
        .collect();
    let mut finished: Vec<(Outcome<Vec<Line>>, Vec<Line>)> = Vec::new();
    if busy.is_empty() {
        if !ask.json {
            println!("nothing to do on any node");
        }
    } else if confirm(
        &format!("{verb} on {}?", count(busy.len(), "node", "nodes")),
        ask,
    )? {
        let target = Fleet {
            nodes: fleet
                .nodes
                .iter()
                .filter(|n| busy.contains(&n.name))
                .cloned()
                .collect(),
            transport: fleet.transport.clone(),
            operator: fleet.operator.clone(),
            forks: fleet.forks,
        };
        finished = ask_all(&target, method, &params, false)
            .await
            .into_iter()
            .map(judged)
            .collect();
        if !ask.json {
            println!();
            print_lines(&finished);
        }
    } else {
        println!("nothing done");
        return Ok(ExitCode::from(1));
    }
    // Each node's final word: what it did, else what it said in the preview.
    let results: Vec<(Outcome<Vec<Line>>, Vec<Line>)> = planned
        .into_iter()
        .map(|(planned, lines)| {
            match finished
                .iter()
                .position(|(done, _)| done.node.name == planned.node.name)
            {
                Some(at) => finished.swap_remove(at),
                None => (planned, lines),
            }
        })
        .collect();
    let outcomes: Vec<Outcome<()>> = results
        .iter()
        .map(|(o, _)| Outcome {
            node: o.node.clone(),
            result: o.result.as_ref().map(|_| ()).map_err(Clone::clone),
        })
        .collect();
    if ask.json {
        let entries = results
            .iter()
            .map(|(outcome, lines)| {
                let mut object = entry(outcome);
                object.insert("lines".into(), json!(lines));
                object
            })
            .collect();
        print_json(entries)?;
    } else {
        println!("{}", summary(&outcomes, "fine"));
    }
    Ok(super::output::exit(&outcomes))
}

//! `fleet preview FILE` and `fleet apply FILE`: policy preview before publishing, for a fleet.
//! The file is checked here first (as `policy check` checks it: nothing reaches a node when it
//! is invalid), then each node checks it again and previews it on its own images, with its own
//! node policy deciding placement.

use super::output::{Ask, confirm, count, entry, error_line, exit, print_json, summary};
use super::progress::Progress;
use crate::cli::policy::{default_name, load};
use crate::core::format::{bytes, escape_controls};
use crate::fleet::rpc::protocol::{Lines, PreviewAnswer};
use crate::fleet::run::{Fleet, Outcome};
use anyhow::Result;
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

/// What one node's preview says, in the figures the fleet totals.
#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    placed: bool,
    newly_scheduled: u64,
    newly_spared: u64,
    within_hour: (u64, u64),
    within_day: (u64, u64),
}

impl Figures {
    fn of(answer: &PreviewAnswer) -> Figures {
        let preview = &answer.preview;
        let summary = &preview["summary"];
        let number = |v: &Value| v.as_u64().unwrap_or(0);
        // How many references go within the hour and the day: from their deadlines, on the
        // node's clock.
        let within = |seconds: i64| {
            preview["references"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| {
                    r["deadline"]
                        .as_str()
                        .and_then(|d| humantime::parse_rfc3339(d).ok())
                        .and_then(|d| d.duration_since(std::time::UNIX_EPOCH).ok())
                        .is_some_and(|d| (d.as_secs() as i64) <= answer.now + seconds)
                })
                .count() as u64
        };
        Figures {
            placed: preview["placed"].as_bool().unwrap_or(false),
            newly_scheduled: number(&summary["newly_scheduled"]),
            newly_spared: number(&summary["newly_spared"]),
            within_hour: (within(3600), number(&summary["bytes_within_hour"])),
            within_day: (within(86_400), number(&summary["bytes_within_day"])),
        }
    }

    fn add(&mut self, other: Figures) {
        self.newly_scheduled += other.newly_scheduled;
        self.newly_spared += other.newly_spared;
        self.within_hour.0 += other.within_hour.0;
        self.within_hour.1 += other.within_hour.1;
        self.within_day.0 += other.within_day.0;
        self.within_day.1 += other.within_day.1;
    }

    /// `3 newly scheduled, 1 newly spared; within 1 h: 2 references (120MB); within 1 day: …`
    fn sentence(&self) -> String {
        let references = |n: u64| count(n as usize, "reference", "references");
        format!(
            "{} newly scheduled, {} newly spared; within 1 h: {} ({}); within 1 day: {} ({})",
            self.newly_scheduled,
            self.newly_spared,
            references(self.within_hour.0),
            bytes(self.within_hour.1),
            references(self.within_day.0),
            bytes(self.within_day.1)
        )
    }
}

/// Checks the file here, then previews it on every node.
async fn preview_all(
    fleet: &Fleet,
    file: &Path,
    name: Option<String>,
) -> Result<(String, String, Vec<Outcome<PreviewAnswer>>)> {
    let (_, warnings) = load(file)?;
    crate::cli::policy::print_diagnostics(file, &warnings);
    let name = default_name(file, name)?;
    let text = crate::cli::policy_file::read(file)?;
    let mut progress = Progress::new(fleet.nodes.len());
    let outcomes = fleet
        .call::<PreviewAnswer>(
            "preview",
            json!({ "name": name, "document": text }),
            &mut |done, failed| progress.update(done, failed),
        )
        .await;
    progress.finish();
    Ok((name, text, outcomes))
}

fn preview_json(outcomes: &[Outcome<PreviewAnswer>]) -> Vec<serde_json::Map<String, Value>> {
    outcomes
        .iter()
        .map(|outcome| {
            let mut object = entry(outcome);
            if let Ok(answer) = &outcome.result {
                let figures = Figures::of(answer);
                let fields = json!({
                    "placed": figures.placed,
                    "placement": answer.preview["placement"],
                    "newly_scheduled": figures.newly_scheduled,
                    "newly_spared": figures.newly_spared,
                    "within_hour": {"references": figures.within_hour.0, "bytes": figures.within_hour.1},
                    "within_day": {"references": figures.within_day.0, "bytes": figures.within_day.1},
                    "warnings": answer.warnings,
                    "preview": answer.preview,
                });
                if let Value::Object(fields) = fields {
                    object.extend(fields);
                }
            }
            object
        })
        .collect()
}

/// A line per node, then the total; returns how many nodes the policy is placed on.
fn print_preview(name: &str, outcomes: &[Outcome<PreviewAnswer>]) -> usize {
    let mut total = Figures::default();
    let (mut placed, mut answered) = (0, 0);
    for outcome in outcomes {
        let node = escape_controls(&outcome.node.name);
        match &outcome.result {
            Ok(answer) => {
                answered += 1;
                let figures = Figures::of(answer);
                if figures.placed {
                    placed += 1;
                    total.add(figures);
                    println!("{node}: placed; {}", figures.sentence());
                } else {
                    let why = answer.preview["placement"].as_str().unwrap_or("not placed");
                    println!("{node}: {}", escape_controls(why));
                }
            }
            Err(error) => println!("{}", error_line(&outcome.node.name, error)),
        }
    }
    println!(
        "in total: policy {} placed on {placed} of {}; {}",
        escape_controls(name),
        count(answered, "node that answered", "nodes that answered"),
        total.sentence()
    );
    placed
}

pub async fn preview(
    fleet: &Fleet,
    file: &Path,
    name: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let (name, _, outcomes) = preview_all(fleet, file, name).await?;
    if json {
        print_json(preview_json(&outcomes))?;
    } else {
        print_preview(&name, &outcomes);
        println!("{} (nothing saved)", summary(&outcomes, "answered"));
    }
    Ok(exit(&outcomes))
}

pub async fn apply(fleet: &Fleet, file: &Path, name: Option<String>, ask: Ask) -> Result<ExitCode> {
    let (name, text, previews) = preview_all(fleet, file, name).await?;
    let placed = if ask.json {
        previews
            .iter()
            .filter(|o| o.result.as_ref().is_ok_and(|a| Figures::of(a).placed))
            .count()
    } else {
        print_preview(&name, &previews)
    };
    let ready: Vec<&Outcome<PreviewAnswer>> =
        previews.iter().filter(|o| o.result.is_ok()).collect();
    if ready.is_empty() {
        eprintln!("imgreaper: no node answered the preview; nothing saved");
        return Ok(ExitCode::from(1));
    }
    let question = format!(
        "Save policy {} on {} (placed on {placed}; it applies only where placed)?",
        escape_controls(&name),
        count(ready.len(), "node", "nodes")
    );
    if !confirm(&question, ask)? {
        println!("nothing saved");
        return Ok(ExitCode::from(1));
    }
    let names: Vec<&str> = ready.iter().map(|o| o.node.name.as_str()).collect();
    let target = Fleet {
        nodes: fleet
            .nodes
            .iter()
            .filter(|n| names.contains(&n.name.as_str()))
            .cloned()
            .collect(),
        transport: fleet.transport.clone(),
        operator: fleet.operator.clone(),
        forks: fleet.forks,
    };
    let mut progress = Progress::new(target.nodes.len());
    let applied = target
        .call::<Lines>(
            "apply",
            json!({ "name": name, "document": text, "from": file.display().to_string() }),
            &mut |done, failed| progress.update(done, failed),
        )
        .await;
    progress.finish();
    // The nodes that failed the preview count as failed here too.
    let failed_before: Vec<&Outcome<PreviewAnswer>> =
        previews.iter().filter(|o| o.result.is_err()).collect();
    if ask.json {
        let mut entries: Vec<_> = applied
            .iter()
            .map(|outcome| {
                let mut object = entry(outcome);
                object.insert("saved".into(), json!(outcome.result.is_ok()));
                object
            })
            .collect();
        entries.extend(failed_before.iter().map(|outcome| {
            let mut object = entry(*outcome);
            object.insert("saved".into(), json!(false));
            object
        }));
        print_json(entries)?;
    } else {
        for outcome in &applied {
            match &outcome.result {
                Ok(lines) => {
                    for line in &lines.lines {
                        println!(
                            "{}: {}",
                            escape_controls(&outcome.node.name),
                            escape_controls(&line.text)
                        );
                    }
                }
                Err(error) => println!("{}", error_line(&outcome.node.name, error)),
            }
        }
        println!("{}", summary(&applied, "saved it"));
    }
    if failed_before.is_empty() {
        Ok(exit(&applied))
    } else {
        Ok(ExitCode::from(1))
    }
}

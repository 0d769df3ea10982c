//! `imgreaper registry plan|reap FILE`: retention on a registry (§15).

use super::UsageError;
use super::args::{HeldArgs, RegistryArgs, RegistryCommand};
use super::policy::{invalid, print_diagnostics};
use super::{Context, actor, policy_file, table};
use crate::core::format::{escape_controls, json_for_terminal};
use crate::core::policy::Diagnostic;
use crate::core::registry::{Held, RegistryPolicy, parse_registry_policy};
use crate::fleet::run::Fleet;
use crate::node::clock::unix_now;
use crate::node::store::NewAudit;
use crate::registry::retention::{DeletionResult, RegistryPlan, plan, reap};
use anyhow::Result;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

pub async fn run(
    context: &Context,
    command: RegistryCommand,
    console_inventory: Option<String>,
) -> Result<ExitCode> {
    match command {
        RegistryCommand::Plan {
            file,
            json,
            registry,
            mut fleet,
        } => {
            fleet.inventory = fleet.inventory.or(console_inventory);
            let planned = load_and_plan(&file, &registry, &fleet).await?;
            if json {
                print_json(&serde_json::json!({ "plan": planned, "deleted": false }))?;
            } else {
                print_plan(&planned);
                println!("(a plan: nothing was deleted)");
            }
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Reap {
            file,
            yes,
            json,
            registry,
            mut fleet,
        } => {
            fleet.inventory = fleet.inventory.or(console_inventory);
            reap_command(context, &file, yes, json, &registry, &fleet).await
        }
    }
}

/// Reads and validates a registry policy file (exit 2 when invalid, every error listed).
pub(super) fn load_text(file: &Path, text: &str) -> Result<(RegistryPolicy, Vec<Diagnostic>)> {
    parse_registry_policy(text).map_err(|diagnostics| invalid(file, &diagnostics).into())
}

async fn load_and_plan(
    file: &Path,
    registry: &RegistryArgs,
    fleet: &HeldArgs,
) -> Result<RegistryPlan> {
    let text = policy_file::read(file)?;
    let (policy, warnings) = load_text(file, &text)?;
    print_diagnostics(file, &warnings);
    // The fleet first: a plan that cannot know what the nodes hold is not made at all.
    let held = match &fleet.inventory {
        Some(inventory) => held_by_fleet(inventory, fleet).await?,
        None => Held::new(),
    };
    let client = registry.client();
    Ok(plan(&client, &policy, unix_now(), &held).await?)
}

/// Every registry digest the inventory's nodes hold, with the nodes holding it. A node that
/// cannot be asked stops the plan (its images are unknown, not absent) unless the operator
/// allows it, and is named either way.
async fn held_by_fleet(inventory: &str, args: &HeldArgs) -> Result<Held> {
    let (fleet, warnings) = Fleet::new(
        inventory,
        args.limit.as_deref(),
        args.forks,
        args.timeout.into(),
    )
    .map_err(|e| UsageError(format!("{e:#}")))?;
    for warning in warnings {
        eprintln!("imgreaper: {warning}");
    }
    let mut held = Held::new();
    let mut unreachable = Vec::new();
    let asked = fleet.nodes.len();
    for outcome in fleet.held_images().await {
        match outcome.result {
            Ok(images) => {
                for digest in images
                    .iter()
                    .flat_map(|image| &image.repo_digests)
                    .filter_map(|name| name.rsplit_once('@').map(|(_, digest)| digest))
                {
                    let holders = held.entry(digest.to_string()).or_default();
                    if !holders.contains(&outcome.node.name) {
                        holders.push(outcome.node.name.clone());
                    }
                }
            }
            Err(error) => unreachable.push(format!("{}: {error}", outcome.node.name)),
        }
    }
    if !unreachable.is_empty() {
        let list = unreachable.join("\n  ");
        if !args.allow_unreachable {
            return Err(anyhow::anyhow!(
                "{} of {asked} nodes could not be asked what they hold, so nothing is planned \
                 (a manifest one of them still runs could be deleted):\n  {list}\nbring them \
                 back, leave them out with --limit, or pass --allow-unreachable to plan without them",
                unreachable.len()
            ));
        }
        eprintln!(
            "imgreaper: planning without {} of {asked} nodes (--allow-unreachable): what they \
             hold may be deleted:\n  {list}",
            unreachable.len()
        );
    }
    eprintln!(
        "imgreaper: {} held by {} of {asked} nodes (kept whatever the policy says)",
        crate::core::format::count(held.len(), "manifest is", "manifests are"),
        asked - unreachable.len(),
    );
    Ok(held)
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!(
        "{}",
        json_for_terminal(serde_json::to_string_pretty(value)?)
    );
    Ok(())
}

fn short(digest: &str) -> String {
    digest.chars().take(19).collect()
}

fn print_plan(planned: &RegistryPlan) {
    for repository in &planned.repositories {
        println!(
            "{}/{}:",
            escape_controls(&planned.registry),
            escape_controls(&repository.repository)
        );
        let rows: Vec<Vec<String>> = repository
            .tags
            .iter()
            .map(|t| {
                vec![
                    t.tag.clone(),
                    short(&t.digest),
                    t.category.clone().unwrap_or_else(|| "-".into()),
                    if t.keep { "keep" } else { "delete" }.to_string(),
                    t.reason.clone(),
                ]
            })
            .collect();
        table::print(&["TAG", "DIGEST", "CATEGORY", "DECISION", "WHY"], &rows);
        println!();
    }
    let tags: usize = planned
        .repositories
        .iter()
        .flat_map(|r| &r.deletions)
        .map(|d| d.tags.len())
        .sum();
    println!(
        "{} manifest(s) with {tags} tag(s) to delete from {}",
        planned.deletion_count(),
        escape_controls(&planned.registry)
    );
}

async fn reap_command(
    context: &Context,
    file: &Path,
    yes: bool,
    json: bool,
    registry: &RegistryArgs,
    fleet: &HeldArgs,
) -> Result<ExitCode> {
    // Every deletion is audited: a database that cannot be written stops the reap before it starts.
    let mut store = context.store()?;
    let planned = load_and_plan(file, registry, fleet).await?;
    if !json {
        print_plan(&planned);
    }
    let go = planned.deletion_count() > 0 && (yes || (!json && ask(&planned)?));
    if !go {
        if json {
            print_json(&serde_json::json!({ "plan": planned, "deleted": false, "results": [] }))?;
        } else if planned.deletion_count() > 0 {
            println!(
                "nothing deleted: {}",
                if std::io::stdin().is_terminal() {
                    "not confirmed"
                } else {
                    "pass --yes to delete without a terminal"
                }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let who = actor();
    let mut unrecorded = None;
    let client = registry.client();
    let results = reap(&client, &planned, |outcome| {
        match store.audit(&audit_entry(&who, &planned.registry, outcome)) {
            Ok(_) => true,
            Err(error) => {
                unrecorded = Some(error);
                false
            }
        }
    })
    .await;
    if json {
        print_json(&serde_json::json!({ "plan": planned, "deleted": true, "results": results }))?;
    } else {
        print_results(&planned.registry, &results);
    }
    if let Some(error) = unrecorded {
        return Err(error.context(
            "a deletion could not be written to the audit log, so the reap stopped after it",
        ));
    }
    let failed = results
        .iter()
        .any(|r| r.result == "failed" || r.result == "skipped");
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn audit_entry(actor: &str, registry: &str, outcome: &DeletionResult) -> NewAudit {
    let mut result = format!("{} (tags: {})", outcome.result, outcome.tags.join(", "));
    if let Some(detail) = &outcome.detail {
        result.push_str(&format!(": {detail}"));
    }
    NewAudit::new(
        unix_now(),
        actor,
        "registry-delete",
        &format!("{registry}/{}@{}", outcome.repository, outcome.digest),
        &outcome.digest,
    )
    .result(result)
}

fn print_results(registry: &str, results: &[DeletionResult]) {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                format!("{registry}/{}@{}", r.repository, short(&r.digest)),
                r.tags.join(", "),
                r.result.to_string(),
                r.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table::print(&["MANIFEST", "TAGS", "RESULT", "DETAIL"], &rows);
}

/// Asks on a terminal; `false` without one (the caller then deletes nothing).
fn ask(planned: &RegistryPlan) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    print!(
        "Delete {} manifest(s) from {}? This cannot be undone. [y/N] ",
        planned.deletion_count(),
        escape_controls(&planned.registry)
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

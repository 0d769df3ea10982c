//! `imgreaper policy check|preview|apply|list|show|export|delete`

use super::args::{ExportFormat, PolicyCommand};
use super::{Context, UsageError, actor, policy_file, table};
use crate::core::format::{bytes, count, escape_controls, json_for_terminal, relative, rfc3339};
use crate::core::policy::{Diagnostic, PolicyDocument, Severity, Spelling, parse, template};
use crate::core::preview::preview_save;
use crate::core::registry::is_registry_policy;
use crate::core::report::preview_report;
use crate::core::saved::Status;
use crate::core::saved::StoredPolicy;
use crate::core::snapshot::Snapshot;
use crate::node::clock::unix_now;
use crate::node::placement::this_node;
use crate::node::snapshot::EngineReading;
use crate::node::store::NewAudit;
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

pub async fn run(context: &Context, command: PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::New { format, nmp } => {
            print!("{}", template(spelling(format), nmp));
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Check { file } => {
            let text = policy_file::read(&file)?;
            let warnings = if is_registry_policy(&text) {
                super::registry::load_text(&file, &text)?.1
            } else {
                load(&file)?.1
            };
            print_diagnostics(&file, &warnings);
            println!("{}: valid", shown(&file));
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Preview { file, json, name } => preview(context, &file, json, name).await,
        PolicyCommand::Apply { file, name } => apply(context, &file, name),
        PolicyCommand::List { json } => list(context, json),
        PolicyCommand::Show { name } => export(context, &name, None),
        PolicyCommand::Export { name, format } => export(context, &name, format.map(spelling)),
        PolicyCommand::Delete { name } => {
            let mut store = context.store()?;
            if !store.delete_policy(&name)? {
                return Err(no_such_policy(&name).into());
            }
            store.audit(&audit_entry("policy-delete", &name, "ok"))?;
            println!("deleted policy {}", escape_controls(&name));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn spelling(format: ExportFormat) -> Spelling {
    match format {
        ExportFormat::Seed => Spelling::Seed,
        ExportFormat::Anax => Spelling::Anax,
    }
}

/// Reads and validates a policy file; errors (with every diagnostic) are usage errors (exit 2).
/// The diagnostics are printed here, one escaped line each: they quote the file's text.
pub(super) fn load(file: &Path) -> Result<(PolicyDocument, Vec<Diagnostic>)> {
    let text = policy_file::read(file)?;
    match parse(&text) {
        Ok(parsed) => Ok((parsed.document, parsed.warnings)),
        Err(diagnostics) => Err(invalid(file, &diagnostics).into()),
    }
}

/// Prints every diagnostic of an invalid document and says so (exit 2).
pub(super) fn invalid(file: &Path, diagnostics: &[Diagnostic]) -> UsageError {
    print_diagnostics(file, diagnostics);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    UsageError(format!(
        "{} is not a valid policy ({errors} error{}, listed above)",
        shown(file),
        if errors == 1 { "" } else { "s" },
    ))
}

pub(super) fn print_diagnostics(file: &Path, diagnostics: &[Diagnostic]) {
    let file = shown(file);
    for diagnostic in diagnostics {
        eprintln!("{file}:{}", escape_controls(&diagnostic.to_string()));
    }
}

/// A path as it may be printed: file names can hold control characters too.
pub(super) fn shown(file: &Path) -> String {
    escape_controls(&file.display().to_string()).into_owned()
}

fn no_such_policy(name: &str) -> UsageError {
    UsageError(format!(
        "no saved policy is named {}; see `imgreaper policy list`",
        escape_controls(name)
    ))
}

/// The name to save under: `--name`, else the file's stem. Control characters are refused: a
/// name is printed in tables and logs, and could otherwise rewrite an operator's screen.
pub(super) fn default_name(file: &Path, name: Option<String>) -> Result<String> {
    let name = name.or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()));
    match name {
        Some(name) if !name.trim().is_empty() => {
            crate::node::policy_apply::check_name(&name)?;
            Ok(name)
        }
        _ => Err(UsageError(format!(
            "cannot name a policy after {}; pass --name NAME",
            shown(file)
        ))
        .into()),
    }
}

fn audit_entry(action: &str, name: &str, result: &str) -> NewAudit {
    NewAudit::policy(unix_now(), &actor(), action, name).result(result)
}

fn apply(context: &Context, file: &Path, name: Option<String>) -> Result<ExitCode> {
    let (document, warnings) = load(file)?;
    print_diagnostics(file, &warnings);
    let name = default_name(file, name)?;
    let mut store = context.store()?;
    crate::node::policy_apply::apply(
        &mut store,
        &name,
        &document,
        &file.display().to_string(),
        &actor(),
        unix_now(),
    )?;
    println!(
        "saved policy {} with {}",
        escape_controls(&name),
        count(document.rules.len(), "rule", "rules")
    );
    Ok(ExitCode::SUCCESS)
}

async fn preview(
    context: &Context,
    file: &Path,
    json: bool,
    name: Option<String>,
) -> Result<ExitCode> {
    let (document, warnings) = load(file)?;
    print_diagnostics(file, &warnings);
    let name = default_name(file, name)?;
    let engine = context.engine().await?;
    let store = context.reader()?;
    let snapshot = Snapshot::read(
        EngineReading::take(&engine).await?,
        &store,
        &crate::node::clock::SystemClock,
    )?;
    if json {
        let out = preview_report(&snapshot, &name, &document);
        println!("{}", json_for_terminal(serde_json::to_string_pretty(&out)?));
        return Ok(ExitCode::SUCCESS);
    }
    let now = snapshot.now;
    let preview = preview_save(&snapshot, &name, &document);
    let placement = StoredPolicy {
        name: name.clone(),
        document: document.clone(),
        saved_at: now,
        version: 0,
    }
    .placement(&snapshot.node);
    let (rules, summary) = (&preview.rules, &preview.summary);
    let matched: Vec<_> = preview
        .after
        .iter()
        .filter(|row| preview.matched_by_policy(row, &name))
        .collect();
    let rows: Vec<Vec<String>> = matched
        .iter()
        .map(|row| {
            vec![
                row.key(&snapshot.inventory),
                bytes(snapshot.inventory.images[row.image].size),
                row.state_text(),
                match (row.kept_by, row.winner) {
                    (Some(keep), _) => rules.keeps[keep].label(),
                    (None, Some(winner)) => rules.rules[winner].label(),
                    (None, None) => "-".into(),
                },
                row.deadline
                    .map_or_else(|| "-".into(), |d| relative(d, now)),
            ]
        })
        .collect();
    println!("{}", escape_controls(&placement.to_string()));
    if !placement.is_placed() {
        println!("its rules would apply nothing on this node");
    }
    table::print(&["REFERENCE", "SIZE", "STATE", "RULE", "REMOVAL"], &rows);
    println!(
        "\n{} matched; on save: {} newly scheduled, {} newly spared; the node then frees {} within 1h, {} within 1d, all policies together (nothing saved)",
        count(summary.matched, "reference", "references"),
        summary.newly_scheduled,
        summary.newly_spared,
        bytes(summary.bytes_within_hour),
        bytes(summary.bytes_within_day)
    );
    if let Some(pressure) = &summary.disk_pressure {
        println!("{}", pressure.sentence());
    } else if let Some(disk) = snapshot.disk.describe(preview.rules.disk) {
        println!("{}", escape_controls(&disk));
    }
    Ok(ExitCode::SUCCESS)
}

fn list(context: &Context, json: bool) -> Result<ExitCode> {
    let store = context.reader()?;
    let node = this_node()?;
    let now = unix_now();
    let policies = store.policies()?;
    if json {
        let out: Vec<serde_json::Value> = policies
            .iter()
            .map(|p| {
                let status = p.status(&node, now);
                serde_json::json!({
                    "name": p.name,
                    "rules": p.document.rules.len(),
                    "status": status.word(),
                    "placed": p.placement(&node).is_placed(),
                    "why_not": match &status {
                        Status::Applies => None,
                        other => Some(other.to_string()),
                    },
                    "start": match p.document.start {
                        Some(crate::core::policy::Start::At(at)) => Some(rfc3339(at)),
                        _ => None,
                    },
                    "saved": rfc3339(p.saved_at),
                })
            })
            .collect();
        println!("{}", json_for_terminal(serde_json::to_string_pretty(&out)?));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = policies
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.document.rules.len().to_string(),
                p.status(&node, now).word().to_string(),
                match p.document.start {
                    Some(crate::core::policy::Start::At(at)) => rfc3339(at),
                    _ => "-".to_string(),
                },
                rfc3339(p.saved_at),
            ]
        })
        .collect();
    table::print(&["NAME", "RULES", "STATUS", "START", "SAVED"], &rows);
    // Why a policy does not apply here, one line each: the reason does not fit a column.
    for p in &policies {
        if let Status::NotPlaced(_) = p.status(&node, now) {
            println!(
                "{}: {}",
                escape_controls(&p.name),
                escape_controls(&p.status(&node, now).to_string())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export(context: &Context, name: &str, spelling: Option<Spelling>) -> Result<ExitCode> {
    let store = context.reader()?;
    let Some(policy) = store.policy(name)? else {
        return Err(no_such_policy(name).into());
    };
    let spelling = spelling.unwrap_or(policy.document.spelling);
    println!(
        "{}",
        json_for_terminal(serde_json::to_string_pretty(
            &policy.document.to_json(spelling)
        )?)
    );
    Ok(ExitCode::SUCCESS)
}

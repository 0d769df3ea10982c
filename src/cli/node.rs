//! `imgreaper node`: this node as placement sees it (§13), or a check of a node policy file.

use super::policy::{print_diagnostics, shown};
use super::{UsageError, policy_file, table};
use crate::core::doc::{Diagnostic, Severity};
use crate::core::format::json_for_terminal;
use crate::core::placement::{Node, NodePolicy, parse_node_policy};
use crate::node::placement::{built_in_properties, node_policy_path};
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

pub fn run(check: Option<&Path>, json: bool) -> Result<ExitCode> {
    if let Some(file) = check {
        load(file)?;
        println!("{}: valid", shown(file));
        return Ok(ExitCode::SUCCESS);
    }
    let (path, named) = node_policy_path();
    let policy = if named || path.exists() {
        Some(load(&path)?)
    } else {
        None
    };
    let node = Node::new(&policy.clone().unwrap_or_default(), built_in_properties());
    if json {
        let out = serde_json::json!({
            "node_policy": policy.as_ref().map(|_| path.display().to_string()),
            "pattern": node.pattern,
            "properties": node.properties,
            "constraints": node.constraints.iter().map(|c| &c.text).collect::<Vec<_>>(),
        });
        println!("{}", json_for_terminal(serde_json::to_string_pretty(&out)?));
        return Ok(ExitCode::SUCCESS);
    }
    match &policy {
        Some(_) => println!("node policy: {}", shown(&path)),
        None => println!(
            "node policy: none ({} does not exist; only the built-in properties place policies)",
            shown(&path)
        ),
    }
    println!(
        "pattern: {}",
        node.pattern
            .as_deref()
            .unwrap_or("none (policies are placed by constraints)")
    );
    let built_ins = built_in_properties();
    let rows: Vec<Vec<String>> = node
        .properties
        .iter()
        .map(|p| {
            let source = if built_ins.contains(p) {
                "built-in"
            } else {
                "node policy"
            };
            vec![
                p.name.clone(),
                p.value.to_string(),
                p.kind.clone().unwrap_or_else(|| "-".into()),
                source.into(),
            ]
        })
        .collect();
    println!();
    table::print(&["PROPERTY", "VALUE", "TYPE", "SOURCE"], &rows);
    println!();
    if node.constraints.is_empty() {
        println!("constraints: none (every policy's properties are accepted)");
    } else {
        println!("constraints (each must hold for a policy's properties):");
        for constraint in &node.constraints {
            println!(
                "  {}",
                crate::core::format::escape_controls(&constraint.text)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a node policy file, printing every finding; errors exit 2.
fn load(file: &Path) -> Result<NodePolicy> {
    let text = policy_file::read(file)?;
    match parse_node_policy(&text) {
        Ok((policy, warnings)) => {
            print_diagnostics(file, &warnings);
            Ok(policy)
        }
        Err(diagnostics) => {
            print_diagnostics(file, &diagnostics);
            Err(invalid(file, &diagnostics).into())
        }
    }
}

fn invalid(file: &Path, diagnostics: &[Diagnostic]) -> UsageError {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    UsageError(format!(
        "{} is not a valid node policy ({errors} error{}, listed above)",
        shown(file),
        if errors == 1 { "" } else { "s" },
    ))
}

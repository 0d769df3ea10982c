//! What every fleet command prints the same way: a node's error, the summary, the JSON array,
//! the exit code, and the question before a change.

use crate::cli::UsageError;
use crate::core::format::{escape_controls, json_for_terminal};
use crate::fleet::error::NodeError;
use crate::fleet::run::Outcome;
use anyhow::Result;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// How a command that changes nodes may go ahead.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub yes: bool,
    pub json: bool,
}

/// Asks on the terminal; `--yes` answers for the operator. Without a terminal and without
/// `--yes`, nothing is done and that is said (exit 2).
pub fn confirm(question: &str, ask: Ask) -> Result<bool> {
    if ask.yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(UsageError(
            "nothing was done: there is no terminal to ask on; pass --yes to act".into(),
        )
        .into());
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// `node: error` as a line of output, escaped for the terminal.
pub fn error_line(node: &str, error: &NodeError) -> String {
    format!(
        "{}: {}",
        escape_controls(node),
        escape_controls(&error.to_string())
    )
}

/// The JSON object every node's entry starts with: `node`, `error` (null when fine) and
/// `error_kind`.
pub fn entry<T>(outcome: &Outcome<T>) -> serde_json::Map<String, Value> {
    let mut object = serde_json::Map::new();
    object.insert("node".into(), json!(outcome.node.name));
    let (error, kind) = match &outcome.result {
        Ok(_) => (Value::Null, Value::Null),
        Err(error) => (json!(error.to_string()), json!(error.kind)),
    };
    object.insert("error".into(), error);
    object.insert("error_kind".into(), kind);
    object
}

pub fn print_json(entries: Vec<serde_json::Map<String, Value>>) -> Result<()> {
    let array: Vec<Value> = entries.into_iter().map(Value::Object).collect();
    println!(
        "{}",
        json_for_terminal(serde_json::to_string_pretty(&array)?)
    );
    Ok(())
}

/// `12 nodes: 10 answered, 2 failed (1 unreachable, 1 host key changed)`.
pub fn summary<T>(outcomes: &[Outcome<T>], verb: &str) -> String {
    let mut failures: BTreeMap<&'static str, usize> = BTreeMap::new();
    for outcome in outcomes {
        if let Err(error) = &outcome.result {
            *failures.entry(error.kind.label()).or_default() += 1;
        }
    }
    let failed: usize = failures.values().sum();
    let mut text = format!(
        "{}: {} {verb}",
        count(outcomes.len(), "node", "nodes"),
        outcomes.len() - failed
    );
    if failed > 0 {
        let kinds: Vec<String> = failures
            .iter()
            .map(|(label, n)| format!("{n} {label}"))
            .collect();
        text.push_str(&format!(", {failed} failed ({})", kinds.join(", ")));
    }
    text
}

/// 1 when any node failed.
pub fn exit<T>(outcomes: &[Outcome<T>]) -> ExitCode {
    if outcomes.iter().any(|o| o.result.is_err()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `1 node`, `3 nodes`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

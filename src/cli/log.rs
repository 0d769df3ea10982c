//! `imgreaper log`: the audit log, newest first, narrowed by time, action, actor and reference
//! pattern, with why each removal happened and what the matching removals freed in total.

use super::args::LogArgs;
use super::{Context, UsageError, table};
use crate::core::format::{bytes, count, json_for_terminal, rfc3339};
use crate::core::model::Timestamp;
use crate::core::policy::Matcher;
use crate::node::clock::unix_now;
use crate::node::store::{ACTIONS, AuditEntry, AuditFilter};
use anyhow::Result;
use std::process::ExitCode;

/// An entry's TIME, ACTOR, ACTION, REFERENCE, FREED and RESULT cells, as every log table
/// shows them.
pub(super) fn entry_cells(e: &crate::node::store::NewAudit) -> Vec<String> {
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
}

pub fn run(context: &Context, args: &LogArgs) -> Result<ExitCode> {
    let now = unix_now();
    let filter = AuditFilter {
        since: args
            .since
            .as_deref()
            .map(|t| time("--since", t, now))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| time("--until", t, now))
            .transpose()?,
        actions: actions(&args.action)?,
        actor: args.actor.clone(),
    };
    let store = context.reader()?;
    let mut entries = store.audit_matching(&filter)?;
    if let Some(pattern) = &args.pattern {
        let matcher = Matcher::new(&[pattern.as_str()]);
        let mut hits = Vec::new();
        entries.retain(|e| {
            matcher.matches_into(&e.entry.reference, &mut hits);
            !hits.is_empty()
        });
    }
    let shown = &entries[..entries.len().min(args.limit)];
    if args.json {
        println!(
            "{}",
            json_for_terminal(serde_json::to_string_pretty(shown)?)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|e| {
            let mut cells = entry_cells(&e.entry);
            cells.push(
                e.entry
                    .why
                    .as_ref()
                    .map_or_else(|| "-".to_string(), |why| why.summary(rfc3339)),
            );
            cells
        })
        .collect();
    table::print(
        &[
            "TIME",
            "ACTOR",
            "ACTION",
            "REFERENCE",
            "FREED",
            "RESULT",
            "WHY",
        ],
        &rows,
    );
    println!("{}", total(&entries, shown.len()));
    Ok(ExitCode::SUCCESS)
}

/// `5 entries; 3 removals and 1 untag freed 42.0MB` — over every matching entry, also those
/// beyond `--limit`.
fn total(entries: &[AuditEntry], shown: usize) -> String {
    let of = |action: &str| entries.iter().filter(|e| e.entry.action == action).count();
    let freed: u64 = entries
        .iter()
        .filter(|e| matches!(e.entry.action.as_str(), "remove" | "untag"))
        .map(|e| e.entry.bytes_freed)
        .sum();
    let mut text = format!(
        "{}; {} and {} freed {}",
        count(entries.len(), "entry", "entries"),
        count(of("remove"), "removal", "removals"),
        count(of("untag"), "untag", "untags"),
        bytes(freed)
    );
    if shown < entries.len() {
        text.push_str(&format!("; the newest {shown} shown (--limit shows more)"));
    }
    text
}

/// A time as `--since`/`--until` take it: RFC 3339, or a duration back from now.
fn time(flag: &str, text: &str, now: Timestamp) -> Result<Timestamp> {
    if let Ok(at) = humantime::parse_rfc3339_weak(text) {
        let seconds = match at.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        return Ok(seconds);
    }
    match humantime::parse_duration(text) {
        Ok(ago) => Ok(now.saturating_sub(i64::try_from(ago.as_secs()).unwrap_or(i64::MAX))),
        Err(_) => Err(UsageError(format!(
            "{flag} {text:?} is neither a time nor a duration: write a time such as \
             2024-05-01T22:00:00Z, or how long ago, such as 12h or 2days"
        ))
        .into()),
    }
}

fn actions(given: &[String]) -> Result<Vec<String>> {
    for action in given {
        if !ACTIONS.contains(&action.as_str()) {
            return Err(UsageError(format!(
                "--action {action:?} is not an action the log records; it records {}",
                ACTIONS.join(", ")
            ))
            .into());
        }
    }
    Ok(given.to_vec())
}

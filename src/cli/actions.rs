//! Manual actions on the command line: `remove`, `postpone`, `pin`, `unpin`, `approve`, `adopt`,
//! `disown`. What they do and check is `crate::node::actions`' (the same for `rpc`); this file
//! reads the snapshot and prints each line.

use super::{Context, UsageError, actor};
use crate::core::format::{bytes, escape_controls, relative, rfc3339};
use crate::core::plan::RefState;
use crate::core::snapshot::Snapshot;
use crate::node::actions::resolve::resolve;
use crate::node::actions::{self, How, Kind, Line};
use crate::node::clock::{SystemClock, unix_now};
use crate::node::manual;
use crate::node::snapshot::EngineReading;
use crate::node::store::{Owner, Store};
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

async fn snapshot(context: &Context) -> Result<(Store, Snapshot)> {
    let engine = context.engine().await?;
    let store = context.store()?;
    let snapshot = Snapshot::read(EngineReading::take(&engine).await?, &store, &SystemClock)?;
    Ok((store, snapshot))
}

/// Prints each line where it belongs (refusals and failures on standard error); exit 1 if any
/// target failed.
pub fn print(lines: &[Line]) -> ExitCode {
    let mut failed = 0;
    for line in lines {
        let text = escape_controls(&line.text);
        match line.kind {
            Kind::Done | Kind::Would | Kind::Note | Kind::Absent => println!("{text}"),
            Kind::Warning => eprintln!("{text}"),
            Kind::Refused | Kind::Failed => {
                eprintln!("{text}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub async fn remove(context: &Context, names: &[String], ignore_keep: bool) -> Result<ExitCode> {
    let engine = context.engine().await?;
    let mut store = context.store_even_when_full()?;
    let snapshot = Snapshot::read(EngineReading::take(&engine).await?, &store, &SystemClock)?;
    let lines = actions::remove(
        &engine,
        &mut store,
        &snapshot,
        names,
        ignore_keep,
        How::default(),
        &actor(),
        &Owner::this_process("cli"),
        &SystemClock,
    )
    .await?;
    Ok(print(&lines))
}

pub async fn postpone(context: &Context, name: &str, duration: Duration) -> Result<ExitCode> {
    let seconds = crate::core::policy::limits::checked_duration_secs("--for", duration)
        .map_err(UsageError)?;
    let (mut store, snapshot) = snapshot(context).await?;
    let names = [name.to_string()];
    let lines = actions::postpone(
        &mut store,
        &snapshot,
        &names,
        seconds,
        How::default(),
        &actor(),
    )?;
    Ok(print(&lines))
}

pub async fn end_postponement(context: &Context, name: &str) -> Result<ExitCode> {
    let (mut store, snapshot) = snapshot(context).await?;
    let target = resolve(&snapshot, name)?;
    let now = unix_now();
    let mut failed = 0;
    for result in manual::end_postponement(&mut store, &snapshot, &[target], &actor(), now)? {
        match result {
            Ok(done) => println!(
                "ended the postponement of {}: removal back to {} (was {})",
                escape_controls(&done.target.reference),
                done.back_to
                    .map_or_else(|| "none planned".to_string(), rfc3339),
                rfc3339(done.was)
            ),
            Err(refusal) => {
                eprintln!("{}: {}", escape_controls(&refusal.reference), refusal.why);
                failed += 1;
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub async fn pin(context: &Context, name: &str, pin: bool) -> Result<ExitCode> {
    let (mut store, snapshot) = snapshot(context).await?;
    let lines = actions::pin(&mut store, &snapshot, name, pin, How::default(), &actor())?;
    Ok(print(&lines))
}

pub async fn adopt(context: &Context, names: &[String], adopt: bool) -> Result<ExitCode> {
    let (mut store, snapshot) = snapshot(context).await?;
    let lines = actions::adopt(
        &mut store,
        &snapshot,
        names,
        adopt,
        How::default(),
        &actor(),
    )?;
    Ok(print(&lines))
}

/// `imgreaper approve` alone: what awaits approval, and how to approve it.
fn list_awaiting(snapshot: &Snapshot) -> ExitCode {
    let rows: Vec<Vec<String>> = snapshot
        .rows
        .iter()
        .filter(|row| row.state == RefState::AwaitingApproval)
        .map(|row| {
            let image = &snapshot.inventory.images[row.image];
            vec![
                row.key(&snapshot.inventory),
                bytes(image.size),
                row.deadline
                    .map_or_else(|| "-".to_string(), |d| relative(d, snapshot.now)),
                row.winner
                    .map_or_else(|| "-".to_string(), |w| snapshot.rules.rules[w].label()),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("nothing awaits approval");
    } else {
        super::table::print(&["REFERENCE", "SIZE", "DUE", "RULE"], &rows);
        println!(
            "{} awaiting approval: `imgreaper approve REF…` approves some, `imgreaper approve --all` all of them",
            crate::core::format::count(rows.len(), "reference", "references")
        );
    }
    ExitCode::SUCCESS
}

pub async fn approve(context: &Context, names: &[String], all: bool) -> Result<ExitCode> {
    let (mut store, snapshot) = snapshot(context).await?;
    if names.is_empty() && !all {
        if snapshot.settings.mode != crate::core::model::Mode::Approve {
            eprintln!(
                "note: the enforcer mode is {}; approvals only matter in approve mode \
                 (imgreaper settings --mode approve)",
                snapshot.settings.mode
            );
        }
        return Ok(list_awaiting(&snapshot));
    }
    let lines = actions::approve(&mut store, &snapshot, names, all, How::default(), &actor())?;
    Ok(print(&lines))
}

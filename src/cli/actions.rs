//! Manual actions on the command line: `remove`, `postpone`, `pin`, `unpin`, `approve`, `adopt`,
//! `disown`. What they do and check is `crate::node::actions`' (the same for `rpc`); this file
//! reads the snapshot and prints each line.

use super::{Context, UsageError, actor};
use crate::core::format::escape_controls;
use crate::core::snapshot::Snapshot;
use crate::node::actions::{self, How, Kind, Line};
use crate::node::clock::SystemClock;
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

pub async fn approve(context: &Context, names: &[String], all: bool) -> Result<ExitCode> {
    let (mut store, snapshot) = snapshot(context).await?;
    let lines = actions::approve(&mut store, &snapshot, names, all, How::default(), &actor())?;
    Ok(print(&lines))
}

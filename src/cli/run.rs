//! `imgreaper run`: the headless enforcer. One JSON line per action on standard output, one
//! human line per cycle on standard error; exits cleanly on SIGTERM/SIGINT.

use super::Context;
use super::args::RunArgs;
use crate::clock::{Clock, SystemClock};
use crate::enforcer::{Enforcer, Notice, run as run_enforcer};
use crate::format::relative;
use crate::model::Mode;
use crate::store::LeaseKind;
use anyhow::{Result, anyhow};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

pub async fn run(context: &Context, args: RunArgs) -> Result<ExitCode> {
    let mut store = context.store()?;
    let mut settings = store.settings()?;
    if args.dry_run {
        settings.mode = Mode::DryRun;
    }
    if let Some(mode) = &args.mode {
        settings.mode = Mode::parse(mode).ok_or_else(|| anyhow!("unknown mode {mode}"))?;
    }
    let seconds = |d: humantime::Duration| d.as_secs().min(i64::MAX as u64 / 4) as i64;
    if let Some(d) = args.startup_delay {
        settings.startup_delay_secs = seconds(d);
    }
    if let Some(d) = args.min_age {
        settings.min_age_secs = seconds(d);
    }
    if let Some(d) = args.interval {
        settings.interval_secs = seconds(d).max(1);
    }
    store.save_settings(&settings)?;
    let engine = connect_with_retry(context, args.once).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let enforcer = Enforcer::new(engine, store, clock.clone(), LeaseKind::Service)
        .with_action_sink(Box::new(|action| {
            // One JSON line per action, flushed at once so a log collector sees it immediately.
            if let Ok(line) = serde_json::to_string(action) {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
        }));
    eprintln!(
        "imgreaper run: {} in {} mode, start-up delay {}s, minimum age {}s, interval {}s",
        enforcer.holder(),
        settings.mode,
        settings.startup_delay_secs,
        settings.min_age_secs,
        settings.interval_secs
    );

    let (stop, stopped) = watch::channel(false);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        let _ = stop.send(true);
    });

    run_enforcer(enforcer, settings.interval_secs, args.once, stopped, |notice| match notice {
        Notice::Cycle(report) => {
            if !report.leased {
                eprintln!(
                    "imgreaper run: standing by; the enforcer lease is held by {}",
                    report.lease_holder.as_deref().unwrap_or("another process")
                );
                return;
            }
            eprintln!(
                "imgreaper run: {} images, {} references, {} scheduled, {} awaiting approval, {} actions; next removal {}",
                report.images,
                report.references,
                report.scheduled,
                report.awaiting_approval,
                report.actions.len(),
                report
                    .next_deadline
                    .map_or_else(|| "none planned".to_string(), |d| relative(d, clock.now()))
            );
        }
        Notice::Outage { error, retry_in } => {
            eprintln!("imgreaper run: engine unreachable, retrying in {}s: {error}", retry_in.as_secs())
        }
    })
    .await?;
    eprintln!("imgreaper run: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The service may start before the engine: wait for it (unless `--once`).
async fn connect_with_retry(context: &Context, once: bool) -> Result<crate::engine::Engine> {
    let mut backoff = std::time::Duration::from_secs(1);
    loop {
        match context.engine().await {
            Ok(engine) => return Ok(engine),
            Err(error) if once => return Err(error),
            Err(error) => {
                eprintln!(
                    "imgreaper run: {error:#}; retrying in {}s",
                    backoff.as_secs()
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
            }
        }
    }
}

//! `imgreaper run`: the headless enforcer. One JSON line per action on standard output, one
//! human line per cycle on standard error; stops within a second or two on SIGTERM/SIGINT,
//! whatever is in flight. Flags apply to this process only; `imgreaper settings` stores them.

use super::Context;
use super::args::RunArgs;
use super::metrics_file::{self, MetricsFile};
use crate::core::format::{escape_controls, json_for_terminal, relative};
use crate::core::model::Mode;
use crate::core::settings::SettingsOverride;
use crate::node::clock::{Clock, SystemClock};
use crate::node::enforcer::{CycleReport, Enforcer, Notice, run as run_enforcer};
use crate::node::engine::Engine;
use crate::node::store::LeaseKind;
use crate::node::watcher::Backoff;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// The command line's settings, for this process only.
pub fn overrides(args: &RunArgs) -> Result<SettingsOverride, super::UsageError> {
    let mut overrides = args.settings.to_override()?;
    if args.dry_run {
        overrides.mode = Some(Mode::DryRun);
    }
    Ok(overrides)
}

pub async fn run(context: &Context, args: RunArgs) -> Result<ExitCode> {
    let overrides = overrides(&args)?;
    // On a full disk the service starts all the same: removing images is how space comes back.
    let store = context.store_even_when_full()?;
    let settings = overrides.apply(store.settings()?);

    let (stop, mut stopped) = watch::channel(false);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        let _ = stop.send(true);
    });

    let Some(engine) = connect_with_retry(context, args.once, &mut stopped).await? else {
        eprintln!("imgreaper run: stopped before the engine answered");
        // A cron run that checked nothing has not done its job.
        return Ok(if args.once {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let metrics = match &args.metrics_file {
        Some(path) => Some(MetricsFile::new(path.clone(), context.store()?)),
        None => None,
    };
    let sink_metrics = metrics.clone();
    let enforcer = Enforcer::new(engine, store, clock.clone(), LeaseKind::Service)
        .with_overrides(overrides)
        .with_action_sink(Box::new(move |action| {
            // One JSON line per action, flushed at once so a log collector sees it immediately.
            if let Ok(line) = serde_json::to_string(action).map(json_for_terminal) {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
            metrics_file::with(&sink_metrics, MetricsFile::action);
        }));
    eprintln!(
        "imgreaper run: {} in {} mode, start-up delay {}s, minimum age {}s, interval {}s",
        enforcer.holder(),
        settings.mode,
        settings.startup_delay_secs,
        settings.min_age_secs,
        settings.interval_secs
    );

    let mut mode = settings.mode;
    let last = run_enforcer(
        enforcer,
        settings.interval_secs,
        args.once,
        stopped,
        |notice| match notice {
            Notice::Cycle(report) => {
                if let Some(now_in) = report.mode.filter(|m| report.leased && *m != mode) {
                    eprintln!("imgreaper run: now in {now_in} mode (was {mode}): the stored settings changed");
                    mode = now_in;
                }
                describe_cycle(&report, clock.now());
                metrics_file::with(&metrics, |m| m.cycle(&report));
            }
            Notice::Outage { error, retry_in } => {
                eprintln!(
                    "imgreaper run: engine unreachable, retrying in {}s: {}",
                    retry_in.as_secs(),
                    escape_controls(&error)
                );
                metrics_file::with(&metrics, MetricsFile::outage);
            }
            Notice::Fault { error, retry_in } => eprintln!(
                "imgreaper run: {}; retrying in {}s",
                escape_controls(&error),
                retry_in.as_secs()
            ),
        },
    )
    .await?;
    eprintln!("imgreaper run: stopped");
    // A cron run says so when what was due did not all happen.
    Ok(match last {
        Some(report) if !report.failures.is_empty() || report.unrecorded > 0 => {
            if report.unrecorded > 0 {
                eprintln!(
                    "imgreaper run: {} actions could not be written to the audit log (disk full) \
                     and are lost from it; their JSON lines above are the only record",
                    report.unrecorded
                );
            }
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    })
}

fn describe_cycle(report: &CycleReport, now: i64) {
    if !report.leased {
        eprintln!(
            "imgreaper run: standing by; the enforcer lease is held by {}",
            escape_controls(report.lease_holder.as_deref().unwrap_or("another process"))
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
            .map_or_else(|| "none planned".to_string(), |d| relative(d, now))
    );
    if report.unrecorded > 0 {
        eprintln!(
            "imgreaper run: the disk holding the database is full: {} actions are not in the audit \
             log yet (each was printed above as a JSON line); they are written as soon as there is room",
            report.unrecorded
        );
    }
    for (reference, why) in &report.failures {
        eprintln!(
            "imgreaper run: {}: {}",
            escape_controls(reference),
            escape_controls(why)
        );
    }
    // With disk-pressure marks: where usage stands, or that it cannot be read.
    if let Some(disk) = &report.disk {
        eprintln!("imgreaper run: {}", escape_controls(disk));
    }
}

/// The service may start before the engine: wait for it (unless `--once`), until told to stop.
async fn connect_with_retry(
    context: &Context,
    once: bool,
    stopped: &mut watch::Receiver<bool>,
) -> Result<Option<Engine>> {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        let attempt = tokio::select! {
            attempt = context.engine() => attempt,
            _ = stopped.changed() => return Ok(None),
        };
        match attempt {
            Ok(engine) => return Ok(Some(engine)),
            Err(error) if once => return Err(error),
            Err(error) => {
                let delay = backoff.next_delay();
                eprintln!(
                    "imgreaper run: {}; retrying in {}s",
                    escape_controls(&format!("{error:#}")),
                    delay.as_secs()
                );
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped.changed() => return Ok(None),
                }
            }
        }
    }
}

//! `imgreaper settings`: shows the stored enforcer settings, or changes them (audited). The only
//! way, with the console, that stored settings change (DESIGN.md §12).

use super::args::SettingsArgs;
use super::{Context, actor};
use crate::clock::unix_now;
use crate::model::Mode;
use crate::policy::limits::checked_duration_secs;
use crate::store::{NewAudit, Settings};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(context: &Context, args: SettingsArgs) -> Result<ExitCode> {
    let seconds = |flag: &str, d: Option<humantime::Duration>| {
        d.map(|d| checked_duration_secs(flag, d.into()))
            .transpose()
            .map_err(super::UsageError)
    };
    let mode = args.mode.as_deref().and_then(Mode::parse);
    let startup_delay = seconds("--startup-delay", args.startup_delay)?;
    let min_age = seconds("--min-age", args.min_age)?;
    let interval = seconds("--interval", args.interval)?;
    let changing =
        mode.is_some() || startup_delay.is_some() || min_age.is_some() || interval.is_some();
    if !changing {
        // Showing only reads: it works on a full disk and for a user who may only read.
        let store = context.reader()?;
        print(&store.settings()?);
        if let Some(lease) = store.lease(unix_now())?
            && let Some(view) = lease.view
            && view.settings != store.settings()?
        {
            println!("(the enforcer {} runs with:)", lease.holder);
            print(&view.settings);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = context.store()?;
    let before = store.settings()?;
    let after = Settings {
        mode: mode.unwrap_or(before.mode),
        startup_delay_secs: startup_delay.unwrap_or(before.startup_delay_secs),
        min_age_secs: min_age.unwrap_or(before.min_age_secs),
        interval_secs: interval.map_or(before.interval_secs, |s| s.max(1)),
    };
    store.save_settings(&after)?;
    store.audit(
        &NewAudit::new(unix_now(), &actor(), "settings", "settings", "").result(format!(
            "{} (was {})",
            line(&after),
            line(&before)
        )),
    )?;
    print(&after);
    Ok(ExitCode::SUCCESS)
}

fn line(s: &Settings) -> String {
    format!(
        "mode {}, start-up delay {}s, minimum age {}s, interval {}s",
        s.mode, s.startup_delay_secs, s.min_age_secs, s.interval_secs
    )
}

fn print(s: &Settings) {
    println!("mode           {}", s.mode);
    println!("startup-delay  {}s", s.startup_delay_secs);
    println!("min-age        {}s", s.min_age_secs);
    println!("interval       {}s", s.interval_secs);
}

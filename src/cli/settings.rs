//! `imgreaper settings`: shows the stored enforcer settings, or changes them (audited). The only
//! way, with the console, that stored settings change (DESIGN.md §12).

use super::args::SettingsArgs;
use super::{Context, actor};
use crate::core::settings::{Settings, SettingsOverride};
use crate::node::clock::{Clock, SystemClock, unix_now};
use crate::node::store::NewAudit;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(context: &Context, args: SettingsArgs) -> Result<ExitCode> {
    let change = args.settings.to_override()?;
    if change == SettingsOverride::default() {
        let store = context.reader()?;
        let stored = store.settings()?;
        print(&stored);
        if let Some(lease) = store.lease(&SystemClock.moment())?
            && let Some(view) = lease.view
            && view.settings != stored
        {
            println!("(the enforcer {} runs with:)", lease.holder);
            print(&view.settings);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = context.store()?;
    let before = store.settings()?;
    let after = change.apply(before);
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

//! Small persisted settings: the enforcer's mode and its guards.

use super::Store;
use crate::core::model::Mode;
use crate::core::settings::Settings;

/// When events were read: (boot, time since boot, the boot's wall-clock offset then).
pub type ReadAt = (
    crate::core::time::BootId,
    i64,
    crate::core::model::Timestamp,
);
use anyhow::{Result, anyhow};
use rusqlite::{OptionalExtension, params};

impl Store {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn settings(&self) -> Result<Settings> {
        let defaults = Settings::default();
        let number = |key: &str, default: i64| -> Result<i64> {
            match self.setting(key)? {
                Some(text) => text
                    .parse()
                    .map_err(|_| anyhow!("setting {key} holds {text:?}, not a number of seconds")),
                None => Ok(default),
            }
        };
        let mode = match self.setting("mode")? {
            Some(text) => {
                Mode::parse(&text).ok_or_else(|| anyhow!("setting mode holds unknown {text:?}"))?
            }
            None => defaults.mode,
        };
        Ok(Settings {
            mode,
            startup_delay_secs: number("startup_delay_secs", defaults.startup_delay_secs)?,
            min_age_secs: number("min_age_secs", defaults.min_age_secs)?,
            interval_secs: number("interval_secs", defaults.interval_secs)?,
        })
    }

    pub fn save_settings(&mut self, settings: &Settings) -> Result<()> {
        self.set_setting("mode", settings.mode.as_str())?;
        self.set_setting(
            "startup_delay_secs",
            &settings.startup_delay_secs.to_string(),
        )?;
        self.set_setting("min_age_secs", &settings.min_age_secs.to_string())?;
        self.set_setting("interval_secs", &settings.interval_secs.to_string())
    }
}

impl Store {
    /// Where the enforcer stopped reading the engine's events (`secs.nanos`, as the engine's
    /// `since` takes it), if it ever read them.
    pub fn event_cursor(&self) -> Result<Option<String>> {
        self.setting("event_cursor")
    }

    /// When the events up to the cursor were read, if known: (boot, time since boot, the
    /// boot's wall-clock offset then).
    pub fn events_read_at(&self) -> Result<Option<ReadAt>> {
        Ok(self.setting("events_read_at")?.and_then(|text| {
            let mut parts = text.split(' ');
            let boot = u128::from_str_radix(parts.next()?, 16).ok()?;
            let up = parts.next()?.parse().ok()?;
            let offset = parts.next()?.parse().ok()?;
            Some((boot, up, offset))
        }))
    }
}

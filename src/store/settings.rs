//! Small persisted settings: the enforcer's mode and its guards.

use super::Store;
use crate::model::{Guards, Mode};
use anyhow::{Result, anyhow};
use rusqlite::{OptionalExtension, params};

/// The settings an enforcer runs with when no flag overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub mode: Mode,
    pub startup_delay_secs: i64,
    pub min_age_secs: i64,
    pub interval_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Auto,
            startup_delay_secs: Guards::DEFAULT_STARTUP_DELAY_SECS,
            min_age_secs: Guards::DEFAULT_MIN_AGE_SECS,
            interval_secs: 60,
        }
    }
}

/// Settings given on one process's command line: they apply to that process only (DESIGN §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettingsOverride {
    pub mode: Option<Mode>,
    pub startup_delay_secs: Option<i64>,
    pub min_age_secs: Option<i64>,
    pub interval_secs: Option<i64>,
}

impl SettingsOverride {
    pub fn apply(&self, stored: Settings) -> Settings {
        Settings {
            mode: self.mode.unwrap_or(stored.mode),
            startup_delay_secs: self.startup_delay_secs.unwrap_or(stored.startup_delay_secs),
            min_age_secs: self.min_age_secs.unwrap_or(stored.min_age_secs),
            interval_secs: self.interval_secs.unwrap_or(stored.interval_secs),
        }
    }
}

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
}

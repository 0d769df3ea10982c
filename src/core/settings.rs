//! The settings an enforcer runs with: stored once, overridden per process by flags (§12).

use crate::core::model::{Guards, Mode};
use serde::{Deserialize, Serialize};

/// The settings an enforcer runs with when no flag overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

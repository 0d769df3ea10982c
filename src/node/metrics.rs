//! Metrics in the Prometheus text format, for node_exporter's textfile collector: rendered from
//! plain data (pure), and written atomically (a temporary file renamed over the old one), so the
//! collector never reads half a file.

use crate::core::model::{Mode, Timestamp};
use crate::core::plan::RefState;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Everything the metrics say, gathered by whoever runs the enforcer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// (`action:ACTION` or `freed_bytes`, value) from the store's counters.
    pub counters: Vec<(String, u64)>,
    /// References by state (`RefState::name`), as of the last cycle.
    pub states: BTreeMap<&'static str, usize>,
    pub next_removal: Option<Timestamp>,
    pub engine_up: bool,
    pub mode: Option<Mode>,
    /// Whether this enforcer holds the lease (acts), or stands by.
    pub active: bool,
    pub last_cycle: Option<Timestamp>,
    pub unrecorded: usize,
    /// The filesystem holding the engine's data root.
    pub disk: Option<crate::core::disk::DiskUse>,
    /// The disk-pressure marks (high, low percent), if a policy sets them.
    pub disk_marks: Option<(u8, u8)>,
}

/// Audit actions that are removals, and the result label each is counted under.
const REMOVAL_RESULTS: [(&str, &str); 7] = [
    ("remove", "removed"),
    ("untag", "untagged"),
    ("refused", "refused"),
    ("gone", "gone"),
    ("skipped", "skipped"),
    ("failed", "failed"),
    ("would-remove", "would_remove"),
];

/// Every state a reference can be in, so each series exists even at zero.
const STATES: [RefState; 9] = [
    RefState::InUse,
    RefState::Pinned,
    RefState::Kept,
    RefState::NoRule,
    RefState::Spared,
    RefState::Scheduled,
    RefState::Postponed { until: 0 },
    RefState::Due,
    RefState::AwaitingApproval,
];

struct Writer(String);

impl Writer {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect();
        if labels.is_empty() {
            let _ = writeln!(self.0, "{name} {value}");
        } else {
            let _ = writeln!(self.0, "{name}{{{}}} {value}", labels.join(","));
        }
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn render(metrics: &Metrics) -> String {
    let mut out = Writer(String::new());
    let counter = |name: &str| {
        metrics
            .counters
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, v)| *v)
    };

    out.family(
        "imgreaper_removals_total",
        "counter",
        "Removals by result since the database was created (would_remove: dry-run mode).",
    );
    for (action, result) in REMOVAL_RESULTS {
        let value = counter(&format!("action:{action}"));
        out.sample("imgreaper_removals_total", &[("result", result)], value);
    }
    out.family(
        "imgreaper_freed_bytes_total",
        "counter",
        "Bytes freed by removing images since the database was created.",
    );
    out.sample("imgreaper_freed_bytes_total", &[], counter("freed_bytes"));

    out.family(
        "imgreaper_references",
        "gauge",
        "Image references by state, as of the last cycle.",
    );
    for state in STATES {
        let count = metrics.states.get(state.name()).copied().unwrap_or(0);
        out.sample("imgreaper_references", &[("state", state.name())], count);
    }
    if let Some(next) = metrics.next_removal {
        out.family(
            "imgreaper_next_removal_timestamp_seconds",
            "gauge",
            "When the next planned removal is due (Unix time).",
        );
        out.sample("imgreaper_next_removal_timestamp_seconds", &[], next);
    }
    out.family(
        "imgreaper_engine_up",
        "gauge",
        "Whether the Docker engine answered the last request (1) or not (0).",
    );
    out.sample("imgreaper_engine_up", &[], u8::from(metrics.engine_up));
    out.family(
        "imgreaper_enforcer_active",
        "gauge",
        "Whether this enforcer holds the lease and acts (1) or stands by (0).",
    );
    out.sample("imgreaper_enforcer_active", &[], u8::from(metrics.active));
    if let Some(mode) = metrics.mode {
        out.family(
            "imgreaper_enforcer_mode",
            "gauge",
            "The enforcer's mode: 1 for the mode it acts in, 0 for the others.",
        );
        for candidate in [Mode::Auto, Mode::Approve, Mode::DryRun] {
            out.sample(
                "imgreaper_enforcer_mode",
                &[("mode", candidate.as_str())],
                u8::from(candidate == mode),
            );
        }
    }
    if let Some(last) = metrics.last_cycle {
        out.family(
            "imgreaper_last_cycle_success_timestamp_seconds",
            "gauge",
            "When the last cycle completed (Unix time).",
        );
        out.sample("imgreaper_last_cycle_success_timestamp_seconds", &[], last);
    }
    out.family(
        "imgreaper_unrecorded_actions",
        "gauge",
        "Actions taken but not yet written to the audit log (the disk is full).",
    );
    out.sample("imgreaper_unrecorded_actions", &[], metrics.unrecorded);
    if let Some(disk) = metrics.disk {
        out.family(
            "imgreaper_data_root_used_bytes",
            "gauge",
            "Bytes used on the filesystem holding the engine's data root.",
        );
        out.sample("imgreaper_data_root_used_bytes", &[], disk.used);
        out.family(
            "imgreaper_data_root_size_bytes",
            "gauge",
            "Size of the filesystem holding the engine's data root.",
        );
        out.sample("imgreaper_data_root_size_bytes", &[], disk.size);
        out.family(
            "imgreaper_data_root_used_ratio",
            "gauge",
            "Fraction of the data root's filesystem in use (0 to 1), as df counts it: used over used plus available.",
        );
        let ratio = if disk.total == 0 {
            1.0
        } else {
            disk.used as f64 / disk.total as f64
        };
        out.sample("imgreaper_data_root_used_ratio", &[], format!("{ratio:.6}"));
    }
    if let Some((high, low)) = metrics.disk_marks {
        out.family(
            "imgreaper_disk_pressure_watermark_ratio",
            "gauge",
            "Disk-pressure marks: removing starts at `high` and stops at `low` (0 to 1).",
        );
        let ratio = |percent: u8| f64::from(percent) / 100.0;
        out.sample(
            "imgreaper_disk_pressure_watermark_ratio",
            &[("mark", "high")],
            ratio(high),
        );
        out.sample(
            "imgreaper_disk_pressure_watermark_ratio",
            &[("mark", "low")],
            ratio(low),
        );
    }
    out.0
}

/// Replaces `path` with `text` atomically: written to a new file beside it (created exclusively
/// under a random hidden name, never through a link someone left there), readable by the
/// textfile collector whatever the umask, then renamed over it.
pub fn write_atomically(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imgreaper.prom".to_string());
    // Hidden and not `*.prom`, which the collector would read half-written.
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot create a temporary metrics file in {}",
                dir.display()
            )
        })?;
    temporary
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .and_then(|()| temporary.write_all(text.as_bytes()))
        .with_context(|| {
            format!(
                "cannot write the metrics file {}",
                temporary.path().display()
            )
        })?;
    temporary
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot move the metrics into {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_result_has_a_series_even_at_zero() {
        let text = render(&Metrics::default());
        for state in STATES {
            assert!(text.contains(&format!(
                "imgreaper_references{{state=\"{}\"}} 0",
                state.name()
            )));
        }
        assert!(text.contains("imgreaper_removals_total{result=\"removed\"} 0"));
        assert!(!text.contains("imgreaper_next_removal_timestamp_seconds"));
    }

    #[test]
    fn counters_and_mode_are_rendered() {
        let text = render(&Metrics {
            counters: vec![("action:remove".into(), 3), ("freed_bytes".into(), 42)],
            mode: Some(Mode::Approve),
            next_removal: Some(1_800_000_000),
            ..Metrics::default()
        });
        assert!(text.contains("imgreaper_removals_total{result=\"removed\"} 3"));
        assert!(text.contains("imgreaper_freed_bytes_total 42"));
        assert!(text.contains("imgreaper_enforcer_mode{mode=\"approve\"} 1"));
        assert!(text.contains("imgreaper_enforcer_mode{mode=\"auto\"} 0"));
        assert!(text.contains("imgreaper_next_removal_timestamp_seconds 1800000000"));
    }
}

//! `run --metrics-file` against the real engine, checked by Prometheus's own `promtool`.

use crate::support;

use std::process::{Command, Stdio};
use support::Sandbox;
use support::images::import;

fn promtool_check(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("promtool (Debian package prometheus; tests/engine/up installs it): {e}")
        })?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line[series.len()..].trim().parse().ok())
}

#[test]
fn run_once_writes_metrics_that_promtool_accepts_and_counters_survive_restarts() {
    let sandbox = Sandbox::new("metrics");
    for i in 0..3 {
        import(&sandbox.repo(&format!("gone:{i}")));
    }
    import(&sandbox.repo("kept:1"));
    let file = sandbox.write(
        "p.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{}/gone:*", "delete_after_minutes": 0, "agent_downloaded_only": false}}],
                 "disk": {{"high_percent": 99, "low_percent": 98}}}}}}"#,
            sandbox.prefix
        ),
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let metrics = sandbox.dir.path().join("imgreaper.prom");
    let run = |sandbox: &Sandbox| {
        sandbox.ok(&[
            "run",
            "--once",
            "--startup-delay",
            "0s",
            "--min-age",
            "0s",
            "--metrics-file",
            metrics.to_str().unwrap(),
        ]);
        std::fs::read_to_string(&metrics).expect("the metrics file is written")
    };
    let text = run(&sandbox);
    promtool_check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        value(&text, "imgreaper_removals_total{result=\"removed\"}"),
        Some(3.0),
        "{text}"
    );
    assert!(value(&text, "imgreaper_freed_bytes_total").unwrap() > 0.0);
    // Why they went, as far as a label fits: their deadline passed; none by disk or by hand.
    assert_eq!(
        value(
            &text,
            "imgreaper_removals_by_trigger_total{trigger=\"deadline\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "imgreaper_removals_by_trigger_total{trigger=\"manual\"}"
        ),
        Some(0.0),
        "{text}"
    );
    assert_eq!(value(&text, "imgreaper_engine_up"), Some(1.0));
    assert_eq!(value(&text, "imgreaper_enforcer_active"), Some(1.0));
    assert_eq!(
        value(&text, "imgreaper_enforcer_mode{mode=\"auto\"}"),
        Some(1.0)
    );
    assert!(value(&text, "imgreaper_last_cycle_success_timestamp_seconds").unwrap() > 1.7e9);
    assert!(value(&text, "imgreaper_references{state=\"no_rule\"}").unwrap() >= 1.0);
    assert_eq!(
        value(
            &text,
            "imgreaper_disk_pressure_watermark_ratio{mark=\"high\"}"
        ),
        Some(0.99)
    );
    let used = value(&text, "imgreaper_data_root_used_ratio").expect("the data root is read");
    assert!((0.0..=1.0).contains(&used), "{used}");
    // No temporary file is left for the collector to read.
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A restart keeps the counters: they live in the database.
    import(&sandbox.repo("gone:9"));
    let text = run(&sandbox);
    promtool_check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        value(&text, "imgreaper_removals_total{result=\"removed\"}"),
        Some(4.0),
        "{text}"
    );
}

//! Human formatting of sizes and times, shared by the tables and the console.

use crate::model::Timestamp;

/// Decimal units as `docker images` prints them: 1.98MB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}B")
    } else if value < 10.0 {
        format!("{value:.2}{}", UNITS[unit])
    } else if value < 100.0 {
        format!("{value:.1}{}", UNITS[unit])
    } else {
        format!("{value:.0}{}", UNITS[unit])
    }
}

/// A span as the two largest units: `4m 10s`, `2h 5m`, `3d 4h`.
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec:02}s"),
        (0, _, _) => format!("{h}h {m:02}m"),
        _ => format!("{d}d {h:02}h"),
    }
}

/// `in 4m 10s`, `3m 00s ago`, `now`.
pub fn relative(time: Timestamp, now: Timestamp) -> String {
    match time.cmp(&now) {
        std::cmp::Ordering::Equal => "now".to_string(),
        std::cmp::Ordering::Greater => format!("in {}", span(time.saturating_sub(now))),
        std::cmp::Ordering::Less => format!("{} ago", span(now.saturating_sub(time))),
    }
}

/// RFC 3339 in UTC, seconds precision.
pub fn rfc3339(time: Timestamp) -> String {
    let system = std::time::UNIX_EPOCH + std::time::Duration::from_secs(time.max(0) as u64);
    humantime::format_rfc3339_seconds(system).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(bytes(999), "999B");
        assert_eq!(bytes(1_982_256), "1.98MB");
        assert_eq!(bytes(45_300_000), "45.3MB");
        assert_eq!(bytes(123_000_000_000), "123GB");
    }

    #[test]
    fn spans_show_two_units() {
        assert_eq!(span(59), "59s");
        assert_eq!(span(250), "4m 10s");
        assert_eq!(span(7_500), "2h 05m");
        assert_eq!(span(90_000), "1d 01h");
        assert_eq!(relative(110, 100), "in 10s");
        assert_eq!(relative(40, 100), "1m 00s ago");
    }
}

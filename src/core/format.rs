//! Human formatting of sizes, times and untrusted text, shared by every front end.
//!
//! Every function here is total: any `Timestamp` (years past 9999, before 1970, `i64::MAX`) and
//! any string give a value, never a panic. A far-future deadline must not take down a command.

use crate::core::model::Timestamp;

/// Decimal units as `docker images` prints them: 1.98MB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
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

/// A span as the two largest units: `4m 10s`, `2h 5m`, `3d 4h`, `2y 10d`.
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (y, d) = (s / 31_536_000, s % 31_536_000 / 86_400);
    let (h, m, sec) = (s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    match (y, d, h, m) {
        (0, 0, 0, 0) => format!("{sec}s"),
        (0, 0, 0, _) => format!("{m}m {sec:02}s"),
        (0, 0, _, _) => format!("{h}h {m:02}m"),
        (0, _, _, _) => format!("{d}d {h:02}h"),
        _ => format!("{y}y {d}d"),
    }
}

/// A whole number of minutes as a duration an operator reads at a glance: `45m`, `1d`, `1d 6h`.
pub fn minutes(minutes: u64) -> String {
    let (d, h, m) = (minutes / 1_440, minutes % 1_440 / 60, minutes % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m}m"));
    }
    parts.join(" ")
}

/// `in 4m 10s`, `3m 00s ago`, `now`.
/// A count and its noun, singular or plural: `1 reference`, `3 references`, `2 policies`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A length of time as an operator wrote it: `2h`, `1d 2h`, `90s`.
pub fn duration(seconds: i64) -> String {
    if seconds > 0 && seconds % 60 == 0 {
        minutes((seconds / 60) as u64)
    } else {
        span(seconds)
    }
}

pub fn relative(time: Timestamp, now: Timestamp) -> String {
    match time.cmp(&now) {
        std::cmp::Ordering::Equal => "now".to_string(),
        std::cmp::Ordering::Greater => format!("in {}", span(time.saturating_sub(now))),
        std::cmp::Ordering::Less => format!("{} ago", span(now.saturating_sub(time))),
    }
}

/// A calendar date and time of day in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Seconds since the epoch to a UTC calendar time, for every `i64`
/// (Howard Hinnant's `civil_from_days`, in 128-bit arithmetic so nothing overflows).
pub fn civil(time: Timestamp) -> Civil {
    let time = i128::from(time);
    let days = time.div_euclid(86_400);
    let of_day = time.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i128::from(month <= 2);
    Civil {
        year: year as i64,
        month,
        day,
        hour: of_day / 3_600,
        minute: of_day % 3_600 / 60,
        second: of_day % 60,
    }
}

/// RFC 3339 in UTC, seconds precision: `2026-12-02T05:09:07Z`. Years outside 0000–9999 (which
/// RFC 3339 cannot spell) use ISO 8601's expanded form, `+10000-01-01T00:00:00Z`.
pub fn rfc3339(time: Timestamp) -> String {
    let c = civil(time);
    let year = match c.year {
        0..=9999 => format!("{:04}", c.year),
        y if y > 9999 => format!("+{y}"),
        y => format!("-{:04}", -y),
    };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.month, c.day, c.hour, c.minute, c.second
    )
}

/// When something happens, as a local wall-clock time that never goes stale (so it never needs a
/// redraw): `16:03` today, `Nov 21 16:03` this year, `2025-11-21 16:03` in another year; `-` for
/// none. The one format the console uses for every time.
pub fn clock_time(time: Option<Timestamp>, now: Timestamp) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(time) = time else {
        return "-".to_string();
    };
    let (at, today) = (local(time), local(now));
    if (at.year, at.month, at.day) == (today.year, today.month, today.day) {
        format!("{:02}:{:02}", at.hour, at.minute)
    } else if at.year == today.year {
        let month = MONTHS[(at.month as usize).clamp(1, 12) - 1];
        format!("{month} {:02} {:02}:{:02}", at.day, at.hour, at.minute)
    } else {
        let year = rfc3339_year(at.year);
        format!(
            "{year}-{:02}-{:02} {:02}:{:02}",
            at.month, at.day, at.hour, at.minute
        )
    }
}

fn rfc3339_year(year: i64) -> String {
    if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        year.to_string()
    }
}

/// Broken-down local time (the device's time zone, as `date` shows it). Times the C library
/// cannot represent fall back to UTC, so this never fails.
// `time_t` is 32 bits on some edge devices, so the conversion can fail there.
#[allow(irrefutable_let_patterns, clippy::unnecessary_fallible_conversions)]
fn local(time: Timestamp) -> Civil {
    let Ok(seconds) = libc::time_t::try_from(time) else {
        return civil(time);
    };
    // SAFETY: localtime_r writes only into `out`; a zeroed tm is a valid value to start from.
    let (tm, ok) = unsafe {
        let mut out: libc::tm = std::mem::zeroed();
        let ok = !libc::localtime_r(&seconds, &mut out).is_null();
        (out, ok)
    };
    if !ok {
        return civil(time);
    }
    Civil {
        year: i64::from(tm.tm_year) + 1900,
        month: (tm.tm_mon + 1).clamp(1, 12) as u32,
        day: tm.tm_mday.clamp(1, 31) as u32,
        hour: tm.tm_hour.clamp(0, 23) as u32,
        minute: tm.tm_min.clamp(0, 59) as u32,
        second: tm.tm_sec.clamp(0, 60) as u32,
    }
}

/// Makes untrusted text safe to print on a terminal: control characters (ESC, BEL, newlines,
/// C1 controls, …) become visible escapes such as `\u{1b}`, so a name or a message can neither
/// move the cursor nor forge a line. Text without control characters is returned as is.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Makes JSON text safe to print on a terminal, still the same JSON: serde_json escapes C0
/// controls in strings but leaves DEL and the C1 controls (U+0080–U+009F, which some terminals
/// obey), so those become `\u00XX` escapes. They can only occur inside strings.
pub fn json_for_terminal(json: String) -> String {
    if !json.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if ('\u{7f}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
        assert_eq!(bytes(u64::MAX), "18.4EB");
    }

    #[test]
    fn spans_show_two_units() {
        assert_eq!(span(59), "59s");
        assert_eq!(span(250), "4m 10s");
        assert_eq!(span(7_500), "2h 05m");
        assert_eq!(span(90_000), "1d 01h");
        assert_eq!(span(40_000_000), "1y 97d");
        assert_eq!(relative(110, 100), "in 10s");
        assert_eq!(relative(40, 100), "1m 00s ago");
        assert_eq!(
            relative(i64::MAX, i64::MIN),
            format!("in {}", span(i64::MAX))
        );
    }

    #[test]
    fn minutes_read_as_durations() {
        assert_eq!(minutes(0), "0m");
        assert_eq!(minutes(45), "45m");
        assert_eq!(minutes(1_440), "1d");
        assert_eq!(minutes(1_830), "1d 6h 30m");
        assert!(!minutes(u64::MAX).is_empty());
    }

    #[test]
    fn rfc3339_matches_humantime_where_both_work() {
        for t in [0, 1, 951_782_400, 1_764_652_147, 253_402_300_799] {
            let system = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64);
            assert_eq!(
                rfc3339(t),
                humantime::format_rfc3339_seconds(system).to_string()
            );
        }
    }

    #[test]
    fn rfc3339_never_panics_far_from_now() {
        assert_eq!(rfc3339(253_402_300_800), "+10000-01-01T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        for t in [i64::MAX, i64::MIN, i64::MAX - 1, -62_167_219_201] {
            assert!(rfc3339(t).ends_with('Z'));
            assert!(!clock_time(Some(t), 0).is_empty());
        }
    }

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(escape_controls("app:1"), "app:1");
        assert_eq!(escape_controls("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(escape_controls("x\ny"), "x\\ny");
        assert_eq!(escape_controls("\u{9b}"), "\\u{9b}");
    }

    #[test]
    fn json_keeps_its_meaning_without_c1_controls() {
        let json =
            serde_json::to_string(&serde_json::json!({"a": "x\u{9b}\u{7f}\u{1b}é"})).unwrap();
        let safe = json_for_terminal(json.clone());
        assert_eq!(safe, r#"{"a":"x\u009b\u007f\u001bé"}"#);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(&json).unwrap()
        );
    }
}

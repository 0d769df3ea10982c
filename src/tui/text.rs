//! Short texts shared by the views and the tick logic.

use crate::cli::format::span;
use crate::model::Timestamp;
use crate::plan::{RefPlan, RefState};

/// The "removal in" cell: `in 4m 10s`, `due`, or `-`.
pub fn countdown(row: &RefPlan, now: Timestamp) -> String {
    match (row.state, row.deadline) {
        (RefState::Due | RefState::AwaitingApproval, _) => "due".to_string(),
        (_, Some(deadline)) if deadline > now => format!("in {}", span(deadline - now)),
        (_, Some(_)) => "due".to_string(),
        (_, None) => "-".to_string(),
    }
}

/// When something happened, as a local wall-clock time that never goes stale (so it never needs
/// a redraw): `16:03` today, `Nov 21 16:03` this year, `2025-11-21` before; `-` for none.
pub fn clock_time(time: Option<Timestamp>, now: Timestamp) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(time) = time else {
        return "-".to_string();
    };
    let (at, today) = (local(time), local(now));
    let month = MONTHS[at.tm_mon.clamp(0, 11) as usize];
    if (at.tm_year, at.tm_yday) == (today.tm_year, today.tm_yday) {
        format!("{:02}:{:02}", at.tm_hour, at.tm_min)
    } else if at.tm_year == today.tm_year {
        format!(
            "{month} {:02} {:02}:{:02}",
            at.tm_mday, at.tm_hour, at.tm_min
        )
    } else {
        format!(
            "{}-{:02}-{:02}",
            at.tm_year + 1900,
            at.tm_mon + 1,
            at.tm_mday
        )
    }
}

/// Broken-down local time (the device's time zone, as `date` shows it).
fn local(time: Timestamp) -> libc::tm {
    let seconds = time as libc::time_t;
    // SAFETY: localtime_r writes only into `out`; a zeroed tm is a valid value to start from.
    unsafe {
        let mut out: libc::tm = std::mem::zeroed();
        libc::localtime_r(&seconds, &mut out);
        out
    }
}

/// Cuts a text to `width` characters, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

//! Short texts shared by the views and the tick logic.

pub use crate::format::clock_time;
use crate::format::span;
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

/// Cuts a text to `width` characters, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

//! Phase 2, disk pressure (§11): when the data root's filesystem is at or above the high mark,
//! the candidates — references with an applicable removal rule that are not in use, pinned, kept,
//! postponed or inside the guards — become due, least recently used first, until the planned
//! usage is at or below the low mark. An image goes with all its names at once or not at all:
//! only the removal of its last name frees its size, so every action frees bytes.

use super::keep_last::recency;
use super::{PlanInput, Pressure, RefPlan, RefState, due_state};
use crate::core::disk::DiskUse;
use crate::core::model::ImageRecord;

/// Makes the chosen candidates (`may_free[row]`) due now, with the disk as their reason.
pub(super) fn choose(
    input: &PlanInput,
    rows: &mut [RefPlan],
    may_free: &[bool],
    records: &[ImageRecord],
) {
    let (Some(usage), Some(marks)) = (input.disk, input.rules.disk) else {
        return;
    };
    if !DiskUse::at_or_above(usage.used, usage.total, marks.high_percent) {
        return;
    }
    let reason = Pressure {
        used_percent: usage.percent(),
        high_percent: marks.high_percent,
        low_percent: marks.low_percent,
    };
    let images = &input.inventory.images;
    // Per image: its rows, and whether every one of them goes now or may go for the disk.
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); images.len()];
    for (i, row) in rows.iter().enumerate() {
        rows_of[row.image].push(i);
    }
    let due = |row: &RefPlan| matches!(row.state, RefState::Due | RefState::AwaitingApproval);
    let mut planned = usage.used;
    // What is due already goes this sweep anyway: an image whose rows are all due frees its size.
    for (image, its_rows) in rows_of.iter().enumerate() {
        if !its_rows.is_empty() && its_rows.iter().all(|&i| due(&rows[i])) {
            planned = planned.saturating_sub(images[image].size);
        }
    }
    // An image is taken whole or not at all: untagging one of its names frees nothing (§11).
    let mut candidates: Vec<usize> = (0..images.len())
        .filter(|&image| {
            let its_rows = &rows_of[image];
            its_rows.iter().any(|&i| may_free[i])
                && its_rows.iter().all(|&i| may_free[i] || due(&rows[i]))
        })
        .collect();
    candidates.sort_by_key(|&image| (recency(input, records, image), image));
    for image in candidates {
        if at_or_below(planned, usage.total, marks.low_percent) {
            break;
        }
        for &i in &rows_of[image] {
            if !may_free[i] {
                continue;
            }
            let row = &mut rows[i];
            row.state = due_state(input, &row.key(input.inventory), &images[image].id);
            row.deadline = Some(input.now);
            row.pressure = Some(reason);
        }
        planned = planned.saturating_sub(images[image].size);
    }
}

/// Whether `used` bytes are at or below `percent` of the total.
fn at_or_below(used: u64, total: u64, percent: u8) -> bool {
    u128::from(used) * 100 <= u128::from(percent) * u128::from(total)
}

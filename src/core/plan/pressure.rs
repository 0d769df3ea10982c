//! Phase 2, disk pressure (§11): when the data root's filesystem is at or above the high mark,
//! the candidates — references with an applicable removal rule that are not in use, pinned, kept,
//! postponed or inside the guards — become due, least recently used first, until the planned
//! usage is at or below the low mark. Only the removal of an image's last reference frees its
//! size, so untagging one of several names frees nothing.

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
    // References of each image that stay; the image's space comes back when none does.
    let mut staying: Vec<u32> = vec![0; images.len()];
    for row in rows.iter() {
        staying[row.image] += 1;
    }
    let mut planned = usage.used;
    let mut goes = |image: usize, planned: &mut u64| {
        staying[image] -= 1;
        if staying[image] == 0 {
            *planned = planned.saturating_sub(images[image].size);
        }
    };
    // What is due already goes this sweep anyway.
    for row in rows.iter() {
        if matches!(row.state, RefState::Due | RefState::AwaitingApproval) {
            goes(row.image, &mut planned);
        }
    }
    let mut candidates: Vec<usize> = (0..rows.len()).filter(|&i| may_free[i]).collect();
    candidates.sort_by_key(|&i| (recency(input, records, rows[i].image), rows[i].image, i));
    for i in candidates {
        if at_or_below(planned, usage.total, marks.low_percent) {
            break;
        }
        let row = &mut rows[i];
        let image_id = &images[row.image].id;
        row.state = due_state(input, &row.key(input.inventory), image_id);
        row.deadline = Some(input.now);
        row.pressure = Some(reason);
        goes(row.image, &mut planned);
    }
}

/// Whether `used` bytes are at or below `percent` of the total.
fn at_or_below(used: u64, total: u64, percent: u8) -> bool {
    u128::from(used) * 100 <= u128::from(percent) * u128::from(total)
}

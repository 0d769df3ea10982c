//! Which references an action applies to (the marked ones, else the one under the cursor), and
//! what removing them would do.

use super::images::{ImageList, row_name};
use super::modal::{Blocked, Confirm, ConfirmTarget, Destructive};
use crate::core::plan::{RefPlan, RefState};
use crate::core::snapshot::Snapshot;
use crate::node::removal::Target;
use std::collections::HashMap;

/// The marked rows (all of them, also those the filter hides), else the row under the cursor.
pub fn selected<'a>(list: &ImageList, snapshot: &'a Snapshot) -> Vec<&'a RefPlan> {
    if list.marks.is_empty() {
        return list.current(snapshot).into_iter().collect();
    }
    snapshot
        .rows
        .iter()
        .filter(|row| list.marks.contains(row_name(snapshot, row)))
        .collect()
}

pub fn target(snapshot: &Snapshot, row: &RefPlan) -> Target {
    let image = &snapshot.inventory.images[row.image];
    Target {
        reference: row_name(snapshot, row).to_string(),
        image_id: image.id.clone(),
        size: image.size,
        // Used only if it is removed: then by hand.
        why: Some(crate::core::why::Why::by_hand(snapshot, row)),
    }
}

/// Builds the confirmation dialog for `action` over the selection, or explains why there is none.
pub fn confirm(
    action: Destructive,
    list: &ImageList,
    snapshot: &Snapshot,
) -> Result<Confirm, String> {
    let mut rows = selected(list, snapshot);
    if action == Destructive::Approve {
        rows.retain(|row| row.state == RefState::AwaitingApproval);
        if rows.is_empty() {
            return Err(
                "nothing selected awaits approval (only due references in approve mode do)".into(),
            );
        }
    }
    if rows.is_empty() {
        return Err("nothing selected".into());
    }
    let mut blocked = Vec::new();
    let mut chosen = Vec::new();
    for row in &rows {
        let image = &snapshot.inventory.images[row.image];
        let name = row_name(snapshot, row).to_string();
        if image.in_use() {
            let reason = if image.containers.is_empty() {
                format!(
                    "in use: {} local image(s) are built on it",
                    image.children.len()
                )
            } else {
                "in use".into()
            };
            blocked.push(Blocked {
                reference: name,
                reason,
                containers: image.containers.clone(),
            });
        } else if let Some(keep) = row.kept_by.filter(|_| row.state == RefState::Kept) {
            blocked.push(Blocked {
                reference: name,
                reason: format!(
                    "kept by {}: `imgreaper remove --ignore-keep` removes it anyway",
                    snapshot.rules.keeps[keep].label()
                ),
                containers: Vec::new(),
            });
        } else if row.state == RefState::Pinned {
            blocked.push(Blocked {
                reference: name,
                reason: "pinned: unpin it with P first".into(),
                containers: Vec::new(),
            });
        } else {
            chosen.push(*row);
        }
    }
    let hidden_by_filter = if list.marks.is_empty() {
        0
    } else {
        list.hidden_marks(snapshot)
    };
    Ok(Confirm {
        action,
        targets: with_frees(snapshot, &chosen),
        hidden_by_filter,
        blocked,
        confirm_focused: false,
        scroll: 0,
        unavailable: None,
    })
}

/// An image's space is freed only when every one of its names goes; the last of them frees it.
fn with_frees(snapshot: &Snapshot, rows: &[&RefPlan]) -> Vec<ConfirmTarget> {
    let mut chosen_per_image: HashMap<usize, usize> = HashMap::new();
    for row in rows {
        *chosen_per_image.entry(row.image).or_default() += 1;
    }
    let mut seen: HashMap<usize, usize> = HashMap::new();
    rows.iter()
        .map(|row| {
            let image = &snapshot.inventory.images[row.image];
            let names = image.references.len().max(1);
            let count = seen.entry(row.image).or_default();
            *count += 1;
            let all_go = chosen_per_image[&row.image] == names;
            ConfirmTarget {
                target: target(snapshot, row),
                frees: (all_go && *count == names).then_some(image.size),
            }
        })
        .collect()
}

//! What needs the operator, for the header: how many removals wait for an approval, how many
//! happen within the hour, and how much space those free.

use crate::core::plan::RefState;
use crate::core::snapshot::Snapshot;
use std::collections::HashMap;

/// Within this many seconds a removal counts as coming up.
pub const SOON: i64 = 3_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub awaiting_approval: usize,
    /// Removals due now or within the hour (approvals not included).
    pub due_soon: usize,
    /// Bytes those removals free: an image counts once all of its names go.
    pub frees: u64,
}

impl Needs {
    pub fn of(snapshot: &Snapshot) -> Needs {
        let mut needs = Needs::default();
        let mut going: HashMap<usize, usize> = HashMap::new();
        for row in &snapshot.rows {
            match row.state {
                RefState::AwaitingApproval => needs.awaiting_approval += 1,
                RefState::Due => {
                    needs.due_soon += 1;
                    *going.entry(row.image).or_default() += 1;
                }
                RefState::Scheduled | RefState::Postponed { .. }
                    if row.deadline.is_some_and(|d| d <= snapshot.now + SOON) =>
                {
                    needs.due_soon += 1;
                    *going.entry(row.image).or_default() += 1;
                }
                _ => {}
            }
        }
        let images = &snapshot.inventory.images;
        needs.frees = going
            .into_iter()
            .filter(|(image, names)| images[*image].references.len().max(1) == *names)
            .map(|(image, _)| images[image].size)
            .sum();
        needs
    }
}

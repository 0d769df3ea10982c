//! What needs the operator, for the header: how many removals wait for an approval, how many
//! happen within the hour, and how much space those free.

use crate::core::plan::RefState;
use crate::core::preview::going_within;
use crate::core::snapshot::Snapshot;

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
        let going = going_within(&snapshot.inventory, &snapshot.rows, snapshot.now, SOON);
        Needs {
            awaiting_approval: snapshot
                .rows
                .iter()
                .filter(|row| row.state == RefState::AwaitingApproval)
                .count(),
            due_soon: going.references,
            frees: going.bytes,
        }
    }
}

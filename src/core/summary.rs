//! One node at a glance, as a row of the fleet's Nodes view and of `fleet status`: how many
//! images and references, what is due or awaits approval, when the next removal comes, and how
//! many bytes the policies will free. Pure: computed from a snapshot.

use crate::core::disk::DiskUse;
use crate::core::model::{Mode, Timestamp};
use crate::core::plan::RefState;
use crate::core::preview::has_deadline;
use crate::core::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub images: usize,
    pub references: usize,
    /// References the enforcer removes now.
    pub due: usize,
    pub awaiting_approval: usize,
    /// References with a removal planned (scheduled, postponed, due, awaiting approval).
    pub scheduled: usize,
    /// The earliest planned removal (Unix seconds), if any.
    pub next_removal: Option<Timestamp>,
    /// Bytes of the images every name of which has a removal planned: what the policies free.
    pub reclaimable_bytes: u64,
    pub mode: Mode,
    /// The data root's filesystem, where it can be read.
    pub disk: Option<DiskUse>,
    /// When the snapshot was read, on the node's clock.
    pub now: Timestamp,
}

impl Summary {
    pub fn of(snapshot: &Snapshot) -> Summary {
        let images = &snapshot.inventory.images;
        let mut going = vec![true; images.len()];
        let mut summary = Summary {
            images: images.len(),
            references: snapshot.rows.len(),
            mode: snapshot.settings.mode,
            disk: snapshot.disk.usage(),
            now: snapshot.now,
            ..Summary::default()
        };
        for row in &snapshot.rows {
            match row.state {
                RefState::Due => summary.due += 1,
                RefState::AwaitingApproval => summary.awaiting_approval += 1,
                _ => {}
            }
            if has_deadline(row.state) {
                summary.scheduled += 1;
                if let Some(deadline) = row.deadline {
                    summary.next_removal =
                        Some(summary.next_removal.map_or(deadline, |n| n.min(deadline)));
                }
            } else {
                going[row.image] = false;
            }
        }
        summary.reclaimable_bytes = images
            .iter()
            .zip(&going)
            .filter(|(_, going)| **going)
            .map(|(image, _)| image.size)
            .sum();
        summary
    }
}

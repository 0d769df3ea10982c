//! Decisions that lapse: an approval or a postponement is about one image under one name, and
//! ends, with an audit line, when the name comes to point at another image or is gone.

use super::Enforcer;
use crate::core::snapshot::Snapshot;
use crate::node::store::{DecisionKind, NewAudit};
use anyhow::Result;
use std::collections::HashMap;

impl Enforcer {
    pub(super) fn lapse_decisions(
        &mut self,
        snapshot: &Snapshot,
        actions: &mut Vec<NewAudit>,
    ) -> Result<()> {
        let current: HashMap<String, &str> = snapshot
            .rows
            .iter()
            .map(|row| {
                (
                    row.key(&snapshot.inventory),
                    snapshot.inventory.images[row.image].id.as_str(),
                )
            })
            .collect();
        let overrides = &snapshot.overrides;
        let decided = overrides
            .approvals
            .iter()
            .map(|(r, id)| (DecisionKind::Approval, r, id.as_str()))
            .chain(
                overrides
                    .postponements
                    .iter()
                    .map(|(r, p)| (DecisionKind::Postponement, r, p.image_id.as_str())),
            );
        let mut lapsed = Vec::new();
        for (kind, reference, image_id) in decided {
            let now_points_at = current.get(reference).copied();
            if now_points_at == Some(image_id) {
                continue;
            }
            let why = match now_points_at {
                Some(other) => format!("{reference} now points at {other}"),
                None => format!("{reference} is gone"),
            };
            lapsed.push((kind, reference.clone(), image_id.to_string(), why));
        }
        for (kind, reference, image_id, why) in lapsed {
            if !self.store.drop_decision(kind, &reference, &image_id)? {
                continue; // someone renewed or removed it meanwhile
            }
            let entry = NewAudit::new(
                snapshot.now,
                &self.claim.holder,
                "lapse",
                &reference,
                &image_id,
            )
            .result(format!("{} for {image_id} lapsed: {why}", kind.noun()));
            self.store.audit(&entry)?;
            self.record(entry, actions);
        }
        Ok(())
    }
}

//! Decisions that lapse (`core::lapse`), dropped from the store with an audit line each.

use super::Enforcer;
use crate::core::lapse::lapsed;
use crate::core::model::Timestamp;
use crate::core::snapshot::Snapshot;
use crate::node::store::NewAudit;
use anyhow::Result;
use std::collections::HashMap;

impl Enforcer {
    /// Drops what lapsed; returns whether anything did (the plan then changes).
    pub(super) fn lapse_decisions(
        &mut self,
        snapshot: &Snapshot,
        used_at: &HashMap<String, Timestamp>,
        actions: &mut Vec<NewAudit>,
    ) -> Result<bool> {
        let approved_at = self.store.approval_times()?;
        let lapses = lapsed(
            &snapshot.inventory,
            &snapshot.overrides,
            &approved_at,
            used_at,
        );
        let mut any = false;
        for lapse in lapses {
            if !self
                .store
                .drop_decision(lapse.kind, &lapse.reference, &lapse.image_id)?
            {
                continue; // someone renewed or removed it meanwhile
            }
            any = true;
            let entry = NewAudit::new(
                snapshot.now,
                &self.claim.holder,
                "lapse",
                &lapse.reference,
                &lapse.image_id,
            )
            .result(format!(
                "{} for {} lapsed: {}",
                lapse.kind.noun(),
                lapse.image_id,
                lapse.why
            ));
            self.store.audit(&entry)?;
            self.record(entry, actions);
        }
        Ok(any)
    }
}

//! Removing due references with bounded concurrency, journalled so a crash is finished on the
//! next start and nothing is removed twice.

use super::Enforcer;
use crate::removal::{self, Target};
use crate::store::NewAudit;
use anyhow::Result;
use futures_util::StreamExt;

impl Enforcer {
    pub(super) async fn sweep(
        &mut self,
        due: Vec<Target>,
        actions: &mut Vec<NewAudit>,
    ) -> Result<()> {
        if due.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        for target in &due {
            self.store
                .begin_removal(&removal::pending(target, &self.claim.holder, now))?;
        }
        let engine = self.engine.clone();
        let mut outcomes = futures_util::stream::iter(due)
            .map(|target| {
                let engine = engine.clone();
                async move {
                    let outcome = removal::execute(&engine, &target).await;
                    (target, outcome)
                }
            })
            .buffer_unordered(self.concurrency);
        while let Some((target, outcome)) = outcomes.next().await {
            let entry = removal::record(
                &mut self.store,
                &target,
                &outcome,
                &self.claim.holder,
                self.clock.now(),
            )?;
            self.record(entry, actions);
        }
        Ok(())
    }

    /// Removals journalled by a run that was killed before writing their outcome: if the name is
    /// gone, it was removed then and the outcome is written now; otherwise nothing happened and
    /// the plan decides again. Never asks the engine to remove anything.
    pub(super) async fn finish_interrupted(&mut self, actions: &mut Vec<NewAudit>) -> Result<()> {
        for pending in self.store.pending_removals()? {
            let now_there = self.engine.image_now(&pending.reference).await?;
            match now_there {
                Some((id, _)) if id == pending.image_id => {
                    self.store.clear_pending(&pending.reference)?
                }
                _ => {
                    let image_still_there =
                        self.engine.image_now(&pending.image_id).await?.is_some();
                    let entry = NewAudit::new(
                        self.clock.now(),
                        &pending.actor,
                        if image_still_there { "untag" } else { "remove" },
                        &pending.reference,
                        &pending.image_id,
                    )
                    .freed(if image_still_there { 0 } else { pending.bytes })
                    .result("ok: completed before an interruption; recorded on restart");
                    self.store.finish_removal(&entry)?;
                    self.record(entry, actions);
                }
            }
        }
        Ok(())
    }
}

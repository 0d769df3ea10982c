//! What the background tasks report: fresh loads, outages, finished actions, the countdown tick.

use super::images::row_name;
use super::modal::{Modal, Overwrite, Prompt, PromptKind};
use super::{App, View};
use crate::core::format::bytes;
use crate::core::model::Timestamp;
use crate::core::plan::RefState;
use crate::node::store::AuditEntry;
use crate::tui::msg::{ActionResult, Command, Effects, Loaded};
use crate::tui::text::count;
use std::collections::HashSet;

impl App {
    pub(super) fn on_loaded(&mut self, loaded: Loaded) -> Effects {
        if loaded.seq <= self.seq && self.snapshot.is_some() {
            return Effects::none(); // a stale result that arrived late
        }
        self.seq = loaded.seq;
        // Failures seen while the engine was away say nothing once it answers again.
        if self.outage.take().is_some() {
            self.failed.clear();
        }
        self.note_enforcer_removals(&loaded);
        self.header.engine = loaded.engine;
        self.header.lease = loaded.lease;
        self.updates = loaded.updates;
        let snapshot = loaded.snapshot;
        let present: HashSet<&str> = snapshot
            .rows
            .iter()
            .map(|r| row_name(&snapshot, r))
            .collect();
        self.removing.retain(|r| present.contains(r.as_str()));
        self.failed.retain(|r, _| present.contains(r.as_str()));
        // An approval's "removes them on its next cycle" goes once nothing it named still waits.
        if let Some(status) = &self.status
            && !status.until_gone.is_empty()
        {
            let waiting = snapshot.rows.iter().any(|row| {
                matches!(row.state, RefState::AwaitingApproval | RefState::Due)
                    && status
                        .until_gone
                        .iter()
                        .any(|r| r == row_name(&snapshot, row))
            });
            if !waiting {
                self.status = None;
            }
        }
        match &self.snapshot {
            Some(old) => self.images.replace(old, &snapshot),
            None => self.images.rebuild(&snapshot),
        }
        self.images.prune_marks(&snapshot);
        self.rules.sync(&snapshot);
        self.rules.refresh_preview(&snapshot);
        if self.rules.form.is_some() {
            self.rules.validate_form();
        }
        self.activity.replace(loaded.audit);
        self.loaded_at = Some(snapshot.now);
        self.snapshot = Some(snapshot);
        Effects::redraw()
    }

    pub(super) fn on_outage(&mut self, seq: u64, error: String) -> Effects {
        if seq < self.seq || self.outage.as_ref() == Some(&error) {
            return Effects::none();
        }
        if self.outage.is_none() {
            self.messages.push(&error, true, self.now());
        }
        self.outage = Some(error);
        Effects::redraw()
    }

    /// A short note in the status line when the enforcer (this console's or the service) removed
    /// something since the last load; never over a message the operator has not seen yet.
    fn note_enforcer_removals(&mut self, loaded: &Loaded) {
        let newest = loaded.audit.first().map(|e| e.id);
        let Some(seen) = self.newest_audit.replace(newest.unwrap_or(0)) else {
            return; // the first load: what happened before the console opened is in Activity
        };
        let enforcers: Vec<&str> = [
            self.header.own_holder.as_deref(),
            self.header.lease.as_ref().map(|l| l.holder.as_str()),
            loaded.lease.as_ref().map(|l| l.holder.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let removed: Vec<&AuditEntry> = loaded
            .audit
            .iter()
            .take_while(|e| e.id > seen)
            .filter(|e| {
                matches!(e.entry.action.as_str(), "remove" | "untag")
                    && enforcers.contains(&e.entry.actor.as_str())
            })
            .collect();
        if removed.is_empty() || self.status.as_ref().is_some_and(|s| s.error) {
            return;
        }
        let freed: u64 = removed.iter().map(|e| e.entry.bytes_freed).sum();
        let what = match removed.as_slice() {
            [one] => crate::core::format::escape_controls(&one.entry.reference).into_owned(),
            many => count(many.len(), "reference", "references"),
        };
        let text = if freed > 0 {
            format!("the enforcer removed {what} (freed {})", bytes(freed))
        } else {
            format!("the enforcer removed {what}")
        };
        self.set_status(text, false);
    }

    pub(super) fn on_done(&mut self, result: ActionResult) -> Effects {
        let sent = self.in_flight.pop_front();
        self.waiting = None;
        for reference in &result.finished {
            self.removing.remove(reference);
        }
        for (reference, reason) in &result.failed {
            self.failed.insert(reference.clone(), reason.clone());
        }
        if let Some(name) = &result.saved {
            self.rules.mark_saved(name, result.version);
        }
        if let Some((name, document)) = result.imported.clone()
            && let Some(snapshot) = &self.snapshot
        {
            self.rules.import(name, document, snapshot);
        }
        if let (Some(path), Some(Command::Export { name, document, .. })) = (&result.exists, &sent)
        {
            return self.export_exists(path.clone(), name.clone(), document.clone());
        }
        self.set_status(result.message.clone(), !result.ok);
        if let (true, Some(Command::Approve(targets))) = (result.ok, &sent)
            && let Some(status) = &mut self.status
        {
            status.until_gone = targets.iter().map(|t| t.reference.clone()).collect();
        }
        // A long error opens in the message log rather than being cut in the status line.
        let room = usize::from(self.size.0).saturating_sub(2);
        if !result.ok && crate::tui::text::width(&result.message) > room && self.modal.is_none() {
            self.modal = Some(Modal::Messages { scroll: 0 });
        }
        self.after_saving(&result)
    }

    /// "Save and quit": quits once every policy is saved, stays (and says why) if one is not.
    fn after_saving(&mut self, result: &ActionResult) -> Effects {
        let Some(pending) = &mut self.quit_after_saving else {
            return Effects::redraw();
        };
        if !result.ok {
            self.quit_after_saving = None;
            let text = format!("not quitting: {}", result.message);
            self.set_status(text, true);
            return Effects::redraw();
        }
        if let Some(name) = &result.saved {
            pending.retain(|p| p != name);
        }
        if pending.is_empty() {
            return Effects {
                quit: true,
                ..Effects::redraw()
            };
        }
        Effects::redraw()
    }

    /// An export found its file there already: a read-only console asks for a new path, any
    /// other asks before overwriting.
    fn export_exists(
        &mut self,
        path: std::path::PathBuf,
        name: String,
        document: crate::core::policy::PolicyDocument,
    ) -> Effects {
        self.modal = Some(if self.read_only {
            Modal::Prompt(Prompt {
                input: path.display().to_string(),
                error: Some(format!(
                    "{} exists; a read-only console writes only new files: give another path",
                    path.display()
                )),
                kind: PromptKind::Export { name, document },
            })
        } else {
            Modal::Overwrite(Overwrite {
                path,
                name,
                document,
                confirm_focused: false,
            })
        });
        Effects::redraw()
    }

    /// Replans for the new second only while a countdown is on screen, and asks for a redraw only
    /// when what is shown actually changed.
    pub(super) fn on_tick(&mut self, now: Timestamp) -> Effects {
        if !self.countdown_visible() {
            return Effects::none();
        }
        let before = (self.visible_countdowns(), self.needs());
        if let Some(snapshot) = &mut self.snapshot {
            snapshot.replan(now);
        }
        if (self.visible_countdowns(), self.needs()) == before {
            Effects::none()
        } else {
            Effects::redraw()
        }
    }

    /// Indices (into the plan's rows) of the image rows on screen.
    fn visible_rows(&self) -> &[usize] {
        let window = self
            .images
            .scroll
            .window(self.page(), self.images.index.len());
        &self.images.index[window]
    }

    /// Whether any row on screen shows a live countdown.
    pub fn countdown_visible(&self) -> bool {
        let Some(snapshot) = &self.snapshot else {
            return false;
        };
        if self.view != View::Images
            || matches!(
                self.modal,
                Some(Modal::Help { .. } | Modal::Messages { .. })
            )
        {
            return false;
        }
        self.visible_rows()
            .iter()
            .any(|&i| snapshot.rows.get(i).is_some_and(|r| r.deadline.is_some()))
    }

    /// The countdown texts and states on screen: what a tick could change.
    fn visible_countdowns(&self) -> Vec<(&'static str, String)> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        self.visible_rows()
            .iter()
            .filter_map(|&i| snapshot.rows.get(i))
            .map(|row| {
                (
                    row.state.label(),
                    crate::tui::text::countdown(row, snapshot.now),
                )
            })
            .collect()
    }

    /// What the header says needs the operator (see `needs`).
    pub fn needs(&self) -> Option<super::needs::Needs> {
        self.snapshot.as_ref().map(super::needs::Needs::of)
    }
}

//! What the Images view's keys do to the marked rows (else the row under the cursor): marks,
//! the confirmation dialog, postpone, pin and adopt.

use super::modal::{Ask, Destructive, Modal, PostponeTarget, Prompt, PromptKind};
use super::{App, images::row_name, targets};
use crate::core::format::{escape_controls, relative};
use crate::core::plan::RefState;
use crate::core::snapshot::Snapshot;
use crate::node::removal::Target;
use crate::tui::keys::Action;
use crate::tui::msg::{Command, Effects};
use crate::tui::text::clock_time;

impl App {
    pub(super) fn on_images_action(&mut self, action: Action) -> Effects {
        if self.snapshot.is_none() {
            self.set_status("nothing to act on yet: no data from the engine", true);
            return Effects::redraw();
        }
        match action {
            Action::Mark => self.toggle_mark(),
            Action::MarkAll => self.mark_all_shown(),
            Action::Remove => self.open_confirm(Destructive::Remove),
            Action::Approve => self.open_confirm(Destructive::Approve),
            Action::Postpone => self.open_postpone(),
            Action::Pin => self.toggle_pin(),
            Action::Adopt => self.toggle_adopt(),
            Action::CheckUpdates => self.registry_command(false),
            Action::Refresh => self.registry_command(true),
            _ => Effects::none(),
        }
    }

    fn toggle_mark(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let Some(row) = self.images.current(snapshot) else {
            return Effects::none();
        };
        let key = row_name(snapshot, row).to_string();
        if !self.images.marks.remove(&key) {
            self.images.marks.insert(key);
        }
        self.images.scroll.step(1, self.images.index.len());
        Effects::redraw()
    }

    /// `*`: marks every row the filter shows, or unmarks them when all are marked already.
    fn mark_all_shown(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let shown: Vec<String> = self
            .images
            .index
            .iter()
            .filter_map(|&i| snapshot.rows.get(i))
            .map(|row| row_name(snapshot, row).to_string())
            .collect();
        if shown.is_empty() {
            return Effects::none();
        }
        if shown.iter().all(|name| self.images.marks.contains(name)) {
            for name in &shown {
                self.images.marks.remove(name);
            }
        } else {
            self.images.marks.extend(shown);
        }
        Effects::redraw()
    }

    fn open_confirm(&mut self, action: Destructive) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        match targets::confirm(action, &self.images, snapshot) {
            Ok(mut confirm) => {
                if self.outage.is_some() {
                    let verb = match action {
                        Destructive::Remove => "removed",
                        Destructive::Approve => "approved",
                    };
                    confirm.unavailable = Some(format!(
                        "The engine is unreachable: nothing can be {verb} until the engine is \
                         back (R retries now)."
                    ));
                }
                self.modal = Some(Modal::Confirm(confirm));
            }
            Err(reason) => self.set_status(reason, true),
        }
        Effects::redraw()
    }

    fn open_postpone(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let rows = targets::selected(&self.images, snapshot);
        if rows.is_empty() {
            return Effects::none();
        }
        let plain: Vec<_> = rows
            .iter()
            .map(|row| targets::target(snapshot, row))
            .collect();
        let without = crate::node::manual::without_postponements(snapshot, &plain);
        let chosen = rows
            .iter()
            .zip(plain)
            .zip(without)
            .map(|((row, target), without)| PostponeTarget {
                postponed: snapshot
                    .overrides
                    .postponed_until(&target.reference, &target.image_id)
                    .is_some(),
                target,
                planned: row.deadline,
                without,
            })
            .collect();
        self.modal = Some(Modal::Prompt(Prompt {
            kind: PromptKind::Postpone(chosen),
            input: "1h".into(),
            error: None,
        }));
        Effects::redraw()
    }

    /// `P`: pins the selection, or unpins it when every selected reference is pinned already.
    fn toggle_pin(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let rows = targets::selected(&self.images, snapshot);
        if rows.is_empty() {
            return Effects::none();
        }
        let pin = !rows.iter().all(|r| r.state == RefState::Pinned);
        let chosen: Vec<_> = rows
            .iter()
            .map(|row| targets::target(snapshot, row))
            .collect();
        if pin {
            return Effects::command(Command::Pin {
                targets: chosen,
                pin,
            });
        }
        // Unpinning can make an image due at once (a rollback version kept past its
        // deadline): it asks first, saying when each removal then goes.
        match unpin_question(snapshot, chosen) {
            Ok(ask) => self.modal = Some(Modal::Ask(ask)),
            Err(why) => self.set_status(why, true),
        }
        Effects::redraw()
    }

    /// `A`: marks the selection's images as agent-downloaded (so `agent_downloaded_only` rules
    /// apply to them), or clears the flag when every one has it already.
    fn toggle_adopt(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let rows = targets::selected(&self.images, snapshot);
        if rows.is_empty() {
            return Effects::none();
        }
        let adopted = |row: &&crate::core::plan::RefPlan| {
            snapshot.agent_downloaded(&snapshot.inventory.images[row.image].id)
        };
        let adopt = !rows.iter().all(adopted);
        let chosen = rows
            .iter()
            .map(|row| targets::target(snapshot, row))
            .collect();
        Effects::command(Command::Adopt {
            targets: chosen,
            adopt,
        })
    }

    /// `u` checks the selected tags against their registries (every tag when no row is a tag);
    /// `U` refreshes them: pulls those whose registry digest moved.
    fn registry_command(&mut self, refresh: bool) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let tags: Vec<String> = targets::selected(&self.images, snapshot)
            .iter()
            .filter_map(|row| row.reference.clone())
            .filter(|reference| !reference.contains('@'))
            .collect();
        if refresh {
            if tags.is_empty() {
                return Effects::none();
            }
            self.set_status(format!("refreshing {}…", tags.join(", ")), false);
            Effects::command(Command::Refresh(tags))
        } else {
            self.set_status("asking the registries…", false);
            Effects::command(Command::CheckUpdates(tags))
        }
    }
}

/// The question before unpinning `targets`: when each removal goes without its pin. A name
/// pinned by a pattern cannot be unpinned by name: that is said instead.
fn unpin_question(snapshot: &Snapshot, targets: Vec<Target>) -> Result<Ask, String> {
    let mut overrides = snapshot.overrides.clone();
    for target in &targets {
        overrides.pins.remove(&target.reference);
    }
    for target in &targets {
        if let Some(pattern) =
            crate::node::manual::pinned_by(snapshot, &overrides.pins, &target.reference)
        {
            return Err(format!(
                "{} is pinned by the pattern {pattern}, not by its name; `imgreaper unpin '{pattern}'` \
                 removes that pin",
                escape_controls(&target.reference)
            ));
        }
    }
    let rows = snapshot.plan_with(&overrides);
    let now = snapshot.now;
    let lines = targets
        .iter()
        .map(|target| {
            let name = escape_controls(&target.reference);
            let row = rows.iter().find(|row| {
                snapshot.inventory.images[row.image].id == target.image_id
                    && row.key(&snapshot.inventory) == target.reference
            });
            let rule = row
                .and_then(|r| r.winner)
                .and_then(|w| snapshot.rules.rules.get(w))
                .map(|rule| format!(" ({})", crate::tui::text::rule_label(rule)))
                .unwrap_or_default();
            match row.map(|r| (r.state, r.deadline)) {
                Some((RefState::Due, _)) => format!(
                    "{name}: its deadline has passed{rule}: the enforcer removes it at once."
                ),
                Some((RefState::AwaitingApproval, _)) => {
                    format!("{name}: its deadline has passed{rule}: it then awaits approval.")
                }
                Some((_, Some(at))) => format!(
                    "{name}: its removal then goes at {} ({}){rule}.",
                    clock_time(Some(at), now),
                    relative(at, now)
                ),
                Some((RefState::InUse, None)) => {
                    format!("{name}: in use, so nothing is removed while it is.")
                }
                Some((RefState::Kept, None)) => {
                    format!("{name}: a keep rule still keeps it.")
                }
                _ => format!("{name}: no rule applies to it, so no removal is planned."),
            }
        })
        .collect();
    let title = match targets.as_slice() {
        [one] => format!(" Unpin {}? ", one.reference),
        many => format!(
            " Unpin {}? ",
            crate::tui::text::count(many.len(), "reference", "references")
        ),
    };
    Ok(Ask {
        title,
        lines,
        button: "Unpin".into(),
        command: Command::Pin {
            targets,
            pin: false,
        },
        confirm_focused: false,
    })
}

//! What the Rules view's keys do: the form, reordering, saving, discarding, import and export.

use super::App;
use super::modal::{Modal, Prompt, PromptKind};
use crate::tui::keys::Action;
use crate::tui::msg::{Command, Effects};

impl App {
    pub(super) fn on_rules_action(&mut self, action: Action) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return self.not_loaded_yet();
        };
        let changed = match action {
            Action::RuleNew => {
                self.rules.new_rule(snapshot);
                true
            }
            Action::KeepNew => {
                self.rules.new_keep(snapshot);
                true
            }
            Action::DiskMarks => {
                self.rules.edit_disk(snapshot);
                true
            }
            Action::RuleEdit => self.rules.edit_rule(snapshot),
            Action::RuleDelete => self.rules.delete_rule(snapshot),
            Action::RuleUp => self.rules.move_rule(-1, snapshot),
            Action::RuleDown => self.rules.move_rule(1, snapshot),
            Action::Discard => self.rules.discard(snapshot),
            Action::Save => return self.save_policy(),
            Action::Import => {
                self.modal = Some(Modal::Prompt(Prompt {
                    kind: PromptKind::Import,
                    input: String::new(),
                    error: None,
                }));
                true
            }
            Action::Export => {
                let Some(p) = self.rules.current_policy() else {
                    return Effects::none();
                };
                let draft = &self.rules.drafts[p];
                // The full path, so the operator sees where it goes before anything is written.
                let file = format!("{}.json", draft.name);
                let input = match &self.cwd {
                    Some(cwd) => cwd.join(file).display().to_string(),
                    None => file,
                };
                self.modal = Some(Modal::Prompt(Prompt {
                    kind: PromptKind::Export {
                        name: draft.name.clone(),
                        document: draft.document(),
                    },
                    input,
                    error: None,
                }));
                true
            }
            _ => false,
        };
        if changed {
            Effects::redraw()
        } else {
            Effects::none()
        }
    }

    fn save_policy(&mut self) -> Effects {
        let Some(p) = self.rules.current_policy() else {
            return Effects::none();
        };
        let draft = &self.rules.drafts[p];
        if !draft.dirty() {
            self.set_status(format!("policy {} has no unsaved edits", draft.name), false);
            return Effects::redraw();
        }
        if let Some(error) = self.rules.problems.0.first() {
            let text = format!("policy {} not saved: {error}", draft.name);
            self.set_status(text, true);
            return Effects::redraw();
        }
        Effects::command(Command::SavePolicy {
            name: draft.name.clone(),
            document: draft.document(),
            version: draft.version,
        })
    }
}

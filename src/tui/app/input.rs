//! Keys and mouse: modal layers first (dialog, prompt, form, filter), then the key table.

use super::form::Field;
use super::modal::{Destructive, Modal, Prompt, PromptKind};
use super::targets;
use super::{App, View};
use crate::plan::RefState;
use crate::tui::keys::{Action, lookup};
use crate::tui::msg::{Command, Effects};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::path::PathBuf;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Effects {
        if key.kind == KeyEventKind::Release {
            return Effects::none();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Effects {
                quit: true,
                ..Effects::none()
            };
        }
        // A status message stays until the operator does something else.
        let had_status = self.status.take().is_some();
        let mut effects = self.dispatch_key(key);
        effects.redraw |= had_status;
        effects
    }

    fn dispatch_key(&mut self, key: KeyEvent) -> Effects {
        if let Some(modal) = self.modal.take() {
            return self.on_modal_key(modal, key);
        }
        if self.view == View::Rules && self.rules.form.is_some() {
            return self.on_form_key(key);
        }
        if self.editing_filter() {
            return self.on_filter_key(key);
        }
        match lookup(self.view, self.read_only, key) {
            Some(action) => self.on_action(action),
            None => Effects::none(),
        }
    }

    fn editing_filter(&self) -> bool {
        match self.view {
            View::Images => self.images.editing_filter,
            View::Activity => self.activity.editing_filter,
            View::Rules => false,
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> Effects {
        let (filter, editing) = match self.view {
            View::Activity => (&mut self.activity.filter, &mut self.activity.editing_filter),
            _ => (&mut self.images.filter, &mut self.images.editing_filter),
        };
        match key.code {
            KeyCode::Enter => *editing = false,
            KeyCode::Esc => {
                *editing = false;
                filter.clear();
            }
            KeyCode::Backspace => {
                filter.pop();
            }
            KeyCode::Char(c) => filter.push(c),
            _ => return Effects::none(),
        }
        self.refilter();
        Effects::redraw()
    }

    fn refilter(&mut self) {
        match self.view {
            View::Activity => self.activity.rebuild(),
            _ => {
                if let Some(snapshot) = &self.snapshot {
                    self.images.rebuild(snapshot);
                }
            }
        }
    }

    fn on_action(&mut self, action: Action) -> Effects {
        match action {
            Action::Quit => Effects {
                quit: true,
                ..Effects::none()
            },
            Action::NextView => {
                let position = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                self.view = View::ALL[(position + 1) % View::ALL.len()];
                Effects::redraw()
            }
            Action::Help => {
                self.modal = Some(Modal::Help);
                Effects::redraw()
            }
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(self.page() as isize)),
            Action::PageDown => self.step(self.page() as isize),
            Action::Top => self.step(isize::MIN / 2),
            Action::Bottom => self.step(isize::MAX / 2),
            Action::Filter => {
                match self.view {
                    View::Activity => self.activity.editing_filter = true,
                    _ => self.images.editing_filter = true,
                }
                Effects::redraw()
            }
            Action::Sort | Action::SortReverse => {
                if action == Action::Sort {
                    self.images.sort = self.images.sort.next();
                } else {
                    self.images.reverse = !self.images.reverse;
                }
                self.refilter();
                Effects::redraw()
            }
            Action::Mark => self.toggle_mark(),
            Action::Details => {
                self.images.details = !self.images.details;
                Effects::redraw()
            }
            Action::Remove => self.open_confirm(Destructive::Remove),
            Action::Approve => self.open_confirm(Destructive::Approve),
            Action::Postpone => self.open_postpone(),
            Action::Pin => self.toggle_pin(),
            Action::Close => self.close(),
            Action::RuleNew
            | Action::RuleEdit
            | Action::RuleDelete
            | Action::RuleUp
            | Action::RuleDown
            | Action::Save
            | Action::Discard
            | Action::Import
            | Action::Export => self.on_rules_action(action),
        }
    }

    fn step(&mut self, delta: isize) -> Effects {
        let (scroll, len) = match self.view {
            View::Images => (&mut self.images.scroll, self.images.index.len()),
            View::Activity => (&mut self.activity.scroll, self.activity.index.len()),
            View::Rules => (&mut self.rules.scroll, self.rules.entries.len()),
        };
        let before = scroll.cursor;
        scroll.step(delta, len);
        if scroll.cursor == before {
            return Effects::none();
        }
        if self.view == View::Rules
            && let Some(snapshot) = &self.snapshot
        {
            self.rules.refresh_preview(snapshot);
        }
        Effects::redraw()
    }

    fn toggle_mark(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return Effects::none();
        };
        let Some(row) = self.images.current(snapshot) else {
            return Effects::none();
        };
        let key = super::images::row_name(snapshot, row).to_string();
        if !self.images.marks.remove(&key) {
            self.images.marks.insert(key);
        }
        self.images.scroll.step(1, self.images.index.len());
        Effects::redraw()
    }

    fn close(&mut self) -> Effects {
        match self.view {
            View::Images if self.images.details => self.images.details = false,
            View::Images if !self.images.filter.is_empty() => {
                self.images.filter.clear();
                self.refilter();
            }
            View::Images if !self.images.marks.is_empty() => self.images.marks.clear(),
            View::Activity if !self.activity.filter.is_empty() => {
                self.activity.filter.clear();
                self.refilter();
            }
            _ => return Effects::none(),
        }
        Effects::redraw()
    }

    fn open_confirm(&mut self, action: Destructive) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return Effects::none();
        };
        match targets::confirm(action, &self.images, snapshot) {
            Ok(confirm) => self.modal = Some(Modal::Confirm(confirm)),
            Err(reason) => self.set_status(reason, true),
        }
        Effects::redraw()
    }

    fn open_postpone(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return Effects::none();
        };
        let chosen: Vec<_> = targets::selected(&self.images, snapshot)
            .into_iter()
            .map(|row| targets::target(snapshot, row))
            .collect();
        if chosen.is_empty() {
            return Effects::none();
        }
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
            return Effects::none();
        };
        let rows = targets::selected(&self.images, snapshot);
        if rows.is_empty() {
            return Effects::none();
        }
        let pin = !rows.iter().all(|r| r.state == RefState::Pinned);
        let chosen = rows
            .iter()
            .map(|row| targets::target(snapshot, row))
            .collect();
        Effects::command(Command::Pin {
            targets: chosen,
            pin,
        })
    }

    fn on_modal_key(&mut self, modal: Modal, key: KeyEvent) -> Effects {
        match modal {
            Modal::Help => Effects::redraw(), // any key closes the help
            Modal::Confirm(mut confirm) => match key.code {
                KeyCode::Tab
                | KeyCode::BackTab
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Char('h' | 'l')
                    if confirm.can_confirm() =>
                {
                    confirm.confirm_focused = !confirm.confirm_focused;
                    self.modal = Some(Modal::Confirm(confirm));
                    Effects::redraw()
                }
                KeyCode::Enter if confirm.confirm_focused && confirm.can_confirm() => {
                    let targets = confirm.plain_targets();
                    self.images.marks.clear();
                    let command = match confirm.action {
                        Destructive::Remove => {
                            self.removing
                                .extend(targets.iter().map(|t| t.reference.clone()));
                            Command::Remove(targets)
                        }
                        Destructive::Approve => Command::Approve(targets),
                    };
                    Effects::command(command)
                }
                KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q' | 'n') => Effects::redraw(),
                _ => {
                    self.modal = Some(Modal::Confirm(confirm));
                    Effects::none()
                }
            },
            Modal::Prompt(prompt) => self.on_prompt_key(prompt, key),
        }
    }

    fn on_prompt_key(&mut self, mut prompt: Prompt, key: KeyEvent) -> Effects {
        match key.code {
            KeyCode::Esc => return Effects::redraw(),
            KeyCode::Enter => match submit_prompt(&prompt) {
                Ok(command) => {
                    self.images.marks.clear();
                    return Effects::command(command);
                }
                Err(error) => prompt.error = Some(error),
            },
            KeyCode::Backspace => {
                prompt.input.pop();
                prompt.error = None;
            }
            KeyCode::Char(c) => {
                prompt.input.push(c);
                prompt.error = None;
            }
            _ => {}
        }
        self.modal = Some(Modal::Prompt(prompt));
        Effects::redraw()
    }

    fn on_form_key(&mut self, key: KeyEvent) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return Effects::none();
        };
        let Some(form) = self.rules.form.as_mut() else {
            return Effects::none();
        };
        match key.code {
            KeyCode::Esc => {
                self.rules.form = None;
                self.rules.refresh_preview(snapshot);
                return Effects::redraw();
            }
            KeyCode::Enter => {
                if let Err(error) = self.rules.submit_form(snapshot) {
                    self.set_status(format!("rule not accepted: {error}"), true);
                }
                return Effects::redraw();
            }
            KeyCode::Tab | KeyCode::Down => form.field = form.field.next(),
            KeyCode::BackTab | KeyCode::Up => form.field = form.field.previous(),
            KeyCode::Char(' ') if form.field == Field::AgentOnly => {
                form.agent_only = !form.agent_only
            }
            KeyCode::Backspace => {
                if let Some(text) = form.text_mut() {
                    text.pop();
                }
            }
            KeyCode::Char(c) => {
                if let Some(text) = form.text_mut() {
                    text.push(c);
                }
            }
            _ => return Effects::none(),
        }
        self.rules.validate_form();
        self.rules.refresh_preview(snapshot);
        Effects::redraw()
    }

    fn on_rules_action(&mut self, action: Action) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            return Effects::none();
        };
        let changed = match action {
            Action::RuleNew => {
                self.rules.new_rule(snapshot);
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
                self.modal = Some(Modal::Prompt(Prompt {
                    kind: PromptKind::Export {
                        name: draft.name.clone(),
                        document: draft.document(),
                    },
                    input: format!("{}.json", draft.name),
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
        })
    }

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) -> Effects {
        if self.modal.is_some() || self.rules.form.is_some() {
            return Effects::none();
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.step(3),
            MouseEventKind::ScrollUp => self.step(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(row) =
                    crate::tui::view::layout::list_row_at(self, mouse.column, mouse.row)
                else {
                    return Effects::none();
                };
                let offset = match self.view {
                    View::Images => self.images.scroll.offset,
                    View::Activity => self.activity.scroll.offset,
                    View::Rules => self.rules.scroll.offset,
                };
                let cursor = match self.view {
                    View::Images => self.images.scroll.cursor,
                    View::Activity => self.activity.scroll.cursor,
                    View::Rules => self.rules.scroll.cursor,
                };
                self.step((offset + row) as isize - cursor as isize)
            }
            _ => Effects::none(),
        }
    }
}

/// Reads a prompt's answer into a command, or says what is wrong with it.
fn submit_prompt(prompt: &Prompt) -> Result<Command, String> {
    let input = prompt.input.trim();
    match &prompt.kind {
        PromptKind::Postpone(targets) => {
            let duration = humantime::parse_duration(input).map_err(|e| {
                format!("cannot read {input:?} as a duration ({e}); write e.g. 30m, 2h, 1day")
            })?;
            let seconds = duration.as_secs().min(i64::MAX as u64 / 4) as i64;
            Ok(Command::Postpone {
                targets: targets.clone(),
                seconds,
            })
        }
        PromptKind::Import if input.is_empty() => Err("give the path of a policy file".into()),
        PromptKind::Import => Ok(Command::Import {
            path: PathBuf::from(input),
        }),
        PromptKind::Export { .. } if input.is_empty() => Err("give a path to write to".into()),
        PromptKind::Export { name, document } => Ok(Command::Export {
            path: PathBuf::from(input),
            name: name.clone(),
            document: document.clone(),
        }),
    }
}

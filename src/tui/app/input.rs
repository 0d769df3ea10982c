//! Keys and mouse: modal layers first (dialog, prompt, form, filter), then the key table.

use super::form::Field;
use super::modal::{Ask, Modal, ModeChoice, PostponeTarget, Prompt, PromptKind, postpone_seconds};
use super::{App, View};
use crate::tui::keys::{self, Action, lookup};
use crate::tui::msg::{Command, Effects};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::path::{Path, PathBuf};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Effects {
        if key.kind == KeyEventKind::Release {
            return Effects::none();
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
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if ctrl_c {
            return self.request_quit();
        }
        if self.view == View::Rules && self.rules.form.is_some() {
            return self.on_form_key(key);
        }
        if self.editing_filter() {
            return self.on_filter_key(key);
        }
        match lookup(self.view, self.read_only, key) {
            Some(Action::JumpToView) => match key.code {
                KeyCode::Char(c @ '1'..='3') => {
                    self.show_view(View::ALL[c as usize - '1' as usize])
                }
                _ => Effects::none(),
            },
            Some(action) => self.on_action(action),
            None => self.not_offered(key),
        }
    }

    /// A key that does nothing here says why instead of nothing: it is off in a read-only
    /// console, or it belongs to another view.
    fn not_offered(&mut self, key: KeyEvent) -> Effects {
        if self.read_only
            && let Some(binding) = keys::binding(self.view, false, key)
        {
            self.set_status(
                format!(
                    "read-only: {} ({}) is off; the console was started with --read-only",
                    binding.description, binding.label
                ),
                true,
            );
            return Effects::redraw();
        }
        match keys::binding_elsewhere(self.view, key) {
            Some((binding, view)) => {
                let number = View::ALL.iter().position(|v| *v == view).unwrap_or(0) + 1;
                self.set_status(
                    format!(
                        "{} ({}) works in the {} view ({number})",
                        binding.label,
                        binding.description,
                        view.title()
                    ),
                    false,
                );
                Effects::redraw()
            }
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
            _ if edit_text(filter, key) => {}
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

    fn show_view(&mut self, view: View) -> Effects {
        if self.view == view {
            return Effects::none();
        }
        self.view = view;
        Effects::redraw()
    }

    fn on_action(&mut self, action: Action) -> Effects {
        let position = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
        match action {
            Action::Quit => self.request_quit(),
            Action::NextView => self.show_view(View::ALL[(position + 1) % View::ALL.len()]),
            Action::PreviousView => {
                self.show_view(View::ALL[(position + View::ALL.len() - 1) % View::ALL.len()])
            }
            Action::JumpToView => Effects::none(), // needs the key: see dispatch_key
            Action::Help => {
                self.modal = Some(Modal::Help { scroll: 0 });
                Effects::redraw()
            }
            Action::Messages => {
                self.modal = Some(Modal::Messages { scroll: 0 });
                Effects::redraw()
            }
            Action::Reconnect => {
                let text = if self.outage.is_some() || self.snapshot.is_none() {
                    "reconnecting to the engine now…"
                } else {
                    "reloading…"
                };
                self.set_status(text, false);
                Effects {
                    reload: true,
                    ..Effects::redraw()
                }
            }
            Action::Mode => self.open_mode(),
            Action::Suspend => Effects {
                suspend: true,
                ..Effects::redraw()
            },
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
                    let shown = crate::tui::view::images::shown_columns(self);
                    self.images.sort = self.images.sort.next_among(&shown);
                } else {
                    self.images.reverse = !self.images.reverse;
                }
                self.refilter();
                Effects {
                    prefs: Some(crate::tui::prefs::Prefs {
                        sort: self.images.sort,
                        reverse: self.images.reverse,
                    }),
                    ..Effects::redraw()
                }
            }
            Action::Details => {
                match self.view {
                    View::Activity => self.activity.details = !self.activity.details,
                    _ => self.images.details = !self.images.details,
                }
                Effects::redraw()
            }
            Action::DetailsDown => self.scroll_details(1),
            Action::DetailsUp => self.scroll_details(-1),
            Action::Mark
            | Action::MarkAll
            | Action::Remove
            | Action::Approve
            | Action::Postpone
            | Action::Pin
            | Action::Adopt
            | Action::CheckUpdates
            | Action::Refresh => self.on_images_action(action),
            Action::Close => self.close(),
            Action::RuleNew
            | Action::KeepNew
            | Action::DiskMarks
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

    pub(super) fn step(&mut self, delta: isize) -> Effects {
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

    /// `M`: asks which mode the enforcer should act in.
    fn open_mode(&mut self) -> Effects {
        let Some(snapshot) = &self.snapshot else {
            self.set_status("no data from the engine yet: the mode cannot be read", true);
            return Effects::redraw();
        };
        let current = snapshot.settings.mode;
        let holder_note = self
            .header
            .lease
            .as_ref()
            .filter(|lease| lease.mode != current)
            .map(|lease| {
                format!(
                    "{} acts in {} mode from its own command line; this changes the stored mode, \
                     which it takes up only when it restarts without --mode.",
                    lease.holder, lease.mode
                )
            });
        let waiting = snapshot
            .rows
            .iter()
            .filter(|row| {
                matches!(
                    row.state,
                    crate::core::plan::RefState::Due
                        | crate::core::plan::RefState::AwaitingApproval
                )
            })
            .count();
        let mut choice = ModeChoice {
            current,
            choice: current,
            holder_note,
            waiting,
        };
        choice.step(1);
        self.modal = Some(Modal::Mode(choice));
        Effects::redraw()
    }

    /// Scrolls the details pane by `delta` lines, within what it holds.
    fn scroll_details(&mut self, delta: isize) -> Effects {
        if !self.images.details {
            self.set_status("the details are closed: d opens them", false);
            return Effects::redraw();
        }
        let Some(area) = crate::tui::view::layout::areas(self).side else {
            return Effects::none();
        };
        let lines = crate::tui::view::details::line_count(self, area.width);
        let last = crate::tui::view::details::max_scroll(lines, area.height.saturating_sub(1));
        let before = self.images.details_scroll;
        self.images.details_scroll = before.saturating_add_signed(delta).min(last);
        if self.images.details_scroll == before {
            Effects::none()
        } else {
            Effects::redraw()
        }
    }

    fn close(&mut self) -> Effects {
        match self.view {
            View::Images if self.images.details => self.images.details = false,
            View::Images if !self.images.filter.is_empty() => {
                self.images.filter.clear();
                self.refilter();
            }
            View::Images if !self.images.marks.is_empty() => self.images.marks.clear(),
            View::Activity if self.activity.details => self.activity.details = false,
            View::Activity if !self.activity.filter.is_empty() => {
                self.activity.filter.clear();
                self.refilter();
            }
            _ => return Effects::none(),
        }
        Effects::redraw()
    }

    pub(super) fn on_prompt_key(&mut self, mut prompt: Prompt, key: KeyEvent) -> Effects {
        // The export's spelling: as the policy was read, or the other.
        if let (PromptKind::Export { document, .. }, KeyCode::Tab | KeyCode::BackTab) =
            (&mut prompt.kind, key.code)
        {
            document.spelling = match document.spelling {
                crate::core::policy::Spelling::Seed => crate::core::policy::Spelling::Anax,
                crate::core::policy::Spelling::Anax => crate::core::policy::Spelling::Seed,
            };
            self.modal = Some(Modal::Prompt(prompt));
            return Effects::redraw();
        }
        if let (PromptKind::Postpone(targets), KeyCode::Char('x')) = (&prompt.kind, key.code)
            && targets.iter().any(|t| t.postponed)
        {
            self.modal = Some(Modal::Ask(end_postponement(targets, self.now())));
            return Effects::redraw();
        }
        match key.code {
            KeyCode::Esc => return Effects::redraw(),
            KeyCode::Enter => match submit_prompt(&prompt, self.cwd.as_deref()) {
                Ok(command) => {
                    if !matches!(command, Command::Export { .. } | Command::Import { .. }) {
                        self.images.marks.clear();
                    }
                    return Effects::command(command);
                }
                Err(error) => prompt.error = Some(error),
            },
            _ if edit_text(&mut prompt.input, key) => prompt.error = None,
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
            KeyCode::Tab | KeyCode::Down => form.next_field(),
            KeyCode::BackTab | KeyCode::Up => form.previous_field(),
            KeyCode::Char(' ') if form.field == Field::AgentOnly => {
                form.agent_only = !form.agent_only
            }
            _ if form.text_mut().is_some_and(|text| edit_text(text, key)) => {}
            _ => return Effects::none(),
        }
        self.rules.validate_form();
        self.rules.refresh_preview(snapshot);
        Effects::redraw()
    }

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) -> Effects {
        if self.modal.is_some() || self.rules.form.is_some() {
            return Effects::none();
        }
        let over_details = self.view == View::Images
            && crate::tui::view::layout::areas(self)
                .side
                .is_some_and(|side| {
                    side.contains(ratatui::layout::Position::new(mouse.column, mouse.row))
                });
        match mouse.kind {
            MouseEventKind::ScrollDown if over_details => self.scroll_details(3),
            MouseEventKind::ScrollUp if over_details => self.scroll_details(-3),
            MouseEventKind::ScrollDown => self.step(3),
            MouseEventKind::ScrollUp => self.step(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(row) =
                    crate::tui::view::layout::list_row_at(self, mouse.column, mouse.row)
                else {
                    return Effects::none();
                };
                let scroll = match self.view {
                    View::Images => self.images.scroll,
                    View::Activity => self.activity.scroll,
                    View::Rules => self.rules.scroll,
                };
                self.step((scroll.offset + row) as isize - scroll.cursor as isize)
            }
            _ => Effects::none(),
        }
    }
}

/// The editing keys of every text field: typing, backspace, ^U (clear) and ^W (the last word,
/// up to a space or a `/ : @ .` of a name). Returns whether the key was one of them.
fn edit_text(text: &mut String, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Char('w') if ctrl => {
            let separator = |c: char| c.is_whitespace() || "/:@.".contains(c);
            let kept = text.trim_end_matches(separator).len();
            let start = text[..kept].rfind(separator).map_or(0, |i| i + 1);
            // The word goes, with separators after it; those before it stay (`myorg/`).
            text.truncate(start);
        }
        KeyCode::Char(c) if !ctrl => text.push(c),
        _ => return false,
    }
    true
}

/// Reads a prompt's answer into a command, or says what is wrong with it.
fn submit_prompt(prompt: &Prompt, cwd: Option<&Path>) -> Result<Command, String> {
    let input = prompt.input.trim();
    match &prompt.kind {
        PromptKind::Postpone(targets) => {
            let seconds = postpone_seconds(input, targets.iter().any(|t| t.postponed))?;
            Ok(Command::Postpone {
                targets: targets.iter().map(|t| t.target.clone()).collect(),
                seconds,
            })
        }
        PromptKind::Import if input.is_empty() => Err("give the path of a policy file".into()),
        PromptKind::Import => Ok(Command::Import {
            path: full_path(input, cwd),
        }),
        PromptKind::Export { .. } if input.is_empty() => Err("give a path to write to".into()),
        PromptKind::Export { name, document } => Ok(Command::Export {
            path: full_path(input, cwd),
            name: name.clone(),
            document: document.clone(),
            overwrite: false,
        }),
    }
}

/// A typed path made absolute against the console's working directory (`~` is the task's to
/// expand, as it needs the environment).
pub fn full_path(input: &str, cwd: Option<&Path>) -> PathBuf {
    let path = PathBuf::from(input);
    match cwd {
        Some(cwd) if path.is_relative() && !input.starts_with('~') => cwd.join(path),
        _ => path,
    }
}

/// The question before ending the postponements among `targets`: when each removal then goes.
fn end_postponement(targets: &[PostponeTarget], now: Option<crate::core::model::Timestamp>) -> Ask {
    let postponed: Vec<&PostponeTarget> = targets.iter().filter(|t| t.postponed).collect();
    let now = now.unwrap_or_default();
    let lines = postponed
        .iter()
        .map(|t| {
            let name = crate::core::format::escape_controls(&t.target.reference);
            match t.without {
                Some(at) if at <= now => format!(
                    "{name}: its removal goes back to {}, which has passed: the enforcer \
                     removes it at once.",
                    crate::tui::text::clock_time(Some(at), now)
                ),
                Some(at) => format!(
                    "{name}: its removal goes back to {} ({}).",
                    crate::tui::text::clock_time(Some(at), now),
                    crate::core::format::relative(at, now)
                ),
                None => format!("{name}: no removal is planned without it."),
            }
        })
        .collect();
    let title = match postponed.as_slice() {
        [one] => format!(" End the postponement of {}? ", one.target.reference),
        many => format!(
            " End the postponements of {}? ",
            crate::tui::text::count(many.len(), "reference", "references")
        ),
    };
    Ask {
        title,
        lines,
        button: "End postponement".into(),
        command: Command::EndPostponement(postponed.iter().map(|t| t.target.clone()).collect()),
        confirm_focused: false,
    }
}

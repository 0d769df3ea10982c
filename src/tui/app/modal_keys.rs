//! Keys while a box is open: the confirmation dialog, the prompt, the help, the message log, and
//! the questions before quitting and before overwriting a file.

use super::modal::{
    Ask, Confirm, Destructive, Modal, ModeChoice, Overwrite, QuitChoice, QuitConfirm,
};
use super::{App, form::check_document};
use crate::tui::msg::{Command, Effects};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    pub(super) fn on_modal_key(&mut self, modal: Modal, key: KeyEvent) -> Effects {
        match modal {
            Modal::Help { scroll } => match scrolled(scroll, key) {
                Some(scroll) => {
                    let last = crate::tui::keys::BINDINGS.len() + 8;
                    self.reopen(Modal::Help {
                        scroll: scroll.min(last),
                    })
                }
                None => Effects::redraw(), // any other key closes the help
            },
            Modal::Messages { scroll } => match scrolled(scroll, key) {
                Some(scroll) => {
                    let last = self.messages.entries.len().saturating_sub(1);
                    self.reopen(Modal::Messages {
                        scroll: scroll.min(last),
                    })
                }
                None => Effects::redraw(),
            },
            Modal::Confirm(confirm) => self.on_confirm_key(confirm, key),
            Modal::Prompt(prompt) => self.on_prompt_key(prompt, key),
            Modal::Quit(quit) => self.on_quit_key(quit, key),
            Modal::Overwrite(overwrite) => self.on_overwrite_key(overwrite, key),
            Modal::Ask(ask) => self.on_ask_key(ask, key),
            Modal::Mode(choice) => self.on_mode_key(choice, key),
        }
    }

    fn reopen(&mut self, modal: Modal) -> Effects {
        self.modal = Some(modal);
        Effects::redraw()
    }

    fn on_confirm_key(&mut self, mut confirm: Confirm, key: KeyEvent) -> Effects {
        match key.code {
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h' | 'l')
                if confirm.can_confirm() =>
            {
                confirm.confirm_focused = !confirm.confirm_focused;
                self.reopen(Modal::Confirm(confirm))
            }
            KeyCode::Char('y') if confirm.can_confirm() => self.confirmed(confirm),
            KeyCode::Enter if confirm.confirm_focused && confirm.can_confirm() => {
                self.confirmed(confirm)
            }
            KeyCode::Char('c') if confirm.can_confirm() => {
                // The whole command, to copy: on the clipboard and in the message log; the
                // dialog stays.
                let command = confirm.docker_command();
                self.set_status(
                    format!("copied (also in the message log, m): {command}"),
                    false,
                );
                self.modal = Some(Modal::Confirm(confirm));
                Effects {
                    clipboard: Some(command),
                    ..Effects::redraw()
                }
            }
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q' | 'n') => Effects::redraw(),
            _ => match scrolled(confirm.scroll, key) {
                Some(scroll) => {
                    confirm.scroll = scroll.min(confirm.targets.len().saturating_sub(1));
                    self.reopen(Modal::Confirm(confirm))
                }
                None => {
                    self.modal = Some(Modal::Confirm(confirm));
                    Effects::none()
                }
            },
        }
    }

    fn confirmed(&mut self, confirm: Confirm) -> Effects {
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

    /// `q`: quits, unless rule edits are not saved yet; then asks (save, discard, or stay).
    pub(super) fn request_quit(&mut self) -> Effects {
        let quit = self.unsaved();
        if quit.dirty.is_empty() {
            return Effects {
                quit: true,
                ..Effects::none()
            };
        }
        self.modal = Some(Modal::Quit(quit));
        Effects::redraw()
    }

    /// The policies with edits not saved (an open rule form counts), and which cannot be saved.
    fn unsaved(&self) -> QuitConfirm {
        let form_policy = self.rules.form.as_ref().map(|f| f.policy);
        let mut dirty = Vec::new();
        let mut invalid = Vec::new();
        for (p, draft) in self.rules.drafts.iter().enumerate() {
            let open_form = form_policy == Some(p);
            if !draft.dirty() && !open_form {
                continue;
            }
            dirty.push(draft.name.clone());
            let form_error = self
                .rules
                .form
                .as_ref()
                .filter(|_| open_form)
                .and_then(|f| f.errors.first().cloned());
            let error = form_error.or_else(|| check_document(&draft.document).0.into_iter().next());
            if let Some(error) = error {
                invalid.push((draft.name.clone(), error));
            }
        }
        QuitConfirm {
            dirty,
            invalid,
            focus: QuitChoice::Stay,
        }
    }

    fn on_quit_key(&mut self, mut quit: QuitConfirm, key: KeyEvent) -> Effects {
        let choices: Vec<QuitChoice> = QuitChoice::ALL
            .into_iter()
            .filter(|c| *c != QuitChoice::Save || quit.invalid.is_empty())
            .collect();
        let position = choices.iter().position(|c| *c == quit.focus).unwrap_or(0);
        let choice = match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                QuitChoice::Discard
            }
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => {
                quit.focus = choices[(position + 1) % choices.len()];
                return self.reopen(Modal::Quit(quit));
            }
            KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => {
                quit.focus = choices[(position + choices.len() - 1) % choices.len()];
                return self.reopen(Modal::Quit(quit));
            }
            KeyCode::Enter => quit.focus,
            KeyCode::Char('s' | 'w') if quit.invalid.is_empty() => QuitChoice::Save,
            KeyCode::Char('d') => QuitChoice::Discard,
            KeyCode::Esc | KeyCode::Char('n') => QuitChoice::Stay,
            _ => {
                self.modal = Some(Modal::Quit(quit));
                return Effects::none();
            }
        };
        match choice {
            QuitChoice::Stay => Effects::redraw(),
            QuitChoice::Discard => Effects {
                quit: true,
                ..Effects::none()
            },
            QuitChoice::Save => self.save_and_quit(&quit.dirty),
        }
    }

    /// Sends every unsaved policy to be saved; the console quits once all are.
    fn save_and_quit(&mut self, names: &[String]) -> Effects {
        if let Some(snapshot) = &self.snapshot
            && self.rules.form.is_some()
            && let Err(error) = self.rules.submit_form(snapshot)
        {
            self.set_status(format!("not quitting: rule not accepted: {error}"), true);
            return Effects::redraw();
        }
        let commands: Vec<Command> = self
            .rules
            .drafts
            .iter()
            .filter(|d| names.contains(&d.name))
            .map(|d| Command::SavePolicy {
                name: d.name.clone(),
                document: d.document(),
                version: d.version,
            })
            .collect();
        self.quit_after_saving = Some(names.to_vec());
        self.set_status(
            format!(
                "saving {} before quitting…",
                crate::tui::text::count(commands.len(), "policy", "policies")
            ),
            false,
        );
        Effects {
            commands,
            ..Effects::redraw()
        }
    }

    fn on_ask_key(&mut self, mut ask: Ask, key: KeyEvent) -> Effects {
        let confirmed = match key.code {
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h' | 'l') => {
                ask.confirm_focused = !ask.confirm_focused;
                return self.reopen(Modal::Ask(ask));
            }
            KeyCode::Char('y') => true,
            KeyCode::Enter => ask.confirm_focused,
            KeyCode::Esc | KeyCode::Char('n' | 'q') => false,
            _ => {
                self.modal = Some(Modal::Ask(ask));
                return Effects::none();
            }
        };
        if !confirmed {
            self.set_status("nothing changed", false);
            return Effects::redraw();
        }
        self.images.marks.clear();
        Effects::command(ask.command)
    }

    fn on_mode_key(&mut self, mut choice: ModeChoice, key: KeyEvent) -> Effects {
        match key.code {
            KeyCode::Char('j' | 'l') | KeyCode::Down | KeyCode::Right | KeyCode::Tab => {
                choice.step(1);
                self.reopen(Modal::Mode(choice))
            }
            KeyCode::Char('k' | 'h') | KeyCode::Up | KeyCode::Left | KeyCode::BackTab => {
                choice.step(-1);
                self.reopen(Modal::Mode(choice))
            }
            KeyCode::Enter | KeyCode::Char('y') if choice.choice == choice.current => {
                self.set_status(
                    format!("the enforcer stays in {} mode", choice.current),
                    false,
                );
                Effects::redraw()
            }
            KeyCode::Enter | KeyCode::Char('y') => {
                Effects::command(Command::SetMode(choice.choice))
            }
            KeyCode::Esc | KeyCode::Char('n' | 'q') => {
                self.set_status("nothing changed", false);
                Effects::redraw()
            }
            _ => {
                self.modal = Some(Modal::Mode(choice));
                Effects::none()
            }
        }
    }

    fn on_overwrite_key(&mut self, mut overwrite: Overwrite, key: KeyEvent) -> Effects {
        let confirmed = match key.code {
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h' | 'l') => {
                overwrite.confirm_focused = !overwrite.confirm_focused;
                return self.reopen(Modal::Overwrite(overwrite));
            }
            KeyCode::Char('y') => true,
            KeyCode::Enter => overwrite.confirm_focused,
            KeyCode::Esc | KeyCode::Char('n' | 'q') => false,
            _ => {
                self.modal = Some(Modal::Overwrite(overwrite));
                return Effects::none();
            }
        };
        if !confirmed || self.read_only {
            self.set_status(
                format!(
                    "{} left as it was; nothing exported",
                    overwrite.path.display()
                ),
                false,
            );
            return Effects::redraw();
        }
        Effects::command(Command::Export {
            path: overwrite.path,
            name: overwrite.name,
            document: overwrite.document,
            overwrite: true,
        })
    }
}

/// A scrolling key moves a box's first line; `None` for any other key.
fn scrolled(scroll: usize, key: KeyEvent) -> Option<usize> {
    Some(match key.code {
        KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
        KeyCode::PageDown => scroll.saturating_add(10),
        KeyCode::PageUp => scroll.saturating_sub(10),
        KeyCode::Char('d') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            scroll.saturating_add(10)
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            scroll.saturating_sub(10)
        }
        KeyCode::Char('g') | KeyCode::Home => 0,
        KeyCode::Char('G') | KeyCode::End => usize::MAX / 2,
        _ => return None,
    })
}

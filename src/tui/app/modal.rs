//! What can sit on top of a view: the one confirmation dialog, a one-line prompt, the help, the
//! message log, and the questions before quitting with unsaved edits or overwriting a file.

use crate::core::format::{clock_time, duration, relative};
use crate::core::model::{Container, Mode, Timestamp};
use crate::core::policy::PolicyDocument;
use crate::node::removal::Target;
use crate::tui::msg::Command;
use crate::tui::text::count;
use std::path::PathBuf;

/// Every action that removes images, or lets them be removed, is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destructive {
    Remove,
    Approve,
}

impl Destructive {
    pub fn verb(self) -> &'static str {
        match self {
            Destructive::Remove => "Remove",
            Destructive::Approve => "Approve removal of",
        }
    }

    pub fn button(self) -> &'static str {
        match self {
            Destructive::Remove => "Remove",
            Destructive::Approve => "Approve",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmTarget {
    pub target: Target,
    /// Bytes freed when this name goes; `None` when it only untags (the image keeps other names).
    pub frees: Option<u64>,
}

/// A target that cannot be acted on, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub reference: String,
    pub reason: String,
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub action: Destructive,
    /// What the action goes ahead with (blocked names are left out).
    pub targets: Vec<ConfirmTarget>,
    /// How many of the targets are marked rows the filter hides.
    pub hidden_by_filter: usize,
    /// Names the action cannot take (in use, pinned): listed, and skipped when there are others.
    pub blocked: Vec<Blocked>,
    /// Cancel is focused unless the operator moves to the confirm button.
    pub confirm_focused: bool,
    /// The first target listed, when they do not all fit.
    pub scroll: usize,
    /// Why nothing can be done now at all (the engine is unreachable).
    pub unavailable: Option<String>,
}

impl Confirm {
    /// Something can be done: the blocked names, if any, are skipped.
    pub fn can_confirm(&self) -> bool {
        !self.targets.is_empty() && self.unavailable.is_none()
    }

    pub fn bytes(&self) -> u64 {
        self.targets.iter().filter_map(|t| t.frees).sum()
    }

    /// What the same removal is at the Docker command line: every name, never cut.
    pub fn docker_command(&self) -> String {
        let names: Vec<&str> = self
            .targets
            .iter()
            .map(|t| t.target.reference.as_str())
            .collect();
        format!("docker rmi {}", names.join(" "))
    }

    /// What frees the blocked names: `docker stop` for running containers, then `docker rm`.
    pub fn containers_command(&self) -> Option<String> {
        let containers: Vec<&Container> = self.blocked.iter().flat_map(|b| &b.containers).collect();
        if containers.is_empty() {
            return None;
        }
        let names = |running: bool| -> Vec<&str> {
            let mut names: Vec<&str> = containers
                .iter()
                .filter(|c| !running || c.state == "running")
                .map(|c| c.name.as_str())
                .collect();
            names.dedup();
            names
        };
        let remove = format!("docker rm {}", names(false).join(" "));
        let running = names(true);
        Some(if running.is_empty() {
            remove
        } else {
            format!("docker stop {} && {remove}", running.join(" "))
        })
    }

    /// The confirm button: what happens, and to how many when some are skipped.
    pub fn button_label(&self) -> String {
        if self.blocked.is_empty() {
            self.action.button().to_string()
        } else {
            format!("{} the other {}", self.action.button(), self.targets.len())
        }
    }

    pub fn plain_targets(&self) -> Vec<Target> {
        self.targets.iter().map(|t| t.target.clone()).collect()
    }
}

/// A reference in the postpone dialog and how its removal stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PostponeTarget {
    pub target: Target,
    /// When its removal is planned now.
    pub planned: Option<Timestamp>,
    pub postponed: bool,
    /// When it would go without its postponement (for a postponed one).
    pub without: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Postpone(Vec<PostponeTarget>),
    Import,
    Export {
        name: String,
        document: PolicyDocument,
    },
}

/// `22:30 (in 17m 00s)`, or `now` for a time that has come.
fn when(at: Option<Timestamp>, now: Timestamp) -> String {
    match at {
        Some(at) if at > now => format!("{} ({})", clock_time(Some(at), now), relative(at, now)),
        Some(at) => format!("{} (due now)", clock_time(Some(at), now)),
        None => "not planned".to_string(),
    }
}

impl PromptKind {
    pub fn question(&self) -> String {
        match self {
            PromptKind::Postpone(_) => "How much later? (e.g. 30m, 2h, 1day)".to_string(),
            PromptKind::Import => "Import policy file (path):".to_string(),
            PromptKind::Export { name, document } => {
                let spelling = match document.spelling {
                    crate::core::policy::Spelling::Seed => "the seed spelling (image_policy)",
                    crate::core::policy::Spelling::Anax => {
                        "the agent's spelling (agentImagePolicy)"
                    }
                };
                format!(
                    "Export policy {name} as NMP JSON in {spelling}, tab for the other, to (a new \
                     file's path):"
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    pub error: Option<String>,
}

impl Prompt {
    /// A postpone dialog where `x` ends a postponement.
    pub fn ends_postponement(&self) -> bool {
        matches!(&self.kind, PromptKind::Postpone(targets) if targets.iter().any(|t| t.postponed))
    }

    /// What the dialog says besides its question, as the input stands: for a postponement, when
    /// the removal is planned, where the typed duration moves it, and how to end a postponement.
    pub fn notes(&self, now: Timestamp) -> Vec<String> {
        let PromptKind::Postpone(targets) = &self.kind else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        let postponed: Vec<&PostponeTarget> = targets.iter().filter(|t| t.postponed).collect();
        match targets.as_slice() {
            [one] => notes.push(format!(
                "Postpone {}{}: its removal is planned at {}.",
                one.target.reference,
                if one.postponed { " (postponed)" } else { "" },
                when(one.planned, now)
            )),
            many => notes.push(format!(
                "Postpone {}: each removal moves that much later than it is planned now.",
                count(many.len(), "reference", "references")
            )),
        }
        if let Ok(seconds) = postpone_seconds(&self.input, !postponed.is_empty()) {
            let later = duration(seconds);
            notes.push(match targets.as_slice() {
                [one] => format!(
                    "→ Removal at {}, {later} later than now planned.",
                    when(
                        one.planned.map(|at| at.max(now).saturating_add(seconds)),
                        now
                    )
                ),
                _ => format!("→ Each removal {later} later than now planned."),
            });
        }
        match postponed.as_slice() {
            [] => {}
            [one] => notes.push(format!(
                "x ends the postponement: removal back to {}.",
                when(one.without, now)
            )),
            many => notes.push(format!(
                "x ends the postponements of {}.",
                count(many.len(), "reference", "references")
            )),
        }
        notes
    }
}

/// Reads a postponement's duration: positive, at most 100 years; a refusal says what to do
/// instead (`x` ends a postponement, when there is one to end).
pub fn postpone_seconds(input: &str, can_end: bool) -> Result<i64, String> {
    let input = input.trim();
    let instead = if can_end {
        "x ends the postponement"
    } else {
        "r removes it now"
    };
    if input.starts_with('-') {
        return Err(format!(
            "a postponement only moves a removal later; {instead}"
        ));
    }
    let duration = humantime::parse_duration(input).map_err(|e| {
        format!("cannot read {input:?} as a duration ({e}); write e.g. 30m, 2h, 1day")
    })?;
    if duration.is_zero() {
        let end = if can_end {
            "; x ends the postponement"
        } else {
            ""
        };
        return Err(format!(
            "0 moves the removal no later: give how much later, e.g. 30m{end}"
        ));
    }
    crate::core::policy::limits::checked_duration_secs("a postponement", duration)
}

/// A question before an action that changes what gets removed without removing anything
/// itself (ending a postponement, unpinning, changing the enforcer's mode): what happens, one
/// button for it, and Cancel focused.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub title: String,
    pub lines: Vec<String>,
    pub button: String,
    pub command: Command,
    pub confirm_focused: bool,
}

/// The three ways out of quitting with unsaved rule edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitChoice {
    Stay,
    Discard,
    Save,
}

impl QuitChoice {
    pub const ALL: [QuitChoice; 3] = [QuitChoice::Stay, QuitChoice::Discard, QuitChoice::Save];

    pub fn label(self) -> &'static str {
        match self {
            QuitChoice::Stay => "Stay",
            QuitChoice::Discard => "Discard and quit",
            QuitChoice::Save => "Save and quit",
        }
    }
}

/// `q` with rule edits not saved yet.
#[derive(Debug, Clone, PartialEq)]
pub struct QuitConfirm {
    /// Policies with unsaved edits.
    pub dirty: Vec<String>,
    /// Of those, the ones that cannot be saved as they are, with the first error.
    pub invalid: Vec<(String, String)>,
    pub focus: QuitChoice,
}

/// An export whose file exists already: overwrite it only when the operator says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Overwrite {
    pub path: PathBuf,
    pub name: String,
    pub document: PolicyDocument,
    pub confirm_focused: bool,
}

/// `M`: the enforcer's mode to switch to.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeChoice {
    pub current: Mode,
    pub choice: Mode,
    /// Set when the enforcer acts in a mode of its own command line, which this does not change.
    pub holder_note: Option<String>,
    /// References due or awaiting approval now: what `auto` removes at once.
    pub waiting: usize,
}

impl ModeChoice {
    pub const MODES: [Mode; 3] = [Mode::Auto, Mode::Approve, Mode::DryRun];

    /// What the enforcer does in a mode.
    pub fn meaning(mode: Mode) -> &'static str {
        match mode {
            Mode::Auto => "removes references when they are due",
            Mode::Approve => "due removals wait until an operator approves them (a)",
            Mode::DryRun => "records what it would remove and removes nothing",
        }
    }

    /// Moves the choice by `delta` modes, round.
    pub fn step(&mut self, delta: isize) {
        let at = ModeChoice::MODES
            .iter()
            .position(|m| *m == self.choice)
            .unwrap_or(0) as isize;
        let len = ModeChoice::MODES.len() as isize;
        self.choice = ModeChoice::MODES[(at + delta).rem_euclid(len) as usize];
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Confirm(Confirm),
    Prompt(Prompt),
    Help {
        scroll: usize,
    },
    /// The message log: every status message in full, newest first.
    Messages {
        scroll: usize,
    },
    Quit(QuitConfirm),
    Overwrite(Overwrite),
    Ask(Ask),
    Mode(ModeChoice),
}

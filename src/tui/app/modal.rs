//! What can sit on top of a view: the one confirmation dialog, a one-line prompt, the help.

use crate::model::Container;
use crate::policy::PolicyDocument;
use crate::removal::Target;

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
    pub targets: Vec<ConfirmTarget>,
    /// How many of the targets are marked rows the filter hides.
    pub hidden_by_filter: usize,
    pub blocked: Vec<Blocked>,
    /// Cancel is focused unless the operator moves to the confirm button.
    pub confirm_focused: bool,
}

impl Confirm {
    /// An image in use (or a pinned name) blocks the whole action: no confirm button.
    pub fn can_confirm(&self) -> bool {
        self.blocked.is_empty() && !self.targets.is_empty()
    }

    pub fn bytes(&self) -> u64 {
        self.targets.iter().filter_map(|t| t.frees).sum()
    }

    /// What the same removal is at the Docker command line.
    pub fn docker_command(&self) -> String {
        let names: Vec<&str> = self
            .targets
            .iter()
            .map(|t| t.target.reference.as_str())
            .collect();
        format!("docker rmi {}", names.join(" "))
    }

    pub fn plain_targets(&self) -> Vec<Target> {
        self.targets.iter().map(|t| t.target.clone()).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Postpone(Vec<Target>),
    Import,
    Export {
        name: String,
        document: PolicyDocument,
    },
}

impl PromptKind {
    pub fn question(&self) -> String {
        match self {
            PromptKind::Postpone(targets) if targets.len() == 1 => {
                format!(
                    "Postpone {} for (e.g. 30m, 2h, 1day):",
                    targets[0].reference
                )
            }
            PromptKind::Postpone(targets) => {
                format!(
                    "Postpone {} references for (e.g. 30m, 2h, 1day):",
                    targets.len()
                )
            }
            PromptKind::Import => "Import policy file (path):".to_string(),
            PromptKind::Export { name, .. } => format!("Export policy {name} to (path):"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Confirm(Confirm),
    Prompt(Prompt),
    Help,
}

//! What flows into the console's state (`Msg`) and what comes out of it (`Effects`, `Command`).

use crate::core::model::Timestamp;
use crate::core::policy::PolicyDocument;
use crate::core::snapshot::Snapshot;
use crate::node::engine::EngineInfo;
use crate::node::removal::Target;
use crate::node::store::{AuditEntry, Lease};
use crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;

/// One fresh picture from the loader task.
pub struct Loaded {
    /// Increases with every load; an older result arriving late is dropped.
    pub seq: u64,
    pub snapshot: Snapshot,
    pub engine: EngineInfo,
    pub lease: Option<Lease>,
    /// Newest first.
    pub audit: Vec<AuditEntry>,
    /// Tags whose registry digest moved, as the last check found (and the image still carries
    /// the digest it was found with): reference -> the registry's digest.
    pub updates: std::collections::HashMap<String, String>,
}

// `Done` is the largest variant (an imported policy document rides along); a few messages a
// second do not make its size matter.
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The once-a-second countdown tick (only scheduled while a countdown is visible).
    Tick(Timestamp),
    Loaded(Box<Loaded>),
    /// The engine cannot be reached; the loader retries by itself.
    Outage {
        seq: u64,
        error: String,
    },
    Enforcer(EnforcerStatus),
    /// A note for the status line from outside the state (remembering the view choices failed).
    Note {
        text: String,
        error: bool,
    },
    /// An action waits for something outside the console (another process holds the database
    /// locked); its `Done` ends the wait.
    Waiting(String),
    Done(ActionResult),
    /// SIGTERM, SIGINT or SIGHUP.
    Quit,
}

/// What the background enforcer last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnforcerStatus {
    Cycle { leased: bool, actions: usize },
    Outage(String),
}

/// Work for the action task.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Remove(Vec<Target>),
    Approve(Vec<Target>),
    /// Moves each removal `seconds` later than planned when the action task runs it.
    Postpone {
        targets: Vec<Target>,
        seconds: i64,
    },
    /// Ends the targets' postponements.
    EndPostponement(Vec<Target>),
    Pin {
        targets: Vec<Target>,
        pin: bool,
    },
    /// Stores the enforcer's mode (audited, as `imgreaper settings --mode`).
    SetMode(crate::core::model::Mode),
    /// Sets (adopt) or clears (disown) the agent-downloaded flag of the targets' images.
    Adopt {
        targets: Vec<Target>,
        adopt: bool,
    },
    /// Asks the registries whether these tags moved (§15).
    CheckUpdates(Vec<String>),
    /// Pulls those of these tags whose registry digest moved.
    Refresh(Vec<String>),
    /// Saves the policy if the stored one is still `version`, the one the edits began on
    /// (`None`: not saved before).
    SavePolicy {
        name: String,
        document: PolicyDocument,
        version: Option<i64>,
    },
    Import {
        path: PathBuf,
    },
    /// Writes the policy as NMP JSON to `path`, a new file unless `overwrite` (which the
    /// operator confirmed, and which a read-only console never sends).
    Export {
        path: PathBuf,
        name: String,
        document: PolicyDocument,
        overwrite: bool,
    },
}

impl Command {
    /// What the command does, for a message while it waits: `pin myorg/app:1`.
    pub fn describe(&self) -> String {
        let names = |targets: &[Target]| match targets {
            [one] => one.reference.clone(),
            many => crate::tui::text::count(many.len(), "reference", "references"),
        };
        match self {
            Command::Remove(targets) => format!("removing {}", names(targets)),
            Command::Approve(targets) => format!("approving {}", names(targets)),
            Command::Postpone { targets, .. } => format!("postponing {}", names(targets)),
            Command::EndPostponement(targets) => {
                format!("ending the postponement of {}", names(targets))
            }
            Command::Pin { targets, pin: true } => format!("pinning {}", names(targets)),
            Command::Pin { targets, .. } => format!("unpinning {}", names(targets)),
            Command::Adopt {
                targets,
                adopt: true,
            } => format!("adopting {}", names(targets)),
            Command::Adopt { targets, .. } => format!("disowning {}", names(targets)),
            Command::SavePolicy { name, .. } => format!("saving policy {name}"),
            Command::SetMode(mode) => format!("switching the enforcer to {mode} mode"),
            Command::CheckUpdates(references) => {
                format!(
                    "checking {}",
                    crate::tui::text::count(references.len(), "tag", "tags")
                )
            }
            Command::Refresh(references) => {
                format!(
                    "refreshing {}",
                    crate::tui::text::count(references.len(), "tag", "tags")
                )
            }
            Command::Import { path } => format!("importing {}", path.display()),
            Command::Export { name, .. } => format!("exporting policy {name}"),
        }
    }
}

/// What the action task reports back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionResult {
    pub ok: bool,
    pub message: String,
    /// References whose removal finished (in any way): no longer "removing".
    pub finished: Vec<String>,
    /// reference -> the engine's reason.
    pub failed: Vec<(String, String)>,
    /// A policy read from a file: (name, document), to be edited and saved.
    pub imported: Option<(String, PolicyDocument)>,
    /// The name of a policy just saved: its draft is clean again.
    pub saved: Option<String>,
    /// The version it was saved as.
    pub version: Option<i64>,
    /// An export's file that exists already and was left as it is.
    pub exists: Option<PathBuf>,
}

/// What `App::update` asks of the loop around it.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    /// Something visible changed: draw once.
    pub redraw: bool,
    pub quit: bool,
    pub commands: Vec<Command>,
    /// Reconnect to the engine and load now, without waiting for the backoff.
    pub reload: bool,
    /// Ctrl-Z: give the terminal back and stop until the shell resumes the console.
    pub suspend: bool,
    /// Text to put on the terminal's clipboard (OSC 52, where the terminal allows it).
    pub clipboard: Option<String>,
    /// View choices that changed, to be remembered in the config directory.
    pub prefs: Option<crate::tui::prefs::Prefs>,
}

impl Effects {
    pub fn redraw() -> Effects {
        Effects {
            redraw: true,
            ..Effects::default()
        }
    }

    pub fn none() -> Effects {
        Effects::default()
    }

    pub fn command(command: Command) -> Effects {
        Effects {
            redraw: true,
            commands: vec![command],
            ..Effects::default()
        }
    }
}

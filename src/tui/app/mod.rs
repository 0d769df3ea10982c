//! The console's state and its one entry point, `update(msg) -> effects`. Pure: no I/O, no
//! clock; everything arrives as a message and everything to do leaves as an effect.

pub mod activity;
pub mod form;
mod image_actions;
pub mod images;
mod incoming;
mod input;
pub mod messages;
pub mod modal;
mod modal_keys;
pub mod needs;
pub mod preview;
mod rule_actions;
pub mod rules;
pub mod scroll;
pub mod targets;

use crate::core::model::Timestamp;
use crate::core::snapshot::Snapshot;
use crate::node::engine::EngineInfo;
use crate::node::store::Lease;
use crate::tui::keys::View;
use crate::tui::msg::{Command, Effects, EnforcerStatus, Msg};
use crate::tui::theme::Theme;
use activity::ActivityList;
use images::ImageList;
use messages::MessageLog;
use modal::Modal;
use rules::RulesEditor;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

/// What the header shows besides the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub engine: EngineInfo,
    pub lease: Option<Lease>,
    /// The lease holder name of this console's own enforcer, to say "this console".
    pub own_holder: Option<String>,
    pub enforcer: Option<EnforcerStatus>,
    /// Shown under the header while the console shows the demo engine (assets/demo/up).
    pub demo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    /// The message is about these references and goes once none of them is still waiting
    /// (an approval's "…removes them on its next cycle").
    pub until_gone: Vec<String>,
}

pub struct App {
    pub read_only: bool,
    pub theme: Theme,
    /// The terminal shows ASCII only (a vt100): the frame is drawn without box drawing.
    pub ascii: bool,
    /// Where relative paths typed in prompts lead (shown in full before anything is written).
    pub cwd: Option<PathBuf>,
    pub view: View,
    pub snapshot: Option<Snapshot>,
    pub header: Header,
    /// Set while the engine cannot be reached: the last data stays, greyed.
    pub outage: Option<String>,
    /// When the data on screen was read (the last load), to say how old it is in an outage.
    pub loaded_at: Option<Timestamp>,
    /// What an action waits for outside the console (a database another process holds locked).
    pub waiting: Option<String>,
    pub images: ImageList,
    pub rules: RulesEditor,
    pub activity: ActivityList,
    pub modal: Option<Modal>,
    pub status: Option<Status>,
    pub messages: MessageLog,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// References whose removal was sent and has not come back yet.
    pub removing: HashSet<String>,
    /// reference -> why its last removal failed.
    pub failed: HashMap<String, String>,
    /// Tags whose registry digest moved (the last check): reference -> the registry's digest.
    pub updates: HashMap<String, String>,
    /// Commands sent to the action task, oldest first: results come back in the same order.
    in_flight: VecDeque<Command>,
    /// Policies still being saved before the console quits ("save and quit").
    quit_after_saving: Option<Vec<String>>,
    /// The newest audit entry already seen, to tell what the enforcer did since.
    newest_audit: Option<i64>,
    seq: u64,
}

impl App {
    pub fn new(read_only: bool, theme: Theme, size: (u16, u16)) -> App {
        App {
            read_only,
            theme,
            ascii: false,
            cwd: None,
            view: View::Images,
            snapshot: None,
            header: Header::default(),
            outage: None,
            waiting: None,
            loaded_at: None,
            images: ImageList::default(),
            rules: RulesEditor::default(),
            activity: ActivityList::default(),
            modal: None,
            status: None,
            messages: MessageLog::default(),
            size,
            removing: HashSet::new(),
            failed: HashMap::new(),
            updates: HashMap::new(),
            in_flight: VecDeque::new(),
            quit_after_saving: None,
            newest_audit: None,
            seq: 0,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Effects {
        let effects = match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Resize(columns, rows) => {
                self.size = (columns, rows);
                Effects::redraw()
            }
            Msg::Tick(now) => self.on_tick(now),
            Msg::Loaded(loaded) => self.on_loaded(*loaded),
            Msg::Outage { seq, error } => self.on_outage(seq, error),
            Msg::Enforcer(status) => {
                if self.header.enforcer.as_ref() == Some(&status) {
                    return Effects::none();
                }
                self.header.enforcer = Some(status);
                Effects::redraw()
            }
            Msg::Note { text, error } => {
                self.set_status(text, error);
                Effects::redraw()
            }
            Msg::Waiting(text) => {
                self.waiting = Some(text);
                Effects::redraw()
            }
            Msg::Done(result) => self.on_done(result),
            Msg::Quit => Effects {
                quit: true,
                ..Effects::none()
            },
        };
        self.in_flight.extend(effects.commands.iter().cloned());
        self.follow_cursors();
        effects
    }

    /// The loop could not hand a command to the action task (busy, or stopped): it will never
    /// come back, so it is no longer waited for, and `reason` says why nothing was done.
    pub fn not_sent(&mut self, command: &Command, reason: &str) {
        if let Some(position) = self.in_flight.iter().rposition(|c| c == command) {
            self.in_flight.remove(position);
        }
        if let Command::Remove(targets) = command {
            for target in targets {
                self.removing.remove(&target.reference);
            }
        }
        self.quit_after_saving = None;
        self.set_status(reason, true);
    }

    /// Starts from the view choices the operator made before.
    pub fn apply_prefs(&mut self, prefs: crate::tui::prefs::Prefs) {
        self.images.sort = prefs.sort;
        self.images.reverse = prefs.reverse;
    }

    /// Rows the current list shows at once.
    pub fn page(&self) -> usize {
        crate::tui::view::layout::list_rows(self)
    }

    fn follow_cursors(&mut self) {
        // Another row's details start at their top.
        let current = self
            .snapshot
            .as_ref()
            .and_then(|s| self.images.current(s).map(|row| images::row_name(s, row)));
        if self.images.details_of.as_deref() != current {
            self.images.details_of = current.map(str::to_string);
            self.images.details_scroll = 0;
        }
        let page = self.page();
        self.images.scroll.follow(page);
        self.rules.scroll.follow(page);
        self.activity.scroll.follow(page);
        if self.activity.scroll.cursor == 0 {
            self.activity.mark_seen();
        }
    }

    /// The time as far as the console knows it: the last load or tick.
    pub fn now(&self) -> Option<Timestamp> {
        self.snapshot.as_ref().map(|s| s.now)
    }

    /// `as of 22:13` while the engine is away and the figures on screen are the last read.
    pub fn stale_since(&self) -> Option<String> {
        self.outage.as_ref()?;
        let (at, now) = (self.loaded_at?, self.now()?);
        Some(format!(
            "as of {}",
            crate::tui::text::clock_time(Some(at), now)
        ))
    }

    /// Shows a message in the status line (until the next key) and keeps it in the log.
    /// A key that acts on data, pressed before the first load: said, never dropped silently.
    pub(super) fn not_loaded_yet(&mut self) -> Effects {
        self.set_status(
            "still reading images and policies from the engine: press the key again once the list shows",
            false,
        );
        Effects::redraw()
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        let text = text.into();
        self.messages.push(&text, error, self.now());
        self.status = Some(Status {
            text,
            error,
            until_gone: Vec::new(),
        });
    }
}

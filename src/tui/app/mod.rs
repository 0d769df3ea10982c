//! The console's state and its one entry point, `update(msg) -> effects`. Pure: no I/O, no
//! clock; everything arrives as a message and everything to do leaves as an effect.

pub mod activity;
pub mod form;
pub mod images;
mod input;
pub mod modal;
pub mod preview;
pub mod rules;
pub mod scroll;
pub mod targets;

use crate::engine::EngineInfo;
use crate::snapshot::Snapshot;
use crate::store::Lease;
use crate::tui::keys::View;
use crate::tui::msg::{Effects, EnforcerStatus, Loaded, Msg};
use crate::tui::theme::Theme;
use activity::ActivityList;
use images::{ImageList, row_name};
use modal::Modal;
use rules::RulesEditor;
use std::collections::{HashMap, HashSet};

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
}

pub struct App {
    pub read_only: bool,
    pub theme: Theme,
    pub view: View,
    pub snapshot: Option<Snapshot>,
    pub header: Header,
    /// Set while the engine cannot be reached: the last data stays, greyed.
    pub outage: Option<String>,
    pub images: ImageList,
    pub rules: RulesEditor,
    pub activity: ActivityList,
    pub modal: Option<Modal>,
    pub status: Option<Status>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// References whose removal was sent and has not come back yet.
    pub removing: HashSet<String>,
    /// reference -> why its last removal failed.
    pub failed: HashMap<String, String>,
    seq: u64,
}

impl App {
    pub fn new(read_only: bool, theme: Theme, size: (u16, u16)) -> App {
        App {
            read_only,
            theme,
            view: View::Images,
            snapshot: None,
            header: Header::default(),
            outage: None,
            images: ImageList::default(),
            rules: RulesEditor::default(),
            activity: ActivityList::default(),
            modal: None,
            status: None,
            size,
            removing: HashSet::new(),
            failed: HashMap::new(),
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
            Msg::Outage { seq, error } => {
                if seq < self.seq || self.outage.as_ref() == Some(&error) {
                    return Effects::none();
                }
                self.outage = Some(error);
                Effects::redraw()
            }
            Msg::Enforcer(status) => {
                if self.header.enforcer.as_ref() == Some(&status) {
                    return Effects::none();
                }
                self.header.enforcer = Some(status);
                Effects::redraw()
            }
            Msg::Done(result) => self.on_done(result),
            Msg::Quit => Effects {
                quit: true,
                ..Effects::none()
            },
        };
        self.follow_cursors();
        effects
    }

    fn on_loaded(&mut self, loaded: Loaded) -> Effects {
        if loaded.seq <= self.seq && self.snapshot.is_some() {
            return Effects::none(); // a stale result that arrived late
        }
        self.seq = loaded.seq;
        self.outage = None;
        self.header.engine = loaded.engine;
        self.header.lease = loaded.lease;
        let snapshot = loaded.snapshot;
        let present: HashSet<&str> = snapshot
            .rows
            .iter()
            .map(|r| row_name(&snapshot, r))
            .collect();
        self.removing.retain(|r| present.contains(r.as_str()));
        self.failed.retain(|r, _| present.contains(r.as_str()));
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
        self.snapshot = Some(snapshot);
        Effects::redraw()
    }

    fn on_done(&mut self, result: crate::tui::msg::ActionResult) -> Effects {
        for reference in &result.finished {
            self.removing.remove(reference);
        }
        for (reference, reason) in &result.failed {
            self.failed.insert(reference.clone(), reason.clone());
        }
        if let Some(name) = &result.saved {
            self.rules.mark_saved(name);
        }
        if let Some((name, document)) = result.imported
            && let Some(snapshot) = &self.snapshot
        {
            self.rules.import(name, document, snapshot);
        }
        self.status = Some(Status {
            text: result.message,
            error: !result.ok,
        });
        Effects::redraw()
    }

    /// Replans for the new second only while a countdown is on screen, and asks for a redraw only
    /// when what is shown actually changed.
    fn on_tick(&mut self, now: crate::model::Timestamp) -> Effects {
        if !self.countdown_visible() {
            return Effects::none();
        }
        let before = self.visible_countdowns();
        if let Some(snapshot) = &mut self.snapshot {
            snapshot.replan(now);
        }
        if self.visible_countdowns() == before {
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

    /// Whether any row on screen (or the details pane) shows a live countdown.
    pub fn countdown_visible(&self) -> bool {
        let Some(snapshot) = &self.snapshot else {
            return false;
        };
        if self.view != View::Images || matches!(self.modal, Some(Modal::Help)) {
            return false;
        }
        self.visible_rows()
            .iter()
            .any(|&i| snapshot.rows[i].deadline.is_some())
    }

    /// The countdown texts and states on screen: what a tick could change.
    fn visible_countdowns(&self) -> Vec<(&'static str, String)> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        self.visible_rows()
            .iter()
            .map(|&i| {
                let row = &snapshot.rows[i];
                (
                    row.state.label(),
                    crate::tui::text::countdown(row, snapshot.now),
                )
            })
            .collect()
    }

    /// Rows the current list shows at once.
    pub fn page(&self) -> usize {
        crate::tui::view::layout::list_rows(self)
    }

    fn follow_cursors(&mut self) {
        let page = self.page();
        self.images.scroll.follow(page);
        self.rules.scroll.follow(page);
        self.activity.scroll.follow(page);
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
        });
    }
}

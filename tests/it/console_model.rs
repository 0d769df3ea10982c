//! Model-based test of the console: random walks through `App::update` and `view::draw` on a
//! `TestBackend` — keys, loads that grow, shrink and reorder the list, resizes from 20×5 to
//! 200×60, engine outages and actions finishing. After every step nothing has panicked and the
//! cursors and marks name rows that exist. 64 walks of 200 steps: 12,800 steps per run.
//!
//! A walk that ever fails is kept below as a regular test (`kept_walk_*`).

use crate::console;

use console::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use imgreaper::core::model::{Image, Mode, Overrides};
use imgreaper::core::saved::StoredPolicy;
use imgreaper::node::removal::Target;
use imgreaper::node::store::{AuditEntry, NewAudit};
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{ActionResult, Command, Msg};
use imgreaper::tui::theme::Theme;
use imgreaper::tui::view;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::VecDeque;

/// Every image a load may hold: all the states, dangling images, several names per image, names
/// long enough to be cut, and containers.
fn pool() -> Vec<Image> {
    let mut pool = images();
    let long = "localhost:5000/edge/ml-inference-cpu-optimized-with-a-long-name";
    pool.extend([
        image("i9", &[&format!("{long}:1.2.3")], 300 * MB, &[]),
        image("j10", &[&format!("{long}:1.2.4")], 301 * MB, &[]),
        image("k11", &[], 3 * MB, &[]),
        image(
            "l12",
            &["myorg/app:2.0", "myorg/app:latest", "myorg/app:stable"],
            90 * MB,
            &[],
        ),
        image("m13", &["busybox:1.36"], MB, &[("job", "created")]),
        image("n14", &["nginx:1.27"], 46 * MB, &[]),
    ]);
    for i in 0..14 {
        pool.push(image(
            &format!("p{i}"),
            &[&format!("fleet{}/app{i}:{}", i % 3, i % 5)],
            (i + 1) * MB,
            &[],
        ));
    }
    pool
}

fn policies_with(extra: bool) -> Vec<StoredPolicy> {
    let mut policies = policies();
    if extra {
        let mut second = policies[0].clone();
        second.name = "fleet".into();
        second.document.rules = vec![rule("fleet*/*", 5, false), rule("*", 1_440, true)];
        policies.push(second);
    }
    policies
}

#[derive(Debug, Clone)]
enum Step {
    Key(KeyCode, KeyModifiers),
    /// Which images of the pool are present, in which order, and how much audit there is.
    Load {
        present: Vec<bool>,
        rotate: usize,
        reverse: bool,
        audit: usize,
        extra_policy: bool,
        approve_mode: bool,
    },
    Resize(u16, u16),
    Outage,
    /// The oldest command sent comes back, done or failed.
    Finish(bool),
    Tick(i64),
    Mouse(MouseEventKind, u16, u16),
}

fn key_code() -> impl Strategy<Value = KeyCode> {
    let chars: Vec<char> = "jkgGdrapPAsSnexKJwuiom*RcyqQ/ 123?hlvXZ.:-_@"
        .chars()
        .collect();
    prop_oneof![
        6 => prop::sample::select(chars).prop_map(KeyCode::Char),
        1 => prop::char::range('!', '~').prop_map(KeyCode::Char),
        3 => prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
        ]),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let pool = pool().len();
    prop_oneof![
        40 => (key_code(), prop_oneof![9 => Just(KeyModifiers::NONE), 1 => Just(KeyModifiers::CONTROL)])
            .prop_map(|(code, modifiers)| Step::Key(code, modifiers)),
        6 => (
            prop::collection::vec(prop::bool::weighted(0.6), pool),
            0..pool,
            any::<bool>(),
            0usize..40,
            any::<bool>(),
            prop::bool::weighted(0.3),
        )
            .prop_map(|(present, rotate, reverse, audit, extra_policy, approve_mode)| Step::Load {
                present,
                rotate,
                reverse,
                audit,
                extra_policy,
                approve_mode,
            }),
        3 => (20u16..=200, 5u16..=60).prop_map(|(w, h)| Step::Resize(w, h)),
        1 => Just(Step::Outage),
        4 => any::<bool>().prop_map(Step::Finish),
        2 => (1i64..4_000).prop_map(Step::Tick),
        2 => (
            prop::sample::select(vec![
                MouseEventKind::ScrollDown,
                MouseEventKind::ScrollUp,
                MouseEventKind::Down(MouseButton::Left),
            ]),
            0u16..200,
            0u16..60,
        )
            .prop_map(|(kind, column, row)| Step::Mouse(kind, column, row)),
    ]
}

fn audit_of(count: usize) -> Vec<AuditEntry> {
    (0..count as i64)
        .rev()
        .map(|id| AuditEntry {
            id: id + 1,
            entry: NewAudit::new(
                NOW - 3_600 + id * 30,
                "enforcer",
                "remove",
                &format!("old/app:{id}"),
                "",
            )
            .freed(MB),
        })
        .collect()
}

/// The world around the console: what it was last sent and what it asked for.
struct World {
    seq: u64,
    now: i64,
    in_flight: VecDeque<Command>,
}

impl World {
    fn apply(&mut self, app: &mut App, step: Step) {
        let effects = match step {
            Step::Key(code, modifiers) => app.update(Msg::Key(KeyEvent::new(code, modifiers))),
            Step::Load {
                present,
                rotate,
                reverse,
                audit,
                extra_policy,
                approve_mode,
            } => {
                let mut images: Vec<Image> = pool()
                    .into_iter()
                    .zip(present)
                    .filter_map(|(image, keep)| keep.then_some(image))
                    .collect();
                let len = images.len().max(1);
                images.rotate_left(rotate % len);
                if reverse {
                    images.reverse();
                }
                let mode = if approve_mode {
                    Mode::Approve
                } else {
                    Mode::Auto
                };
                let mut snapshot =
                    snapshot_of(images, policies_with(extra_policy), overrides_of(), mode);
                snapshot.replan(self.now);
                self.seq += 1;
                app.update(loaded_with(self.seq, snapshot, audit_of(audit)))
            }
            Step::Resize(w, h) => app.update(Msg::Resize(w, h)),
            Step::Outage => {
                self.seq += 1;
                app.update(Msg::Outage {
                    seq: self.seq,
                    error: "cannot reach the Docker engine at unix:///var/run/docker.sock: \
                            connection refused (is dockerd running?)"
                        .into(),
                })
            }
            Step::Finish(ok) => match self.in_flight.pop_front() {
                Some(command) => app.update(Msg::Done(outcome(&command, ok))),
                None => app.update(Msg::Tick(self.now)),
            },
            Step::Tick(seconds) => {
                self.now += seconds;
                app.update(Msg::Tick(self.now))
            }
            Step::Mouse(kind, column, row) => app.update(Msg::Mouse(MouseEvent {
                kind,
                column,
                row,
                modifiers: KeyModifiers::NONE,
            })),
        };
        if app.read_only {
            for command in &effects.commands {
                assert!(
                    read_only_may_send(command),
                    "the read-only console sent {command:?}"
                );
            }
        }
        self.in_flight.extend(effects.commands);
    }
}

fn overrides_of() -> Overrides {
    overrides()
}

/// A read-only console writes nothing but a new export file.
fn read_only_may_send(command: &Command) -> bool {
    matches!(
        command,
        Command::Export {
            overwrite: false,
            ..
        }
    )
}

fn names(targets: &[Target]) -> Vec<String> {
    targets.iter().map(|t| t.reference.clone()).collect()
}

/// What the action task would report for a command.
fn outcome(command: &Command, ok: bool) -> ActionResult {
    let mut result = ActionResult {
        ok,
        message: if ok {
            "done".into()
        } else {
            "cannot reach the Docker engine: a long reason that does not fit on one status line at \
             eighty columns, with a path /tmp/ux/bad.json:2:1 and more after it"
                .into()
        },
        ..ActionResult::default()
    };
    match command {
        Command::Remove(targets) => {
            result.finished = names(targets);
            if !ok {
                result.failed = names(targets)
                    .into_iter()
                    .map(|name| (name, "engine away".to_string()))
                    .collect();
            }
        }
        Command::SavePolicy { name, .. } if ok => result.saved = Some(name.clone()),
        Command::Export { path, .. } if !ok => result.exists = Some(path.clone()),
        Command::Import { .. } if ok => {
            result.imported = Some((
                "imported".into(),
                imgreaper::core::policy::PolicyDocument::rules_only(vec![rule("x:*", 5, false)]),
            ))
        }
        _ => {}
    }
    result
}

fn check(app: &App) {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|frame| view::draw(app, frame)).unwrap();
    if let Some(snapshot) = &app.snapshot {
        let list = &app.images;
        assert!(list.index.iter().all(|&i| i < snapshot.rows.len()));
        assert!(list.scroll.cursor < list.index.len().max(1));
        assert!(list.scroll.offset <= list.scroll.cursor);
        for mark in &list.marks {
            assert!(
                snapshot
                    .rows
                    .iter()
                    .any(|r| &r.key(&snapshot.inventory) == mark),
                "mark {mark} names no row"
            );
        }
    }
    assert!(app.activity.scroll.cursor < app.activity.index.len().max(1));
    assert!(
        app.activity
            .index
            .iter()
            .all(|&i| i < app.activity.entries.len())
    );
    assert!(app.rules.scroll.cursor < app.rules.entries.len().max(1));
}

fn walk(steps: Vec<Step>, read_only: bool, (w, h): (u16, u16)) {
    let mut app = App::new(read_only, Theme::dark(), (w, h));
    let mut world = World {
        seq: 0,
        now: NOW,
        in_flight: VecDeque::new(),
    };
    check(&app);
    for step in steps {
        world.apply(&mut app, step);
        check(&app);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_walk_keeps_the_console_consistent(
        steps in prop::collection::vec(step(), 200),
        read_only in prop::bool::weighted(0.2),
        size in (20u16..=200, 5u16..=60),
    ) {
        walk(steps, read_only, size);
    }
}

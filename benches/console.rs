//! Console responsiveness with many references: how long one key (update + draw of an 80x24 and
//! a 200x50 frame) takes for scrolling, filtering and the countdown tick.
//! Run: cargo bench --bench console [-- REFERENCES]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use imgreaper::core::model::{Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{RuleBook, SourcedRule};
use imgreaper::core::policy::Rule;
use imgreaper::core::settings::Settings;
use imgreaper::core::snapshot::Snapshot;
use imgreaper::node::engine::EngineInfo;
use imgreaper::tui::app::App;
use imgreaper::tui::msg::{Loaded, Msg};
use imgreaper::tui::theme::Theme;
use imgreaper::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const NOW: i64 = 1_800_000_000;

fn snapshot(references: usize) -> Snapshot {
    let images: Vec<Image> = (0..references)
        .map(|i| Image {
            id: format!("sha256:{i:064x}"),
            references: vec![format!(
                "registry.local/org{}/app{}:{}.{}",
                i % 7,
                i % 50,
                i / 50,
                i % 10
            )],
            repo_digests: vec![],
            size: 10_000_000 + i as u64,
            created: NOW - 86_400,
            children: Vec::new(),
            containers: vec![],
        })
        .collect();
    let records: HashMap<String, ImageRecord> = images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            (
                image.id.clone(),
                ImageRecord {
                    first_seen: NOW - 86_400,
                    last_used: NOW - (i as i64 % 3_600),
                    pulled_at: None,
                    agent_downloaded: i % 2 == 0,
                },
            )
        })
        .collect();
    let rules: Vec<SourcedRule> = (0..100)
        .map(|i| SourcedRule {
            policy: "bench".into(),
            index: i,
            rule: Rule {
                image_name: match i % 4 {
                    0 => format!("registry.local/org{}/*", i % 7),
                    1 => format!("*/app{}:*", i % 50),
                    2 => "*:1?.*".to_string(),
                    _ => format!("registry.local/org{}/app{}:{}.*", i % 7, i % 50, i),
                },
                delete_after_minutes: 30 + i as u64,
                agent_downloaded_only: i % 3 == 0,
            },
        })
        .collect();
    let mut snapshot = Snapshot {
        inventory: Inventory {
            images,
            podman: false,
        },
        records,
        former_names: HashMap::new(),
        disk: Default::default(),
        policies: vec![],
        node: Default::default(),
        rules: RuleBook::new(rules),
        overrides: Overrides::default(),
        settings: Settings {
            mode: Mode::Auto,
            ..Settings::default()
        },
        guards: Guards::none(),
        now: NOW,
        rows: vec![],
    };
    snapshot.replan(NOW);
    snapshot
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn summary(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name:<44} median {:>9.1} µs   min {:>9.1}   max {:>9.1}   (n={})",
        micros(samples[samples.len() / 2]),
        micros(samples[0]),
        micros(samples[samples.len() - 1]),
        samples.len()
    );
}

fn main() {
    let references: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5_000);
    println!("console with {references} references, 100 rules");
    for (width, height) in [(80u16, 24u16), (200, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut app = App::new(false, Theme::dark(), (width, height));
        let started = Instant::now();
        app.update(Msg::Loaded(Box::new(Loaded {
            seq: 1,
            snapshot: snapshot(references),
            engine: EngineInfo::default(),
            lease: None,
            audit: vec![],
            updates: Default::default(),
        })));
        terminal.draw(|frame| view::draw(&app, frame)).unwrap();
        println!(
            "{width}x{height}: load (plan built beforehand) + first frame {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );

        let mut step = |msgs: &[fn() -> Msg], name: &str, rounds: usize| {
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let start = Instant::now();
                for make in msgs {
                    app.update(make());
                }
                terminal.draw(|frame| view::draw(&app, frame)).unwrap();
                samples.push(start.elapsed());
            }
            summary(&format!("{width}x{height} {name}"), &mut samples);
        };
        step(&[|| key(KeyCode::Char('j'))], "down one row + frame", 200);
        step(&[|| key(KeyCode::PageDown)], "page down + frame", 100);
        step(
            &[|| key(KeyCode::Char('G')), || key(KeyCode::Char('g'))],
            "last, first + frame",
            50,
        );
        step(
            &[|| key(KeyCode::Char('s'))],
            "sort by next column + frame",
            20,
        );
        step(
            &[
                || key(KeyCode::Char('/')),
                || key(KeyCode::Char('a')),
                || key(KeyCode::Char('p')),
                || key(KeyCode::Char('p')),
                || key(KeyCode::Char('1')),
                || key(KeyCode::Enter),
                || key(KeyCode::Esc),
            ],
            "filter: / app1 enter, esc (7 keys) + frame",
            20,
        );
        step(
            &[|| Msg::Tick(NOW + 1)],
            "countdown tick (replan) + frame",
            20,
        );
    }
}

//! Every built-in theme, at every colour depth and without colour (NO_COLOR, a vt100), shows the
//! cursor row, the focused button and every state word (issue 10, bug 3). Checked on the frame as
//! drawn: each state word's foreground against its background, on the cursor row and off it, by
//! WCAG contrast; where there is no colour, by attributes (reverse, bold).

use crate::console;

use console::*;
use crossterm::event::KeyCode;
use imgreaper::core::model::Mode;
use imgreaper::tui::app::App;
use imgreaper::tui::palette::{ColorDepth, contrast, rgb};
use imgreaper::tui::theme::Theme;
use imgreaper::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// The terminal's own colours a theme is made for (its `Reset`): (foreground, background).
fn terminal_colours(theme: &str) -> ((u8, u8, u8), (u8, u8, u8)) {
    match theme {
        "light" => ((0, 0, 0), (255, 255, 255)),
        _ => ((229, 229, 229), (0, 0, 0)),
    }
}

/// The least contrast a state word needs: WCAG AA for text, or 3:1 at 16 colours, where the
/// terminal's own palette decides the colours (xterm's default palette is measured here).
fn needed(depth: ColorDepth) -> f64 {
    match depth {
        ColorDepth::Basic16 => 3.0,
        _ => 4.5,
    }
}

/// A cell as the eye sees it: (foreground, background) after `Reset` and reverse video.
fn seen(buffer: &Buffer, x: u16, y: u16, theme: &str) -> ((u8, u8, u8), (u8, u8, u8)) {
    let cell = &buffer[(x, y)];
    let (default_fg, default_bg) = terminal_colours(theme);
    let resolve = |c: Color, default| rgb(c).unwrap_or(default);
    let fg = resolve(cell.fg, default_fg);
    let bg = resolve(cell.bg, default_bg);
    if cell.modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

fn render(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|frame| view::draw(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

fn line(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_string())
        .collect()
}

/// The cells (x, y) of `word` on the row showing `reference`.
fn cells_of(buffer: &Buffer, reference: &str, word: &str) -> Vec<(u16, u16)> {
    // Below the header, the tabs (which show the filter) and the column titles.
    for y in 3..buffer.area.height {
        let text = line(buffer, y);
        if !text.contains(reference) {
            continue;
        }
        let prefix = text.split(reference).next().unwrap().chars().count();
        let after: String = text.chars().skip(prefix).collect();
        let at = after
            .find(word)
            .unwrap_or_else(|| panic!("no {word:?} in {text:?}"));
        let start = prefix + after[..at].chars().count();
        return (start..start + word.chars().count())
            .map(|x| (x as u16, y))
            .collect();
    }
    panic!("{reference} is not on screen");
}

/// One row per state word: (the reference as shown, the filter that selects it, word, mode).
const STATES: &[(&str, &str, &str, Mode)] = &[
    ("myorg/app:1.0", "myorg/app:1.0", "in use (2)", Mode::Auto),
    ("redis:7", "redis:7", "pinned", Mode::Auto),
    ("alpine:3.19", "alpine:3.19", "no rule", Mode::Auto),
    ("tools/debug:1", "tools/debug:1", "spared", Mode::Auto),
    ("nginx:1.25", "nginx:1.25", "scheduled", Mode::Auto),
    ("myorg/app:0.9", "myorg/app:0.9", "postponed", Mode::Auto),
    ("busybox:old", "busybox:old", "due", Mode::Auto),
    (
        "busybox:old",
        "busybox:old",
        "awaiting approval",
        Mode::Approve,
    ),
    ("nginx:latest", "nginx:latest", "removing…", Mode::Auto),
    ("<none> h8", "sha256:h8", "failed", Mode::Auto),
];

fn app_for(theme: &Theme, mode: Mode) -> App {
    let mut app = App::new(false, theme.clone(), (100, 24));
    // Sorted by name, as this file's rows are found by their place.
    app.apply_prefs(imgreaper::tui::prefs::Prefs {
        sort: imgreaper::tui::app::images::SortColumn::Reference,
        reverse: false,
    });
    app.update(loaded_with(
        1,
        snapshot_of(images(), policies(), overrides(), mode),
        audit(),
    ));
    app.removing.insert("nginx:latest".into());
    let dangling = format!("sha256:{:0<64}", "h8");
    app.failed.insert(dangling, "engine away".into());
    app
}

fn depths() -> [(ColorDepth, &'static str); 4] {
    [
        (ColorDepth::TrueColor, "truecolor"),
        (ColorDepth::Indexed256, "256 colours"),
        (ColorDepth::Basic16, "16 colours"),
        (ColorDepth::None, "no colour"),
    ]
}

#[test]
fn every_state_word_reads_on_and_off_the_cursor_row() {
    let mut failures = Vec::new();
    for name in Theme::built_in_names() {
        for (depth, depth_name) in depths() {
            let theme = Theme::built_in(name).unwrap().for_depth(depth);
            for (reference, filter, word, mode) in STATES {
                let mut app = app_for(&theme, *mode);
                // Off the cursor row: the cursor on the first row, the word elsewhere.
                let off = render(&app);
                select(&mut app, filter);
                let on = render(&app);
                for (buffer, place) in [(&off, "off the cursor row"), (&on, "on the cursor row")] {
                    if place == "off the cursor row" && *reference == "alpine:3.19" {
                        continue; // alpine is the first row: under the cursor
                    }
                    for (x, y) in cells_of(buffer, reference, word) {
                        let (fg, bg) = seen(buffer, x, y, name);
                        let ratio = contrast(fg, bg);
                        if ratio < needed(depth) {
                            failures.push(format!(
                                "{name} at {depth_name}: {word:?} {place}: {fg:?} on {bg:?} is {ratio:.2}:1"
                            ));
                            break;
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_cursor_row_stands_out_in_every_theme() {
    for name in Theme::built_in_names() {
        for (depth, depth_name) in depths() {
            let theme = Theme::built_in(name).unwrap().for_depth(depth);
            let mut app = app_for(&theme, Mode::Auto);
            let before = render(&app);
            press(&mut app, KeyCode::Char('j')); // the cursor leaves alpine:3.19
            let after = render(&app);
            let (x, y) = cells_of(&before, "alpine:3.19", "alpine")[0];
            let (on, off) = (&before[(x, y)], &after[(x, y)]);
            let (on_fg, on_bg) = seen(&before, x, y, name);
            let (_, off_bg) = seen(&after, x, y, name);
            let by_colour = contrast(on_bg, off_bg) >= 1.5;
            let by_attribute = on.modifier.contains(Modifier::REVERSED)
                != off.modifier.contains(Modifier::REVERSED);
            assert!(
                by_colour || by_attribute,
                "{name} at {depth_name}: the cursor row looks like any other"
            );
            assert!(
                contrast(on_fg, on_bg) >= needed(depth),
                "{name} at {depth_name}: the cursor row's text is {:.2}:1",
                contrast(on_fg, on_bg)
            );
        }
    }
}

#[test]
fn the_focused_button_stands_out_in_every_theme() {
    for name in Theme::built_in_names() {
        for (depth, depth_name) in depths() {
            let theme = Theme::built_in(name).unwrap().for_depth(depth);
            let mut app = app_for(&theme, Mode::Auto);
            select(&mut app, "nginx:1.25");
            press(&mut app, KeyCode::Char('r'));
            let buffer = render(&app);
            let find = |label: &str| {
                (0..buffer.area.height)
                    .find_map(|y| {
                        let text = line(&buffer, y);
                        text.find(label)
                            .map(|at| (text[..at].chars().count() as u16 + 2, y))
                    })
                    .unwrap_or_else(|| panic!("no {label}"))
            };
            let (cx, cy) = find("[ Cancel ]"); // focused
            let (rx, ry) = find("[ Remove ]");
            let (fg, bg) = seen(&buffer, cx, cy, name);
            let (_, other_bg) = seen(&buffer, rx, ry, name);
            let focused = &buffer[(cx, cy)];
            let other = &buffer[(rx, ry)];
            assert!(
                contrast(fg, bg) >= needed(depth),
                "{name} at {depth_name}: the focused button is {:.2}:1",
                contrast(fg, bg)
            );
            assert!(
                contrast(bg, other_bg) >= 1.5 || focused.modifier != other.modifier,
                "{name} at {depth_name}: the focused button looks like the other"
            );
        }
    }
}

#[test]
fn without_colour_nothing_is_coloured() {
    for name in Theme::built_in_names() {
        let theme = Theme::built_in(name).unwrap().for_depth(ColorDepth::None);
        let buffer = render(&app_for(&theme, Mode::Auto));
        for cell in &buffer.content {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{name}");
        }
    }
}

#[test]
fn a_vt100_gets_ascii_only() {
    let theme = Theme::built_in("mono").unwrap().for_depth(ColorDepth::None);
    let mut app = app_for(&theme, Mode::Auto);
    app.ascii = true;
    let screen = console::render(&app);
    assert!(screen.is_ascii(), "{screen}");
    select(&mut app, "nginx:1.25");
    press(&mut app, KeyCode::Char('r'));
    let dialog = console::render(&app);
    assert!(dialog.is_ascii(), "{dialog}");
    assert!(
        dialog.contains("+-") && dialog.contains("[ Cancel ]"),
        "{dialog}"
    );
}

/// Issue 20 (small things): a user theme that is not valid TOML is reported on one readable line
/// with where the mistake is, not SQLite-style escapes of a caret diagram (`\n`).
#[test]
fn a_malformed_user_theme_says_where_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("imgreaper/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(
        themes.join("broken.toml"),
        "selected = { fg = \"black\" }\nmarked = { fg = \n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_imgreaper"))
        .args(["--theme", "broken"])
        .env("XDG_CONFIG_HOME", dir.path())
        .env("TERM", "xterm-256color")
        .env("IMGREAPER_DB", dir.path().join("db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("broken.toml") && stderr.contains("line 2, column"),
        "{stderr}"
    );
    assert!(!stderr.contains("\\n"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

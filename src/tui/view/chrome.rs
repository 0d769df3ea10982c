//! The frame around the views: header, view tabs with what needs the operator, outage banner,
//! status line, key hints. A text cut to fit says where to read it whole (`m`).

use crate::core::format::{bytes, escape_controls};
use crate::tui::app::App;
use crate::tui::app::modal::Modal;
use crate::tui::app::needs::Needs;
use crate::tui::keys::{View, bindings_for};
use crate::tui::msg::EnforcerStatus;
use crate::tui::text::{count, fit, fit_end, width};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What a cut message ends with: where to read it whole.
const MORE: &str = " [m: more]";

/// Fits a message to `columns`; when cut, it says that `m` shows it whole.
pub fn fit_message(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        text.to_string()
    } else if columns > width(MORE) + 8 {
        format!("{}{MORE}", fit(text, columns - width(MORE)))
    } else {
        fit(text, columns)
    }
}

/// Times in a message as the console writes every time.
pub fn in_local_time(app: &App, text: &str) -> String {
    match app.now() {
        Some(now) => crate::tui::text::local_times(text, now).into_owned(),
        None => text.to_string(),
    }
}

pub fn header(app: &App, frame: &mut Frame, area: Rect) {
    let info = &app.header.engine;
    let known = |text: &str| {
        if text.is_empty() {
            "?".to_string()
        } else {
            escape_controls(text).into_owned()
        }
    };
    let marks = app.snapshot.as_ref().and_then(|s| s.rules.disk);
    let disk = match (info.disk, marks) {
        // Short enough to fit 80 columns beside the enforcer; with disk-pressure marks, usage
        // against them.
        (Some(disk), Some(m)) => format!(
            "disk {}% of {} (frees at {}% to {}%)",
            disk.shown_percent(),
            bytes(disk.size),
            m.high_percent,
            m.low_percent
        ),
        (Some(disk), None) => format!("disk {}% of {}", disk.shown_percent(), bytes(disk.size)),
        (_, Some(_)) => "disk ? (pressure off)".to_string(),
        _ => "disk ?".to_string(),
    };
    // The product name goes first when there is room; the enforcer matters more at 80 columns.
    let name = if area.width >= 100 {
        "imgreaper │ "
    } else {
        ""
    };
    let text = format!(
        " {name}{} │ docker {} │ enforcer {} │ {disk}",
        known(&info.node),
        known(&info.version),
        enforcer(app)
    );
    let line = Line::from(fit(&text, usize::from(area.width)));
    frame.render_widget(Paragraph::new(line).style(app.theme.header), area);
}

/// Who enforces and in which mode.
fn enforcer(app: &App) -> String {
    let mode = app
        .snapshot
        .as_ref()
        .map_or_else(|| "?".to_string(), |s| s.settings.mode.to_string());
    match &app.header.lease {
        Some(lease) if Some(&lease.holder) == app.header.own_holder.as_ref() => {
            format!("{}: this console", lease.mode)
        }
        // The node is already in the header: `service pid 42` says enough at 80 columns.
        Some(lease) => format!(
            "{}: {}",
            lease.mode,
            escape_controls(
                &lease
                    .holder
                    .replace(&format!(" on {}", app.header.engine.node), "")
            )
        ),
        None => match &app.header.enforcer {
            Some(EnforcerStatus::Outage(_)) => format!("{mode}: stopped, retrying"),
            _ if app.snapshot.is_none() => "?".to_string(),
            _ => format!("{mode}: nobody holds the lease"),
        },
    }
}

pub fn tabs(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (number, view) in View::ALL.into_iter().enumerate() {
        let style = if view == app.view {
            theme.tab_active
        } else {
            theme.tab
        };
        let unseen = app.activity.unseen();
        let title = if view == View::Activity && unseen > 0 {
            format!(" {} {} ({unseen} new ↑) ", number + 1, view.title())
        } else {
            format!(" {} {} ", number + 1, view.title())
        };
        spans.push(Span::styled(title, style));
        spans.push(Span::raw(" "));
    }
    if app.read_only {
        spans.push(Span::styled(" read-only ", theme.warning));
    }
    let (filter, editing) = match app.view {
        View::Images => (&app.images.filter, app.images.editing_filter),
        View::Activity => (&app.activity.filter, app.activity.editing_filter),
        View::Rules => (&app.images.filter, false),
    };
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let columns = usize::from(area.width);
    if app.view != View::Rules && (editing || !filter.is_empty()) {
        let cursor = if editing { "▏" } else { "" };
        // A long filter shows its end, where it is being typed.
        let room = columns.saturating_sub(used + 10).min(40);
        let shown = fit_end(&format!("{}{cursor}", escape_controls(filter)), room);
        spans.push(Span::styled(format!(" filter: /{shown}"), theme.marked));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if let Some(needs) = app.needs()
        && let Some((text, style)) = needs_text(app, needs, columns.saturating_sub(used + 2))
    {
        let pad = columns.saturating_sub(used + width(&text) + 1);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(text, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The longest wording of what needs the operator that fits `columns`.
fn needs_text(app: &App, needs: Needs, columns: usize) -> Option<(String, Style)> {
    let Needs {
        awaiting_approval: awaiting,
        due_soon,
        frees,
    } = needs;
    let style = if awaiting > 0 {
        app.theme.warning
    } else {
        app.theme.hint
    };
    let approval = (awaiting > 0).then(|| format!("{awaiting} awaiting approval"));
    let short_approval = (awaiting > 0).then(|| format!("{awaiting} to approve"));
    let due = |long: bool| match (due_soon, long) {
        (0, true) => "nothing due within the hour".to_string(),
        (0, false) => "none due in 1h".to_string(),
        (n, true) => format!("{n} due within the hour, freeing {}", bytes(frees)),
        (n, false) => format!("{n} due in 1h ({})", bytes(frees)),
    };
    let join = |a: &Option<String>, b: String| match a {
        Some(a) => format!("{a} · {b}"),
        None => b,
    };
    [
        join(&approval, due(true)),
        join(&approval, due(false)),
        join(&short_approval, due(false)),
        short_approval.clone().unwrap_or_default(),
    ]
    .into_iter()
    .find(|text| !text.is_empty() && width(text) <= columns)
    .map(|text| (text, style))
}

/// The outage banner; else the note that this is the demo engine.
pub fn banner(app: &App, frame: &mut Frame, area: Rect) {
    let (text, style) = match (&app.outage, &app.header.demo) {
        (Some(error), _) => {
            let shown = if app.snapshot.is_some() {
                "last data greyed"
            } else {
                "no data yet"
            };
            (
                format!(
                    " Engine unreachable ({shown}; R retries now): {}",
                    escape_controls(error)
                ),
                app.theme.banner,
            )
        }
        (None, Some(note)) => (note.clone(), app.theme.warning),
        (None, None) => return,
    };
    frame.render_widget(
        Paragraph::new(fit_message(&text, usize::from(area.width))).style(style),
        area,
    );
}

pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let columns = usize::from(area.width);
    let (text, style) = match &app.status {
        Some(status) => (
            format!(" {}", in_local_time(app, &escape_controls(&status.text))),
            if status.error {
                app.theme.status_error
            } else {
                app.theme.status_ok
            },
        ),
        None => (summary(app), app.theme.hint),
    };
    frame.render_widget(
        Paragraph::new(fit_message(&text, columns)).style(style),
        area,
    );
}

/// What the list holds: counts, sort order, marks.
fn summary(app: &App) -> String {
    let Some(snapshot) = &app.snapshot else {
        return if app.outage.is_some() {
            " waiting for the engine".to_string()
        } else {
            " loading…".to_string()
        };
    };
    match app.view {
        View::Images => {
            let list = &app.images;
            let mut text = format!(
                " {} of {} · sorted by {} {}",
                list.index.len(),
                count(snapshot.rows.len(), "reference", "references"),
                list.sort.title(),
                if list.reverse { "↓" } else { "↑" }
            );
            if !list.marks.is_empty() {
                let hidden = list.hidden_marks(snapshot);
                text.push_str(&format!(" · {} marked", list.marks.len()));
                if hidden > 0 {
                    text.push_str(&format!(" ({hidden} hidden by the filter)"));
                }
            }
            text
        }
        View::Rules => {
            let dirty = app.rules.drafts.iter().filter(|d| d.dirty()).count();
            let edits = match dirty {
                0 => "no unsaved edits".to_string(),
                n => format!("{} with unsaved edits", count(n, "policy", "policies")),
            };
            format!(
                " {} · {edits}",
                count(snapshot.policies.len(), "saved policy", "saved policies")
            )
        }
        View::Activity => format!(
            " {} of {}, newest first",
            app.activity.index.len(),
            count(app.activity.entries.len(), "audit entry", "audit entries")
        ),
    }
}

pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let hints: Vec<(&str, &str)> = match (&app.modal, app.view) {
        (Some(Modal::Confirm(confirm)), _) if confirm.can_confirm() => vec![
            ("y", "confirm"),
            ("tab", "switch button"),
            ("enter", "choose"),
            ("esc", "cancel"),
            ("j/k", "scroll"),
            ("c", "copy command"),
        ],
        (Some(Modal::Confirm(_)), _) => vec![("enter/esc", "close")],
        (Some(Modal::Prompt(_)), _) => vec![("enter", "accept"), ("esc", "cancel")],
        (Some(Modal::Help { .. } | Modal::Messages { .. }), _) => {
            vec![("j/k", "scroll"), ("any other key", "close")]
        }
        (Some(Modal::Quit(quit)), _) if quit.invalid.is_empty() => vec![
            ("s", "save and quit"),
            ("d", "discard and quit"),
            ("esc", "stay"),
        ],
        (Some(Modal::Quit(_)), _) => vec![("d", "discard and quit"), ("esc", "stay")],
        (Some(Modal::Overwrite(_)), _) => vec![("y", "overwrite"), ("esc", "keep the file")],
        (None, View::Rules) if app.rules.form.is_some() => vec![
            ("tab", "next field"),
            ("space", "toggle flag"),
            ("enter", "accept rule"),
            ("esc", "cancel"),
        ],
        (None, View::Images) if app.images.editing_filter => {
            vec![("type", "filter"), ("enter", "keep"), ("esc", "clear")]
        }
        (None, View::Activity) if app.activity.editing_filter => {
            vec![("type", "filter"), ("enter", "keep"), ("esc", "clear")]
        }
        (None, view) => {
            let mut hints: Vec<(&str, &str)> = Vec::new();
            if app.outage.is_some() {
                hints.push(("R", "reconnect now"));
            }
            hints.extend(
                bindings_for(view, app.read_only)
                    .filter(|b| b.footer)
                    .map(|b| (b.label, b.description)),
            );
            hints
        }
    };
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in hints {
        let needed = width(key) + width(label) + 3;
        if used + needed > usize::from(area.width) {
            break;
        }
        used += needed;
        spans.push(Span::styled(format!(" {key} "), app.theme.key));
        spans.push(Span::styled(format!("{label} "), app.theme.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

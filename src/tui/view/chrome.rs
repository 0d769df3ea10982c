//! The frame around the views: header, view tabs, outage banner, status line, key hints.

use crate::format::bytes;
use crate::tui::app::App;
use crate::tui::app::modal::Modal;
use crate::tui::keys::{View, bindings_for};
use crate::tui::msg::EnforcerStatus;
use crate::tui::text::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(app: &App, frame: &mut Frame, area: Rect) {
    let info = &app.header.engine;
    let node = if info.node.is_empty() {
        "?"
    } else {
        &info.node
    };
    let version = if info.version.is_empty() {
        "?"
    } else {
        &info.version
    };
    let disk = match info.disk {
        Some((used, total)) if total > 0 => {
            // Short enough to fit 80 columns beside the enforcer.
            format!("disk {}% of {}", used * 100 / total, bytes(total))
        }
        _ => "disk ?".to_string(),
    };
    // The product name goes first when there is room; the enforcer matters more at 80 columns.
    let name = if area.width >= 100 {
        "imgreaper │ "
    } else {
        ""
    };
    let text = format!(
        " {name}{node} │ docker {version} │ enforcer {} │ {disk}",
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
            lease
                .holder
                .replace(&format!(" on {}", app.header.engine.node), "")
        ),
        None => match &app.header.enforcer {
            Some(EnforcerStatus::Outage(error)) => format!("{mode}: stopped, retrying: {error}"),
            _ => format!("{mode}: nobody holds the lease"),
        },
    }
}

pub fn tabs(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    for view in View::ALL {
        let style = if view == app.view {
            app.theme.tab_active
        } else {
            app.theme.tab
        };
        spans.push(Span::styled(format!(" {} ", view.title()), style));
        spans.push(Span::raw(" "));
    }
    if app.read_only {
        spans.push(Span::styled(" read-only ", app.theme.warning));
    }
    let (filter, editing) = match app.view {
        View::Images => (&app.images.filter, app.images.editing_filter),
        View::Activity => (&app.activity.filter, app.activity.editing_filter),
        View::Rules => (&app.images.filter, false),
    };
    if app.view != View::Rules && (editing || !filter.is_empty()) {
        let cursor = if editing { "▏" } else { "" };
        spans.push(Span::styled(
            format!(" filter: /{filter}{cursor}"),
            app.theme.marked,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The outage banner; else the note that this is the demo engine.
pub fn banner(app: &App, frame: &mut Frame, area: Rect) {
    let (text, style) = match (&app.outage, &app.header.demo) {
        (Some(error), _) => (
            format!(" Engine unreachable, showing the last data; reconnecting… {error}"),
            app.theme.banner,
        ),
        (None, Some(note)) => (note.clone(), app.theme.warning),
        (None, None) => return,
    };
    frame.render_widget(
        Paragraph::new(fit(&text, usize::from(area.width))).style(style),
        area,
    );
}

pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    let (text, style) = match &app.status {
        Some(status) => (
            format!(" {}", status.text),
            if status.error {
                app.theme.status_error
            } else {
                app.theme.status_ok
            },
        ),
        None => (summary(app), app.theme.hint),
    };
    frame.render_widget(Paragraph::new(fit(&text, width)).style(style), area);
}

/// What the list holds: counts, sort order, marks.
fn summary(app: &App) -> String {
    let Some(snapshot) = &app.snapshot else {
        return " loading…".to_string();
    };
    match app.view {
        View::Images => {
            let list = &app.images;
            let mut text = format!(
                " {} of {} references · sorted by {} {}",
                list.index.len(),
                snapshot.rows.len(),
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
            format!(
                " {} saved policies · {} with unsaved edits",
                snapshot.policies.len(),
                dirty
            )
        }
        View::Activity => format!(
            " {} of {} audit entries, newest first",
            app.activity.index.len(),
            app.activity.entries.len()
        ),
    }
}

pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let hints: Vec<(&str, &str)> = match (&app.modal, app.view) {
        (Some(Modal::Confirm(_)), _) => vec![
            ("tab", "switch button"),
            ("enter", "choose"),
            ("esc", "cancel"),
        ],
        (Some(Modal::Prompt(_)), _) => vec![("enter", "accept"), ("esc", "cancel")],
        (Some(Modal::Help), _) => vec![("any key", "close help")],
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
        (None, view) => bindings_for(view, app.read_only)
            .filter(|b| b.footer)
            .map(|b| (b.label, b.description))
            .collect(),
    };
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in hints {
        let width = key.chars().count() + label.chars().count() + 3;
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key} "), app.theme.key));
        spans.push(Span::styled(format!("{label} "), app.theme.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

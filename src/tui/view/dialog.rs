//! Every box drawn over a view: the one confirmation dialog of destructive actions, the one-line
//! prompt, the questions before quitting with unsaved edits and before overwriting a file.
//!
//! A box is laid out by display lines after wrapping, never by logical lines: its buttons are
//! always on screen, a list that does not fit scrolls (with how many more there are), and a long
//! note is shortened to a form that says where to read it in full.

use crate::core::format::{bytes, escape_controls};
use crate::node::removal::container_names;
use crate::tui::app::App;
use crate::tui::app::modal::{
    Ask, Confirm, Destructive, ModeChoice, Overwrite, Prompt, QuitChoice, QuitConfirm,
};
use crate::tui::text::{count, fit, fit_reference, width, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph};

/// A centred rectangle of at most `width` × `height`, within the screen.
pub fn centered(screen: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(screen.height))])
        .flex(Flex::Center)
        .areas(screen);
    let [area] = Layout::horizontal([Constraint::Length(width.min(screen.width))])
        .flex(Flex::Center)
        .areas(row);
    area
}

/// A paragraph under the list: wrapped in full when there is room, else its short form.
struct Note {
    text: String,
    /// One line that stands in for the text when the box is short of room.
    short: Option<String>,
    style: Style,
}

impl Note {
    fn new(text: impl Into<String>, style: Style) -> Note {
        Note {
            text: text.into(),
            short: None,
            style,
        }
    }

    fn or_short(mut self, short: impl Into<String>) -> Note {
        self.short = Some(short.into());
        self
    }
}

/// What a box holds, before it is fitted to the screen.
struct Content<'a> {
    title: String,
    /// One line per item; scrolls when it does not fit.
    list: Vec<Line<'a>>,
    scroll: usize,
    notes: Vec<Note>,
    buttons: Line<'a>,
    border: Style,
    body: Style,
}

/// The lines of the box body for at most `rows` rows of `columns` columns; the buttons come last
/// and are always among them.
fn fitted<'a>(content: Content<'a>, columns: usize, rows: usize) -> Vec<Line<'a>> {
    let rows = rows.max(1);
    let full: Vec<Vec<Line<'a>>> = content
        .notes
        .iter()
        .map(|note| {
            wrap(&note.text, columns)
                .into_iter()
                .map(|l| Line::styled(l, note.style))
                .collect()
        })
        .collect();
    let short: Vec<Vec<Line<'a>>> = content
        .notes
        .iter()
        .zip(&full)
        .map(|(note, full)| match &note.short {
            Some(short) => vec![Line::styled(fit(short, columns), note.style)],
            None => full.clone(),
        })
        .collect();
    let list_len = content.list.len();
    let total = |notes: &[Vec<Line>]| notes.iter().map(Vec::len).sum::<usize>();
    // A blank line between the list and the notes, and one above the buttons, when there is room.
    let gap = usize::from(list_len > 0 && !full.is_empty());
    let list_min = list_len.min(3);
    let (notes, blanks) = if list_len + gap + total(&full) + 2 <= rows {
        (full, gap + 1)
    } else if list_min + total(&full) < rows {
        (full, 0)
    } else {
        let mut notes = short;
        while list_min + total(&notes) + 1 > rows && !notes.is_empty() {
            notes.pop();
        }
        (notes, 0)
    };
    let list_room = rows
        .saturating_sub(total(&notes) + 1 + blanks)
        .min(list_len);
    let mut lines = window(content.list, content.scroll, list_room);
    if blanks > 1 {
        lines.push(Line::from(""));
    }
    lines.extend(notes.into_iter().flatten());
    if blanks > 0 {
        lines.push(Line::from(""));
    }
    // Whatever else had to go, the buttons stay.
    lines.truncate(rows - 1);
    lines.push(content.buttons);
    lines
}

/// At most `room` lines of the list from `scroll`, with "N more" markers where lines are hidden.
fn window<'a>(list: Vec<Line<'a>>, scroll: usize, room: usize) -> Vec<Line<'a>> {
    let len = list.len();
    if len <= room {
        return list;
    }
    if room == 0 {
        return Vec::new();
    }
    if room == 1 {
        return vec![Line::from(format!(
            "  {} (j/k scroll)",
            count(len, "item", "items")
        ))];
    }
    // Room for the items besides the markers; the first shown is within bounds.
    let mut shown = room.saturating_sub(1).max(1);
    let mut start = scroll.min(len - shown);
    if start > 0 {
        shown = room.saturating_sub(2).max(1);
        start = scroll.min(len - shown);
    }
    let below = len - start - shown;
    let mut lines = Vec::with_capacity(room);
    if start > 0 {
        lines.push(Line::from(format!("  ↑ {start} more above")));
    }
    lines.extend(list.into_iter().skip(start).take(shown));
    if below > 0 {
        lines.push(Line::from(format!("  ↓ {below} more (j/k scroll)")));
    }
    lines
}

/// Draws a content in a box centred on the screen, at most `max_width` wide.
fn draw_box(frame: &mut Frame, content: Content, max_width: u16) {
    let screen = frame.area();
    if screen.width == 0 || screen.height == 0 {
        return;
    }
    let width = screen
        .width
        .saturating_sub(4)
        .clamp(screen.width.min(20), max_width);
    let columns = usize::from(width.saturating_sub(2 + 2 * PADDING)).max(1);
    // Without room for a border, the buttons alone take the bottom line.
    if screen.height < 3 {
        let area = Rect {
            y: screen.bottom() - 1,
            height: 1,
            ..screen
        };
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(content.buttons).style(content.body), area);
        return;
    }
    let (title, border, body) = (content.title.clone(), content.border, content.body);
    // Leave the header in sight where the screen has room for it.
    let height = if screen.height >= 12 {
        screen.height - 2
    } else {
        screen.height
    };
    let lines = fitted(content, columns, usize::from(height - 2));
    let height = lines.len() as u16 + 2;
    let area = centered(screen, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border)
        .padding(Padding::horizontal(PADDING))
        .title(Span::styled(fit(&title, columns), border))
        .style(body);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `[ Label ]`, or `[Label]` where room is short.
fn buttons<'a>(app: &App, labels: &[(String, bool)], columns: usize) -> Line<'a> {
    let theme = &app.theme;
    let roomy: usize = labels.iter().map(|(l, _)| width(l) + 4).sum::<usize>() + 3 * labels.len();
    let (pad, gap) = if roomy <= columns {
        (" ", "   ")
    } else {
        ("", " ")
    };
    let mut spans = Vec::new();
    for (i, (label, focused)) in labels.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(gap));
        }
        let style = if *focused {
            theme.button_focused
        } else {
            theme.button
        };
        spans.push(Span::styled(format!("[{pad}{label}{pad}]"), style));
    }
    Line::from(spans).centered()
}

fn columns_for(frame: &Frame, max_width: u16) -> usize {
    let screen = frame.area();
    let width = screen
        .width
        .saturating_sub(4)
        .clamp(screen.width.min(20), max_width);
    usize::from(width.saturating_sub(2 + 2 * PADDING)).max(1)
}

/// Columns between a box's border and its text.
const PADDING: u16 = 1;

const CONFIRM_WIDTH: u16 = 100;

pub fn confirm(app: &App, confirm: &Confirm, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, CONFIRM_WIDTH);
    let mut list = Vec::new();
    let mut notes = Vec::new();
    let title;
    if let Some(reason) = &confirm.unavailable {
        title = format!(" Cannot {} now ", confirm.action.button().to_lowercase());
        for target in &confirm.targets {
            list.push(Line::from(format!(
                "  {}",
                fit_reference(
                    &escape_controls(&target.target.reference),
                    columns.saturating_sub(2)
                )
            )));
        }
        notes.push(Note::new(reason.clone(), theme.status_error));
    } else if confirm.can_confirm() {
        let n = confirm.targets.len();
        title = if confirm.blocked.is_empty() {
            format!(
                " {} {}? ",
                confirm.action.verb(),
                count(n, "reference", "references")
            )
        } else {
            format!(
                " {} {} of {}? ",
                confirm.action.verb(),
                n,
                count(n + confirm.blocked.len(), "reference", "references")
            )
        };
        for target in &confirm.targets {
            let effect = match target.frees {
                Some(size) => format!("frees {}", bytes(size)),
                None => "untags only (the image keeps other names)".to_string(),
            };
            let name = escape_controls(&target.target.reference);
            // The name gets the room; the effect shortens, then goes, before the name is cut.
            let name_room = columns.saturating_sub(2 + 4 + width(&effect));
            let line = if width(&name) <= name_room || name_room >= 24 {
                format!("  {}  — {effect}", fit_reference(&name, name_room))
            } else {
                format!("  {}", fit_reference(&name, columns.saturating_sub(2)))
            };
            list.push(Line::from(line));
        }
        if confirm.hidden_by_filter > 0 {
            notes.push(Note::new(
                format!(
                    "{} of them marked but hidden by the filter.",
                    confirm.hidden_by_filter
                ),
                theme.warning,
            ));
        }
        for blocked in &confirm.blocked {
            notes.push(blocked_note(app, blocked, "Skipped: "));
        }
        notes.push(Note::new(
            format!("Frees {} in total.", bytes(confirm.bytes())),
            Style::default(),
        ));
        let command = confirm.docker_command();
        notes.push(
            Note::new(
                format!("Same as: {}", escape_controls(&command)),
                Style::default(),
            )
            .or_short(format!(
                "Same as: docker rmi … ({}; c copies it whole)",
                count(n, "name", "names")
            )),
        );
        if confirm.action == Destructive::Approve {
            notes.push(Note::new(
                "The enforcer removes them on its next cycle.",
                Style::default(),
            ));
        }
    } else {
        title = " Cannot remove ".to_string();
        for blocked in &confirm.blocked {
            notes.push(blocked_note(app, blocked, ""));
        }
        notes.push(Note::new("Nothing was removed.", Style::default()));
    }
    if let Some(command) = confirm.containers_command() {
        notes.push(Note::new(
            format!("To free them: {}", escape_controls(&command)),
            Style::default(),
        ));
    }
    let labels = if confirm.can_confirm() {
        vec![
            ("Cancel".to_string(), !confirm.confirm_focused),
            (confirm.button_label(), confirm.confirm_focused),
        ]
    } else {
        vec![("Close".to_string(), true)]
    };
    let content = Content {
        title,
        list,
        scroll: confirm.scroll,
        notes,
        buttons: buttons(app, &labels, columns),
        border: theme.dialog_border,
        body: theme.dialog,
    };
    draw_box(frame, content, CONFIRM_WIDTH);
}

fn blocked_note(_app: &App, blocked: &crate::tui::app::modal::Blocked, prefix: &str) -> Note {
    let name = escape_controls(&blocked.reference);
    let text = if blocked.containers.is_empty() {
        format!("{prefix}{name}: {}", blocked.reason)
    } else {
        format!(
            "{prefix}{name} is in use by {}",
            escape_controls(&container_names(&blocked.containers))
        )
    };
    Note::new(text, Style::default())
}

pub fn prompt(app: &App, prompt: &Prompt, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, 90);
    let mut notes: Vec<Note> = prompt
        .notes(app.now().unwrap_or_default())
        .into_iter()
        .map(|note| Note::new(escape_controls(&note), Style::default()))
        .collect();
    notes.push(Note::new(prompt.kind.question(), Style::default()));
    if let Some(error) = &prompt.error {
        notes.push(Note::new(escape_controls(error), theme.status_error));
    }
    // The input shows its end, where the cursor is.
    let input = crate::tui::text::fit_end(&format!("{}▏", prompt.input), columns);
    let content = Content {
        title: String::new(),
        list: Vec::new(),
        scroll: 0,
        notes,
        buttons: Line::from(Span::styled(input, theme.button_focused)),
        border: theme.border,
        body: theme.dialog,
    };
    draw_box(frame, content, 90);
}

pub fn quit(app: &App, quit: &QuitConfirm, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, 80);
    let list = quit
        .dirty
        .iter()
        .map(|name| Line::from(format!("  {}", fit(&escape_controls(name), columns - 2))))
        .collect();
    let mut notes = Vec::new();
    for (name, error) in &quit.invalid {
        notes.push(Note::new(
            format!(
                "{} cannot be saved as it is: {}",
                escape_controls(name),
                escape_controls(error)
            ),
            theme.status_error,
        ));
    }
    notes.push(Note::new(
        "s saves and quits, d discards the edits and quits, esc stays.",
        theme.hint,
    ));
    let labels: Vec<(String, bool)> = QuitChoice::ALL
        .iter()
        .map(|c| (c.label().to_string(), *c == quit.focus))
        .collect();
    let content = Content {
        title: format!(
            " Quit with unsaved edits in {}? ",
            count(quit.dirty.len(), "policy", "policies")
        ),
        list,
        scroll: 0,
        notes,
        buttons: buttons(app, &labels, columns),
        border: theme.dialog_border,
        body: theme.dialog,
    };
    draw_box(frame, content, 80);
}

pub fn ask(app: &App, ask: &Ask, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, 90);
    let mut notes: Vec<Note> = ask
        .lines
        .iter()
        .map(|line| Note::new(escape_controls(line), Style::default()))
        .collect();
    notes.push(Note::new("Cancel changes nothing.", theme.hint));
    let labels = vec![
        ("Cancel".to_string(), !ask.confirm_focused),
        (ask.button.clone(), ask.confirm_focused),
    ];
    let content = Content {
        title: escape_controls(&ask.title).into_owned(),
        list: Vec::new(),
        scroll: 0,
        notes,
        buttons: buttons(app, &labels, columns),
        border: theme.dialog_border,
        body: theme.dialog,
    };
    draw_box(frame, content, 90);
}

pub fn mode(app: &App, choice: &ModeChoice, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, 90);
    let list = ModeChoice::MODES
        .iter()
        .map(|&mode| {
            let marker = if mode == choice.choice { "▶ " } else { "  " };
            let now = if mode == choice.current { " (now)" } else { "" };
            let text = fit(
                &format!("{marker}{mode}{now}: {}", ModeChoice::meaning(mode)),
                columns,
            );
            if mode == choice.choice {
                Line::styled(text, theme.button_focused)
            } else {
                Line::from(text)
            }
        })
        .collect();
    let mut notes = Vec::new();
    if choice.choice == crate::core::model::Mode::Auto
        && choice.current != crate::core::model::Mode::Auto
        && choice.waiting > 0
    {
        notes.push(Note::new(
            format!(
                "In auto mode the enforcer removes the {} due now at once.",
                count(choice.waiting, "reference", "references")
            ),
            theme.warning,
        ));
    }
    if let Some(note) = &choice.holder_note {
        notes.push(Note::new(escape_controls(note), theme.warning));
    }
    notes.push(Note::new(
        "j/k choose; stored for every enforcer (the console's and the service), audited.",
        theme.hint,
    ));
    let labels = vec![
        ("Cancel".to_string(), false),
        (format!("Switch to {}", choice.choice), true),
    ];
    let content = Content {
        title: format!(" Enforcer mode (now {}) ", choice.current),
        list,
        scroll: 0,
        notes,
        buttons: buttons(app, &labels, columns),
        border: theme.dialog_border,
        body: theme.dialog,
    };
    draw_box(frame, content, 90);
}

pub fn overwrite(app: &App, overwrite: &Overwrite, frame: &mut Frame) {
    let theme = &app.theme;
    let columns = columns_for(frame, 90);
    let notes = vec![
        Note::new(
            format!(
                "{} exists. Overwrite it with policy {}?",
                escape_controls(&overwrite.path.display().to_string()),
                escape_controls(&overwrite.name)
            ),
            Style::default(),
        ),
        Note::new("Cancel keeps the file as it is.", theme.hint),
    ];
    let labels = vec![
        ("Cancel".to_string(), !overwrite.confirm_focused),
        ("Overwrite".to_string(), overwrite.confirm_focused),
    ];
    let content = Content {
        title: " File exists ".into(),
        list: Vec::new(),
        scroll: 0,
        notes,
        buttons: buttons(app, &labels, columns),
        border: theme.dialog_border,
        body: theme.dialog,
    };
    draw_box(frame, content, 90);
}

//! Where each part of the screen goes. Shared by drawing and by `update` (which needs to know
//! how many rows a list shows, for paging and for mouse clicks).

use crate::tui::app::App;
use crate::tui::keys::View;
use ratatui::layout::{Constraint, Layout, Rect};

pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub banner: Option<Rect>,
    /// The list (table) of the current view.
    pub list: Rect,
    /// The details pane (Images) or the preview (Rules).
    pub side: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
}

pub fn areas(app: &App) -> Areas {
    let screen = Rect::new(0, 0, app.size.0, app.size.1);
    let banner_height =
        u16::from(app.outage.is_some() || app.waiting.is_some() || app.header.demo.is_some());
    let [header, tabs, banner, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(banner_height),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(screen);
    let (list, side) = match app.view {
        View::Images if app.images.details => {
            // The list takes at most 45%, and no more than its rows need: the rest is details.
            let rows = u16::try_from(app.images.index.len()).unwrap_or(u16::MAX);
            let list_height = rows
                .saturating_add(1)
                .clamp(3.min(body.height), (body.height * 45 / 100).max(3));
            let [list, side] =
                Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)])
                    .areas(body);
            (list, Some(side))
        }
        View::Activity if app.activity.details => {
            let [list, side] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(body);
            (list, Some(side))
        }
        View::Rules if body.width >= 120 => {
            // The list as wide as its longest line needs, between 40% and 60%.
            let wanted =
                super::rules::list_width(app).clamp(body.width * 2 / 5, body.width * 3 / 5);
            // A column between them, so nothing in the list runs into the preview.
            let [list, side] =
                Layout::horizontal([Constraint::Length(wanted), Constraint::Fill(1)])
                    .spacing(1)
                    .areas(body);
            (list, Some(side))
        }
        View::Rules => {
            let [list, side] =
                Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)])
                    .areas(body);
            (list, Some(side))
        }
        _ => (body, None),
    };
    Areas {
        header,
        tabs,
        banner: (banner_height > 0).then_some(banner),
        list,
        side,
        status,
        footer,
    }
}

/// Data rows the current list shows (its area less the column header).
pub fn list_rows(app: &App) -> usize {
    usize::from(areas(app).list.height.saturating_sub(1)).max(1)
}

/// The visible row (0 = first shown) at a screen position, if it is on a list row.
pub fn list_row_at(app: &App, column: u16, row: u16) -> Option<usize> {
    let list = areas(app).list;
    let inside = column >= list.x && column < list.right() && row > list.y && row < list.bottom();
    inside.then(|| usize::from(row - list.y - 1))
}

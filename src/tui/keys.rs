//! The one key table: it decides what a key does, and feeds the footer hints and the help screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Images,
    Rules,
    Activity,
}

impl View {
    pub const ALL: [View; 3] = [View::Images, View::Rules, View::Activity];

    pub fn title(self) -> &'static str {
        match self {
            View::Images => "Images",
            View::Rules => "Rules",
            View::Activity => "Activity",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextView,
    Help,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Filter,
    Sort,
    SortReverse,
    Mark,
    Details,
    Remove,
    Postpone,
    Pin,
    Approve,
    RuleNew,
    RuleEdit,
    RuleDelete,
    RuleUp,
    RuleDown,
    Save,
    Discard,
    Import,
    Export,
    Close,
}

/// How much an action changes: `--read-only` hides everything but `Look`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impact {
    Look,
    /// Changes the database (postpone, pin, rules).
    Writes,
    /// Removes images or lets them be removed: goes through the confirmation dialog.
    Destructive,
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    /// How the key is written in the footer and help.
    pub label: &'static str,
    pub description: &'static str,
    pub action: Action,
    pub impact: Impact,
    pub views: &'static [View],
    /// Shown in the footer (the help screen shows every binding).
    pub footer: bool,
}

const ALL: &[View] = &[View::Images, View::Rules, View::Activity];
const IMAGES: &[View] = &[View::Images];
const RULES: &[View] = &[View::Rules];
const LISTS: &[View] = &[View::Images, View::Activity];

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    description: &'static str,
    action: Action,
    impact: Impact,
    views: &'static [View],
    footer: bool,
) -> Binding {
    Binding {
        keys,
        label,
        description,
        action,
        impact,
        views,
        footer,
    }
}

use Action as A;
use Impact::{Destructive, Look, Writes};
use KeyCode as K;

pub static BINDINGS: &[Binding] = &[
    bind(
        &[K::Char('r')],
        "r",
        "remove now",
        A::Remove,
        Destructive,
        IMAGES,
        true,
    ),
    bind(
        &[K::Char('a')],
        "a",
        "approve removal",
        A::Approve,
        Destructive,
        IMAGES,
        true,
    ),
    bind(
        &[K::Char('p')],
        "p",
        "postpone",
        A::Postpone,
        Writes,
        IMAGES,
        true,
    ),
    bind(
        &[K::Char('P')],
        "P",
        "pin / unpin",
        A::Pin,
        Writes,
        IMAGES,
        true,
    ),
    bind(
        &[K::Char(' ')],
        "space",
        "mark",
        A::Mark,
        Look,
        IMAGES,
        true,
    ),
    bind(
        &[K::Enter, K::Char('d')],
        "enter/d",
        "details",
        A::Details,
        Look,
        IMAGES,
        true,
    ),
    bind(&[K::Char('/')], "/", "filter", A::Filter, Look, LISTS, true),
    bind(
        &[K::Char('s')],
        "s",
        "sort column",
        A::Sort,
        Look,
        IMAGES,
        true,
    ),
    bind(
        &[K::Char('S')],
        "S",
        "reverse sort",
        A::SortReverse,
        Look,
        IMAGES,
        false,
    ),
    bind(
        &[K::Char('n')],
        "n",
        "new rule",
        A::RuleNew,
        Writes,
        RULES,
        true,
    ),
    bind(
        &[K::Char('e'), K::Enter],
        "e/enter",
        "edit rule",
        A::RuleEdit,
        Writes,
        RULES,
        true,
    ),
    bind(
        &[K::Char('x')],
        "x",
        "delete rule",
        A::RuleDelete,
        Writes,
        RULES,
        true,
    ),
    bind(
        &[K::Char('K')],
        "K",
        "move rule up",
        A::RuleUp,
        Writes,
        RULES,
        false,
    ),
    bind(
        &[K::Char('J')],
        "J",
        "move rule down",
        A::RuleDown,
        Writes,
        RULES,
        false,
    ),
    bind(
        &[K::Char('w')],
        "w",
        "save policy",
        A::Save,
        Writes,
        RULES,
        true,
    ),
    bind(
        &[K::Char('u')],
        "u",
        "discard edits",
        A::Discard,
        Writes,
        RULES,
        true,
    ),
    bind(
        &[K::Char('i')],
        "i",
        "import file",
        A::Import,
        Writes,
        RULES,
        false,
    ),
    bind(
        &[K::Char('o')],
        "o",
        "export file",
        A::Export,
        Look,
        RULES,
        false,
    ),
    bind(
        &[K::Char('j'), K::Down],
        "j/↓",
        "down",
        A::Down,
        Look,
        ALL,
        false,
    ),
    bind(&[K::Char('k'), K::Up], "k/↑", "up", A::Up, Look, ALL, false),
    bind(
        &[K::Char('g'), K::Home],
        "g",
        "first",
        A::Top,
        Look,
        ALL,
        false,
    ),
    bind(
        &[K::Char('G'), K::End],
        "G",
        "last",
        A::Bottom,
        Look,
        ALL,
        false,
    ),
    bind(&[K::PageUp], "PgUp", "page up", A::PageUp, Look, ALL, false),
    bind(
        &[K::PageDown],
        "PgDn",
        "page down",
        A::PageDown,
        Look,
        ALL,
        false,
    ),
    bind(
        &[K::Esc],
        "esc",
        "close / clear filter",
        A::Close,
        Look,
        ALL,
        false,
    ),
    bind(&[K::Tab], "tab", "next view", A::NextView, Look, ALL, true),
    bind(&[K::Char('?')], "?", "help", A::Help, Look, ALL, true),
    bind(&[K::Char('q')], "q", "quit", A::Quit, Look, ALL, true),
];

/// Whether a binding is offered at all (read-only hides everything that changes something).
pub fn offered(binding: &Binding, read_only: bool) -> bool {
    !read_only || binding.impact == Impact::Look
}

/// The bindings offered in a view, in table order.
pub fn bindings_for(view: View, read_only: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.views.contains(&view) && offered(b, read_only))
}

/// What a key does in a view, if anything.
pub fn lookup(view: View, read_only: bool, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('u') => Some(Action::PageUp),
            _ => None,
        };
    }
    bindings_for(view, read_only)
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_in_one_view() {
        for view in View::ALL {
            let mut seen = Vec::new();
            for binding in bindings_for(view, false) {
                for key in binding.keys {
                    assert!(!seen.contains(key), "{key:?} bound twice in {view:?}");
                    seen.push(*key);
                }
            }
        }
    }

    #[test]
    fn read_only_offers_nothing_that_changes() {
        let key = KeyEvent::from(KeyCode::Char('r'));
        assert_eq!(lookup(View::Images, false, key), Some(Action::Remove));
        assert_eq!(lookup(View::Images, true, key), None);
        assert!(bindings_for(View::Rules, true).all(|b| b.impact == Impact::Look));
    }
}

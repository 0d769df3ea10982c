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
    PreviousView,
    /// `1`, `2`, `3`: the view of that number.
    JumpToView,
    Help,
    Messages,
    Reconnect,
    /// `M`: change the enforcer's mode.
    Mode,
    Suspend,
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
    MarkAll,
    Details,
    /// Scrolls the details pane (J, K).
    DetailsDown,
    DetailsUp,
    Remove,
    Postpone,
    Pin,
    Approve,
    Adopt,
    CheckUpdates,
    Refresh,
    RuleNew,
    /// `N`: a new keep rule.
    KeepNew,
    /// `D`: the disk marks.
    DiskMarks,
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
    /// Marks rows for an action; of no use where nothing can be done.
    Marks,
    /// Changes the database (postpone, pin, adopt, rules).
    Writes,
    /// Removes images or lets them be removed: goes through the confirmation dialog.
    Destructive,
}

/// A key as the table names it: a code, with or without Ctrl. Shift is part of the code
/// (`G`, `BackTab`), so it is not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn of(event: KeyEvent) -> Key {
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        }
    }
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub struct Binding {
    pub keys: &'static [Key],
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
    keys: &'static [Key],
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
use Impact::{Destructive, Look, Marks, Writes};
use KeyCode as K;

/// In footer order: what an operator needs most comes first, as the footer shows only what fits.
#[rustfmt::skip] // one binding per line reads as a table
pub static BINDINGS: &[Binding] = &[
    bind(&[ch('r')], "r", "remove now", A::Remove, Destructive, IMAGES, true),
    bind(&[ch('a')], "a", "approve removal", A::Approve, Destructive, IMAGES, true),
    bind(&[ch('p')], "p", "postpone", A::Postpone, Writes, IMAGES, true),
    bind(&[ch('P')], "P", "pin / unpin", A::Pin, Writes, IMAGES, true),
    bind(&[ch(' ')], "space", "mark", A::Mark, Marks, IMAGES, true),
    bind(&[key(K::Enter), ch('d')], "enter/d", "details", A::Details, Look, LISTS, true),
    bind(&[ch('/')], "/", "filter", A::Filter, Look, LISTS, true),
    bind(&[ch('J')], "J", "scroll details down", A::DetailsDown, Look, IMAGES, false),
    bind(&[ch('K')], "K", "scroll details up", A::DetailsUp, Look, IMAGES, false),
    bind(&[ch('A')], "A", "adopt / disown", A::Adopt, Writes, IMAGES, true),
    bind(&[ch('u')], "u", "check registry for updates", A::CheckUpdates, Writes, IMAGES, false),
    bind(&[ch('U')], "U", "refresh (pull if moved)", A::Refresh, Writes, IMAGES, false),
    bind(&[ch('*')], "*", "mark all shown / none", A::MarkAll, Marks, IMAGES, false),
    bind(&[ch('s')], "s", "sort column", A::Sort, Look, IMAGES, false),
    bind(&[ch('S')], "S", "reverse sort", A::SortReverse, Look, IMAGES, false),
    bind(&[ch('n')], "n", "new rule", A::RuleNew, Writes, RULES, true),
    bind(&[ch('e'), key(K::Enter)], "e/enter", "edit", A::RuleEdit, Writes, RULES, true),
    bind(&[ch('x')], "x", "delete", A::RuleDelete, Writes, RULES, true),
    bind(&[ch('N')], "N", "new keep rule", A::KeepNew, Writes, RULES, false),
    bind(&[ch('D')], "D", "disk marks", A::DiskMarks, Writes, RULES, false),
    bind(&[ch('w')], "w", "save policy", A::Save, Writes, RULES, true),
    bind(&[ch('u')], "u", "discard edits", A::Discard, Writes, RULES, true),
    bind(&[ch('K')], "K", "move up", A::RuleUp, Writes, RULES, false),
    bind(&[ch('J')], "J", "move down", A::RuleDown, Writes, RULES, false),
    bind(&[ch('i')], "i", "import file", A::Import, Writes, RULES, false),
    bind(&[ch('o')], "o", "export file", A::Export, Look, RULES, false),
    bind(&[ch('j'), key(K::Down)], "j/↓", "down", A::Down, Look, ALL, false),
    bind(&[ch('k'), key(K::Up)], "k/↑", "up", A::Up, Look, ALL, false),
    bind(&[ch('g'), key(K::Home)], "g/home", "first", A::Top, Look, ALL, false),
    bind(&[ch('G'), key(K::End)], "G/end", "last", A::Bottom, Look, ALL, false),
    bind(&[key(K::PageUp), ctrl('u')], "PgUp/^U", "page up", A::PageUp, Look, ALL, false),
    bind(&[key(K::PageDown), ctrl('d')], "PgDn/^D", "page down", A::PageDown, Look, ALL, false),
    bind(&[key(K::Esc)], "esc", "close / clear filter", A::Close, Look, ALL, false),
    bind(&[key(K::Tab), key(K::Right)], "tab/→", "next view", A::NextView, Look, ALL, true),
    bind(&[key(K::BackTab), key(K::Left)], "S-tab/←", "previous view", A::PreviousView, Look, ALL, false),
    bind(&[ch('1'), ch('2'), ch('3')], "1/2/3", "Images / Rules / Activity", A::JumpToView, Look, ALL, false),
    bind(&[ch('m')], "m", "message log", A::Messages, Look, ALL, false),
    bind(&[ch('R')], "R", "reconnect to the engine now", A::Reconnect, Look, ALL, false),
    bind(&[ch('M')], "M", "enforcer mode", A::Mode, Writes, ALL, false),
    bind(&[ctrl('z')], "^Z", "suspend (fg resumes)", A::Suspend, Look, ALL, false),
    bind(&[ch('?')], "?", "help", A::Help, Look, ALL, true),
    bind(&[ch('q'), ctrl('c')], "q", "quit", A::Quit, Look, ALL, true),
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

/// The binding of a key in a view, offered or not.
pub fn binding(view: View, read_only: bool, event: KeyEvent) -> Option<&'static Binding> {
    let key = Key::of(event);
    bindings_for(view, read_only).find(|b| b.keys.contains(&key))
}

/// A view other than `view` where the key does something, with its binding there.
pub fn binding_elsewhere(view: View, event: KeyEvent) -> Option<(&'static Binding, View)> {
    let key = Key::of(event);
    View::ALL.into_iter().filter(|v| *v != view).find_map(|v| {
        bindings_for(v, false)
            .find(|b| b.keys.contains(&key))
            .map(|b| (b, v))
    })
}

/// What a key does in a view, if anything.
pub fn lookup(view: View, read_only: bool, event: KeyEvent) -> Option<Action> {
    binding(view, read_only, event).map(|b| b.action)
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
        let space = KeyEvent::from(KeyCode::Char(' '));
        assert_eq!(
            lookup(View::Images, true, space),
            None,
            "marks serve no action"
        );
    }

    #[test]
    fn control_keys_are_told_apart() {
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(lookup(View::Images, false, ctrl_d), Some(Action::PageDown));
        let d = KeyEvent::from(KeyCode::Char('d'));
        assert_eq!(lookup(View::Images, false, d), Some(Action::Details));
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(View::Activity, false, shift_g), Some(Action::Bottom));
    }
}

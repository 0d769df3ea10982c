//! The Images view's list: which plan rows pass the filter, in which order, which are marked.
//! Only an index of row numbers is kept; rows are turned into cells when drawn, and only the
//! visible ones.

use super::scroll::Scroll;
use crate::core::plan::RefPlan;
use crate::core::snapshot::Snapshot;
use std::cmp::Ordering;
use std::collections::HashSet;

/// What goes next comes first: the list is sorted by removal unless the operator chose
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Reference,
    Size,
    State,
    LastUsed,
    Rule,
    #[default]
    Removal,
}

impl SortColumn {
    /// In the order `s` goes through them (the order of the columns on screen).
    pub const ALL: [SortColumn; 6] = [
        SortColumn::Reference,
        SortColumn::Size,
        SortColumn::State,
        SortColumn::LastUsed,
        SortColumn::Rule,
        SortColumn::Removal,
    ];

    /// The next column after this one among `shown` (the columns on screen).
    pub fn next_among(self, shown: &[SortColumn]) -> SortColumn {
        let at = SortColumn::ALL.iter().position(|c| *c == self).unwrap_or(0);
        (1..=SortColumn::ALL.len())
            .map(|step| SortColumn::ALL[(at + step) % SortColumn::ALL.len()])
            .find(|c| shown.contains(c))
            .unwrap_or(self)
    }

    pub fn title(self) -> &'static str {
        match self {
            SortColumn::Reference => "REFERENCE",
            SortColumn::Size => "SIZE",
            SortColumn::State => "STATE",
            SortColumn::LastUsed => "LAST USED",
            SortColumn::Rule => "RULE",
            SortColumn::Removal => "REMOVAL IN",
        }
    }
}

#[derive(Debug, Default)]
pub struct ImageList {
    pub filter: String,
    pub editing_filter: bool,
    pub sort: SortColumn,
    pub reverse: bool,
    /// Reference keys (survive reloads, filters and sorting).
    pub marks: HashSet<String>,
    /// Indices into `snapshot.rows` that pass the filter, in display order.
    pub index: Vec<usize>,
    pub scroll: Scroll,
    pub details: bool,
    /// The first line of the details pane shown, for the row `details_of`.
    pub details_scroll: usize,
    pub details_of: Option<String>,
}

/// The name a row is shown and filtered by, without allocating.
pub fn row_name<'a>(snapshot: &'a Snapshot, row: &'a RefPlan) -> &'a str {
    row.reference
        .as_deref()
        .unwrap_or(&snapshot.inventory.images[row.image].id)
}

impl ImageList {
    /// The plan row under the cursor. The index must have been built from this snapshot; a
    /// stale index gives `None` rather than a wrong row or a panic.
    pub fn current<'a>(&self, snapshot: &'a Snapshot) -> Option<&'a RefPlan> {
        self.index
            .get(self.scroll.cursor)
            .and_then(|&i| snapshot.rows.get(i))
    }

    /// Recomputes the filtered, sorted index for the same snapshot (a new filter or sort order),
    /// keeping the cursor on the same reference.
    pub fn rebuild(&mut self, snapshot: &Snapshot) {
        self.replace(snapshot, snapshot);
    }

    /// Builds the index for a new snapshot. The reference under the cursor is looked up in the
    /// snapshot the index was built from (row numbers mean nothing across snapshots), and the
    /// cursor follows it; when it is gone, the cursor stays where it was, within the new list.
    pub fn replace(&mut self, old: &Snapshot, new: &Snapshot) {
        let keep = self.current(old).map(|row| row_name(old, row).to_string());
        self.rebuild_keeping(new, keep.as_deref());
    }

    pub fn rebuild_keeping(&mut self, snapshot: &Snapshot, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        self.index.clear();
        self.index.extend(
            snapshot
                .rows
                .iter()
                .enumerate()
                .filter(|(_, row)| needle.is_empty() || matches(snapshot, row, &needle))
                .map(|(i, _)| i),
        );
        let (sort, reverse) = (self.sort, self.reverse);
        self.index.sort_by(|&a, &b| {
            let (row_a, row_b) = (&snapshot.rows[a], &snapshot.rows[b]);
            let order = compare(snapshot, row_a, row_b, sort)
                .then_with(|| row_name(snapshot, row_a).cmp(row_name(snapshot, row_b)))
                .then(a.cmp(&b));
            if reverse { order.reverse() } else { order }
        });
        if let Some(key) = keep
            && let Some(position) = self
                .index
                .iter()
                .position(|&i| row_name(snapshot, &snapshot.rows[i]) == key)
        {
            self.scroll.cursor = position;
        }
        self.scroll.clamp(self.index.len());
    }

    /// Marked rows that the filter hides (they are still acted on).
    pub fn hidden_marks(&self, snapshot: &Snapshot) -> usize {
        let shown: HashSet<&str> = self
            .index
            .iter()
            .map(|&i| row_name(snapshot, &snapshot.rows[i]))
            .collect();
        self.marks
            .iter()
            .filter(|k| !shown.contains(k.as_str()))
            .count()
    }

    /// Drops marks of references that no longer exist.
    pub fn prune_marks(&mut self, snapshot: &Snapshot) {
        let present: HashSet<&str> = snapshot
            .rows
            .iter()
            .map(|r| row_name(snapshot, r))
            .collect();
        self.marks.retain(|k| present.contains(k.as_str()));
    }
}

/// A row passes the filter when its name, its state (`/awaiting`, `/spared`) or the pattern of
/// its winning rule (`/nginx:*`) contains the text.
fn matches(snapshot: &Snapshot, row: &RefPlan, needle: &str) -> bool {
    // An image without a name is found by what its row shows: `<none>` and its former names.
    let nameless = row.reference.is_none()
        && (contains_folded("<none>", needle)
            || row
                .formerly
                .iter()
                .any(|name| contains_folded(name, needle)));
    nameless
        || contains_folded(row_name(snapshot, row), needle)
        || contains_folded(row.state.label(), needle)
        || row.winner.is_some_and(|i| {
            snapshot
                .rules
                .rules
                .get(i)
                .is_some_and(|rule| contains_folded(&rule.rule.image_name, needle))
        })
}

/// ASCII case-insensitive substring test; `needle` is already lower case.
fn contains_folded(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

fn compare(snapshot: &Snapshot, a: &RefPlan, b: &RefPlan, column: SortColumn) -> Ordering {
    let images = &snapshot.inventory.images;
    match column {
        SortColumn::Reference => row_name(snapshot, a).cmp(row_name(snapshot, b)),
        SortColumn::Size => images[a.image].size.cmp(&images[b.image].size),
        SortColumn::State => a.state.label().cmp(b.state.label()),
        SortColumn::LastUsed => {
            let idle = |row: &RefPlan| {
                snapshot
                    .records
                    .get(&images[row.image].id)
                    .and_then(|r| r.idle_since())
                    .unwrap_or(i64::MAX)
            };
            idle(a).cmp(&idle(b))
        }
        SortColumn::Rule => {
            let rule = |row: &RefPlan| row.winner.map(|i| &snapshot.rules.rules[i].rule.image_name);
            rule(a).cmp(&rule(b))
        }
        // Soonest first; rows without a deadline last.
        SortColumn::Removal => a
            .deadline
            .unwrap_or(i64::MAX)
            .cmp(&b.deadline.unwrap_or(i64::MAX)),
    }
}

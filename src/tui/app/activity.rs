//! The Activity view: the audit log, newest first, with a substring filter. At the top it follows
//! the newest entries; scrolled down, it stays on what the operator reads and counts what arrived
//! above.

use super::scroll::Scroll;
use crate::node::store::AuditEntry;

#[derive(Debug, Default)]
pub struct ActivityList {
    /// Newest first, as the store returns them.
    pub entries: Vec<AuditEntry>,
    pub filter: String,
    pub editing_filter: bool,
    pub index: Vec<usize>,
    pub scroll: Scroll,
    /// The details pane of the entry under the cursor is open.
    pub details: bool,
    /// The newest entry the operator has had at the top of the list.
    seen: Option<i64>,
}

impl ActivityList {
    pub fn replace(&mut self, entries: Vec<AuditEntry>) {
        let at_top = self.scroll.cursor == 0;
        let keep = self
            .index
            .get(self.scroll.cursor)
            .map(|&i| self.entries[i].id);
        self.entries = entries;
        self.rebuild();
        if at_top {
            self.scroll = Scroll::default(); // follow the newest
        } else if let Some(id) = keep
            && let Some(position) = self.index.iter().position(|&i| self.entries[i].id == id)
        {
            // Stay on the same entry, and keep it where it was on screen.
            let moved = position as isize - self.scroll.cursor as isize;
            self.scroll.cursor = position;
            self.scroll.offset = (self.scroll.offset as isize + moved).max(0) as usize;
        }
    }

    /// The entry under the cursor.
    pub fn current(&self) -> Option<&AuditEntry> {
        self.index
            .get(self.scroll.cursor)
            .and_then(|&i| self.entries.get(i))
    }

    pub fn rebuild(&mut self) {
        let needle = self.filter.to_lowercase();
        self.index = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let e = &e.entry;
                needle.is_empty()
                    || [&e.actor, &e.action, &e.reference, &e.result]
                        .iter()
                        .any(|field| field.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        self.scroll.clamp(self.index.len());
    }

    /// The entries at the top have been seen.
    pub fn mark_seen(&mut self) {
        if let Some(newest) = self.entries.first() {
            self.seen = Some(newest.id);
        }
    }

    /// Entries shown that arrived above the top since the operator scrolled away.
    pub fn unseen(&self) -> usize {
        let Some(seen) = self.seen else {
            return 0;
        };
        self.index
            .iter()
            .take_while(|&&i| self.entries[i].id > seen)
            .count()
    }
}

//! The Activity view: the audit log, newest first, with a substring filter.

use super::scroll::Scroll;
use crate::store::AuditEntry;

#[derive(Debug, Default)]
pub struct ActivityList {
    /// Newest first, as the store returns them.
    pub entries: Vec<AuditEntry>,
    pub filter: String,
    pub editing_filter: bool,
    pub index: Vec<usize>,
    pub scroll: Scroll,
}

impl ActivityList {
    pub fn replace(&mut self, entries: Vec<AuditEntry>) {
        let keep = self
            .index
            .get(self.scroll.cursor)
            .map(|&i| self.entries[i].id);
        self.entries = entries;
        self.rebuild();
        if let Some(id) = keep
            && let Some(position) = self.index.iter().position(|&i| self.entries[i].id == id)
        {
            self.scroll.cursor = position;
        }
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
}

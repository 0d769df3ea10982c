//! The message log: every status message in full, newest first, so that a message too long for
//! the status line (an import's errors, several failed removals, an outage) can always be read.

use crate::core::model::Timestamp;
use std::collections::VecDeque;

/// How many messages the log keeps.
const KEPT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
    /// When it was said, as far as the console knows the time (the last load or tick).
    pub at: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub struct MessageLog {
    /// Newest first.
    pub entries: VecDeque<Message>,
}

impl MessageLog {
    /// Adds a message, unless it repeats the newest one.
    pub fn push(&mut self, text: &str, error: bool, at: Option<Timestamp>) {
        if self.entries.front().is_some_and(|m| m.text == text) {
            return;
        }
        self.entries.push_front(Message {
            text: text.to_string(),
            error,
            at,
        });
        self.entries.truncate(KEPT);
    }
}

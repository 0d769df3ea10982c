//! Collects diagnostics while a document is walked, turning byte offsets
//! into line:column once, in one place.

use super::diagnostic::{Diagnostic, Severity};
use super::position::LineIndex;

pub(crate) struct Report<'t> {
    lines: LineIndex<'t>,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Report<'t> {
    pub(crate) fn new(text: &'t str) -> Report<'t> {
        Report {
            lines: LineIndex::new(text),
            diagnostics: Vec::new(),
        }
    }

    /// The document's text between two byte offsets (empty when they do not fit it).
    pub(crate) fn text(&self, start: usize, end: usize) -> &'t str {
        self.lines.text(start, end)
    }

    pub(crate) fn error(&mut self, path: &str, offset: usize, message: impl Into<String>) {
        self.push(Severity::Error, path, offset, message.into());
    }

    pub(crate) fn warning(&mut self, path: &str, offset: usize, message: impl Into<String>) {
        self.push(Severity::Warning, path, offset, message.into());
    }

    /// An error placed by serde_json's own line and (byte) column.
    pub(crate) fn error_at_serde_position(&mut self, line: usize, column: usize, message: String) {
        let (line, column) = self.lines.serde_position(line, column);
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            path: String::new(),
            line,
            column,
            message,
        });
    }

    fn push(&mut self, severity: Severity, path: &str, offset: usize, message: String) {
        let (line, column) = self.lines.line_col(offset);
        self.diagnostics.push(Diagnostic {
            severity,
            path: path.to_string(),
            line,
            column,
            message,
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Everything reported, sorted by position (stable, so order of discovery
    /// breaks ties).
    pub(crate) fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(Diagnostic::sort_key);
        self.diagnostics
    }
}

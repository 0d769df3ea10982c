//! Byte offsets to the 1-based line:column an editor shows.

/// Start offsets of every line, so each lookup is a binary search.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, line_starts }
    }

    /// Line and column (both 1-based, column in characters) of a byte offset.
    /// Offsets past the end or inside a character are clamped, never a panic.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..]
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .count();
        (line + 1, column + 1)
    }

    /// serde_json reports columns in bytes; convert to characters on that line.
    pub(crate) fn serde_position(&self, line: usize, byte_column: usize) -> (usize, usize) {
        if line == 0 {
            return (1, 1);
        }
        let Some(&start) = self.line_starts.get(line - 1) else {
            return (line, byte_column.max(1));
        };
        // serde_json's column points at the offending byte (1-based); 0 means "before the line".
        self.line_col(start + byte_column.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_character_is_one_one() {
        assert_eq!(LineIndex::new("{}").line_col(0), (1, 1));
    }

    #[test]
    fn counts_lines_and_characters_not_bytes() {
        let text = "{\n  \"é\": 1,\n  \"x\": 2\n}";
        let index = LineIndex::new(text);
        let x = text.find("\"x\"").unwrap();
        assert_eq!(index.line_col(x), (3, 3));
        let one = text.find('1').unwrap();
        // "é" is two bytes but one column.
        assert_eq!(index.line_col(one), (2, 8));
    }

    #[test]
    fn clamps_offsets_past_the_end_and_inside_characters() {
        let index = LineIndex::new("é");
        assert_eq!(index.line_col(1), (1, 2));
        assert_eq!(index.line_col(99), (1, 2));
    }

    #[test]
    fn serde_byte_columns_become_character_columns() {
        let index = LineIndex::new("\"éé\" x");
        // byte column 8 is the `x` (1-based), which is character column 6
        assert_eq!(index.serde_position(1, 8), (1, 6));
    }
}

//! Byte offsets to the 1-based line:column an editor shows.

/// Start offsets of every line, so each lookup is a binary search. A minified file is one long
/// line, and thousands of diagnostics on it must not each count its characters from the start:
/// an all-ASCII line's column is its byte distance, and otherwise counting resumes from the
/// previous lookup when it lies earlier on the same line (diagnostics come mostly in order).
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    ascii_lines: Vec<bool>,
    /// The last non-ASCII lookup: (line, byte offset, 0-based column).
    last: std::cell::Cell<Option<(usize, usize, usize)>>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let ascii_lines = line_starts
            .iter()
            .zip(
                line_starts
                    .iter()
                    .skip(1)
                    .chain(std::iter::once(&text.len())),
            )
            .map(|(&start, &end)| text.as_bytes()[start..end].is_ascii())
            .collect();
        LineIndex {
            text,
            line_starts,
            ascii_lines,
            last: std::cell::Cell::new(None),
        }
    }

    /// The text between two byte offsets, or "" when they do not fit it.
    pub(crate) fn text(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// Line and column (both 1-based, column in characters) of a byte offset.
    /// Offsets past the end or inside a character are clamped, never a panic.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        if self.ascii_lines[line] {
            return (line + 1, offset - start + 1);
        }
        let (from, counted) = match self.last.get() {
            Some((last_line, at, column)) if last_line == line && at <= offset => (at, column),
            _ => (start, 0),
        };
        let column = counted
            + self.text[from..]
                .char_indices()
                .take_while(|(i, _)| from + i < offset)
                .count();
        // The characters counted end at the first character boundary at or after `offset`.
        let mut boundary = offset;
        while !self.text.is_char_boundary(boundary) {
            boundary += 1;
        }
        self.last.set(Some((line, boundary, column)));
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
    fn lookups_in_any_order_agree_with_counting_from_the_line_start() {
        let text = "{\"é\": [\"ab\", \"ü✓x\"],\n \"k\": \"vé\"}";
        let naive = |offset: usize| {
            let offset = offset.min(text.len());
            let before = &text.as_bytes()[..offset];
            let start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = text[start..]
                .char_indices()
                .take_while(|(i, _)| start + i < offset)
                .count();
            (line, column + 1)
        };
        let index = LineIndex::new(text);
        let forward: Vec<usize> = (0..=text.len() + 1).collect();
        let order = forward
            .iter()
            .chain(forward.iter().rev())
            .chain(&[3, 9, 2, 20, 5]);
        for &offset in order {
            assert_eq!(index.line_col(offset), naive(offset), "offset {offset}");
        }
    }

    #[test]
    fn serde_byte_columns_become_character_columns() {
        let index = LineIndex::new("\"éé\" x");
        // byte column 8 is the `x` (1-based), which is character column 6
        assert_eq!(index.serde_position(1, 8), (1, 6));
    }
}

//! Aligned plain-text tables for human output.

use crate::core::format::escape_controls;

/// Prints rows under a header, each column padded to its widest cell; the last column is not padded.
/// Every cell is untrusted (names, patterns, actors): control characters are made visible.
pub fn print(header: &[&str], rows: &[Vec<String>]) {
    let mut out = String::new();
    render(header, rows, &mut out);
    print!("{out}");
}

pub fn render(header: &[&str], rows: &[Vec<String>], out: &mut String) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_controls(cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let cells: Vec<&str> = cells.collect();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().copied(), out);
    for row in &rows {
        line(&mut row.iter().map(String::as_str), out);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_align() {
        let mut out = String::new();
        super::render(
            &["A", "BB"],
            &[
                vec!["long".into(), "x".into()],
                vec!["s".into(), "y".into()],
            ],
            &mut out,
        );
        assert_eq!(out, "A      BB\nlong   x\ns      y\n");
    }

    #[test]
    fn control_characters_in_cells_are_made_visible() {
        let mut out = String::new();
        super::render(
            &["A", "B"],
            &[vec!["a\u{1b}[2J\nb".into(), "x".into()]],
            &mut out,
        );
        assert_eq!(
            out,
            format!("A{}B\na\\u{{1b}}[2J\\nb   x\n", " ".repeat(15))
        );
    }
}

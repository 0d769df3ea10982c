//! Aligned plain-text tables for human output.

use crate::core::format::escape_controls;

/// How a table fits a width it must not pass.
pub struct Fit<'a> {
    /// The columns to drop, least needed first, while the table is too wide.
    pub drop: &'a [usize],
    /// The column of references, cut in its middle (never its tag) when dropping was not
    /// enough, down to `min`.
    pub names: usize,
    pub min: usize,
}

/// Prints the table within `width` columns (as `docker ps` does on a terminal), or whole when
/// there is no width to fit.
pub fn print_fitted(header: &[&str], rows: &[Vec<String>], width: Option<usize>, fit: &Fit) {
    let Some(width) = width else {
        return print(header, rows);
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| escape_controls(c).into_owned())
                .collect()
        })
        .collect();
    let widths = |keep: &[usize]| -> Vec<usize> {
        keep.iter()
            .map(|&i| {
                rows.iter()
                    .map(|row| crate::core::fit::width(&row[i]))
                    .chain([header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    };
    let total =
        |widths: &[usize]| widths.iter().sum::<usize>() + 3 * widths.len().saturating_sub(1);
    let mut keep: Vec<usize> = (0..header.len()).collect();
    for column in fit.drop {
        if total(&widths(&keep)) <= width {
            break;
        }
        keep.retain(|c| c != column);
    }
    let over = total(&widths(&keep)).saturating_sub(width);
    let names_at = keep.iter().position(|&c| c == fit.names);
    let mut rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| keep.iter().map(|&i| row[i].clone()).collect())
        .collect();
    if let Some(at) = names_at
        && over > 0
    {
        let room = widths(&keep)[at].saturating_sub(over).max(fit.min);
        for row in &mut rows {
            row[at] = crate::core::fit::fit_reference(&row[at], room);
        }
    }
    let header: Vec<&str> = keep.iter().map(|&i| header[i]).collect();
    let mut out = String::new();
    render(&header, &rows, &mut out);
    print!("{out}");
}

/// The width of the terminal standard output goes to (`COLUMNS` first), if it is one.
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(columns, _)| usize::from(columns))
        .filter(|&c| c > 0)
}

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
            widths[i] = widths[i].max(crate::core::fit::width(cell));
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let cells: Vec<&str> = cells.collect();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - crate::core::fit::width(cell) + 3;
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

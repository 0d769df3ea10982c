//! Fitting text into a width of display columns without losing what tells it apart: a cut is
//! marked `…`, and a reference is cut in its repository, never in its tag. Shared by the
//! console and the command line's tables. Pure.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display columns of a text.
pub fn width(text: &str) -> usize {
    text.width()
}

/// The longest start of `text` that fits `columns`.
fn head(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &text[..at];
        }
    }
    text
}

/// The longest end of `text` that fits `columns`.
fn tail(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &text[at + c.len_utf8()..];
        }
    }
    text
}

/// Cuts a text to `columns`, marking the cut at the end with `…`.
pub fn fit(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    format!("{}…", head(text, columns - 1))
}

/// Cuts a text to `columns` keeping its end (a filter being typed, where the cursor is).
pub fn fit_end(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    format!("…{}", tail(text, columns - 1))
}

/// Cuts a text to `columns` in the middle, keeping its start and its end.
pub fn fit_middle(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    if columns < 3 {
        return fit(text, columns);
    }
    let room = columns - 1;
    let end = tail(text, room / 2);
    let start = head(text, room - width(end));
    format!("{start}…{end}")
}

/// Fits a reference to `columns` without ever cutting its tag or digest: the repository is cut
/// in its middle (`localhost:5000/edge/ml-…-optimized:1.2.3`), so two versions of one long name
/// never look alike. Only a tag that alone does not fit is cut, again in its middle.
pub fn fit_reference(reference: &str, columns: usize) -> String {
    if width(reference) <= columns {
        return reference.to_string();
    }
    let split = reference.find('@').or_else(|| {
        let after_slash = reference.rfind('/').map_or(0, |i| i + 1);
        reference[after_slash..].rfind(':').map(|i| after_slash + i)
    });
    let Some(split) = split else {
        return fit_middle(reference, columns);
    };
    let (repository, tag) = reference.split_at(split);
    // Keep at least a few characters of the repository on each side of the cut.
    const REPOSITORY_MIN: usize = 5;
    if width(tag) + REPOSITORY_MIN > columns {
        return fit_middle(reference, columns);
    }
    format!("{}{tag}", fit_middle(repository, columns - width(tag)))
}

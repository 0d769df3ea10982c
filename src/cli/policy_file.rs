//! Reading a policy file as untrusted input: a size cap (so `/dev/zero`, a FIFO fed without end
//! or a 50 MB file stop at once), UTF-8 with the position of the first bad byte, and every
//! failure an invalid-input error (exit 2) that names the file.

use super::UsageError;
use crate::core::format::escape_controls;
use std::io::Read;
use std::path::Path;

/// The most a policy file may hold. 10,000 rules (the limit per node) written one key per line
/// take under 2 MiB.
pub const MAX_POLICY_BYTES: u64 = 4 << 20;

/// The text of a policy file, or a usage error that says what is wrong with it.
pub fn read(file: &Path) -> Result<String, UsageError> {
    let cap = MAX_POLICY_BYTES;
    let shown = escape_controls(&file.display().to_string()).into_owned();
    let fail = |why: String| UsageError(format!("{shown}: {why}"));
    let handle = std::fs::File::open(file).map_err(|e| fail(open_problem(&e)))?;
    if handle.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(fail(
            "is a directory, not a policy file; name a JSON file".to_string(),
        ));
    }
    let mut bytes = Vec::new();
    handle
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(fail(format!(
            "larger than {} MiB, the most a policy file may hold; a policy of 10,000 rules (the \
             limit) fits in less. Is this the right file?",
            cap >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = line_column(bytes, offset);
        let hint = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            " (it looks like UTF-16)"
        } else {
            ""
        };
        UsageError(format!(
            "{shown}:{line}:{column}: error: invalid UTF-8 at byte {offset} (0x{:02X}){hint}; \
             a policy file is UTF-8 text: save it as UTF-8",
            bytes[offset]
        ))
    })
}

fn open_problem(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "does not exist; check the path".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "cannot be read by this user (permission denied)".to_string()
        }
        _ => format!("cannot be opened: {error}"),
    }
}

/// 1-based line and column (in characters) of a byte offset in text valid up to that offset.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        assert_eq!(line_column(b"ab", 0), (1, 1));
        assert_eq!(line_column(b"{\n  \"\xc3\xa9\xff", 7), (2, 5));
    }

    #[test]
    fn the_cap_stops_an_endless_file() {
        let error = read(Path::new("/dev/zero")).unwrap_err();
        assert!(error.0.contains("larger than 4 MiB"), "{}", error.0);
    }
}

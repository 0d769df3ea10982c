//! Text to a JSON object's AST, with every problem placed: the first step of every reader.

use jsonc_parser::ast::{Object, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::comments::blank_comments;
use super::diagnostic::Diagnostic;
use super::report::Report;

/// Reads `text` as one JSON object (comments allowed) and hands it to `reader`: the AST, for
/// the position of every key and value, and the `serde_json` value, for fields kept verbatim.
/// `what` names the document in the error for a non-object ("a policy document is a JSON
/// object such as …"). Returns the reader's result (`None` when the text is not a JSON object)
/// and every diagnostic, sorted by position. Never panics.
pub(crate) fn read<T>(
    text: &str,
    not_an_object: &str,
    reader: impl FnOnce(&mut Report, &Object, serde_json::Value) -> T,
) -> (Option<T>, Vec<Diagnostic>) {
    // Editors on Windows may save a byte-order mark; it is not a column.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut report = Report::new(text);
    // Comments are blanked in place, so positions in `text` stay valid.
    let text = match blank_comments(text) {
        Ok(text) => text,
        Err(e) => {
            report.error("", e.range().start, format!("invalid JSON: {}", e.kind()));
            return (None, report.into_sorted());
        }
    };
    let text = text.as_ref();

    // serde_json is the reference for what is valid JSON, and gives the values of the fields
    // that are kept verbatim.
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            report.error_at_serde_position(e.line(), e.column(), serde_message(&e));
            return (None, report.into_sorted());
        }
    };
    // The AST gives the byte range of every key and value.
    let root = match parse_to_ast(text, &CollectOptions::default(), &strict_json()) {
        Ok(result) => result.value,
        Err(e) => {
            report.error("", e.range().start, format!("invalid JSON: {}", e.kind()));
            return (None, report.into_sorted());
        }
    };
    let Some(Value::Object(root)) = root else {
        report.error("", 0, not_an_object);
        return (None, report.into_sorted());
    };
    let result = reader(&mut report, &root, json);
    (Some(result), report.into_sorted())
}

fn strict_json() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// serde_json's message without its trailing " at line L column C" (we say where).
fn serde_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let message = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    format!("invalid JSON: {message}")
}

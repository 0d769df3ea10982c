//! Text to `PolicyDocument`: strict JSON (comments allowed), then the NMP around the image
//! policy, then the rules, then the warnings. Every problem is collected.

use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::comments::blank_comments;
use super::diagnostic::Diagnostic;
use super::document::{PolicyDocument, Spelling, Start};
use super::image_policy::read_image_policy;
use super::json_path::child;
use super::keys::{ANAX, SEED, UPGRADE_KEYS, keys};
use super::lint::lint;
use super::placement::warn_placement;
use super::props::unique_props;
use super::report::Report;
use super::rule_limit::too_many_rules_in_file;
use super::start::parse_start;
use super::suggest::nearest;
use super::value_kind::describe;

/// A valid document and the warnings about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub document: PolicyDocument,
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a policy document. `Err` holds every error, and the
/// warnings too, sorted by position. Never panics.
pub fn parse(text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    read_object(
        text,
        "a policy document is a JSON object such as {\"image_policy\": {\"removal\": [...]}}",
        read_document,
    )
    .map(|(document, warnings)| Parsed { document, warnings })
}

/// Reads any document that is one JSON object (comments allowed): strict JSON first, then
/// `read` walks the object with positions, collecting every problem. `Err` holds every error
/// and the warnings; `Ok` the value and the warnings, sorted by position. Never panics.
pub(crate) fn read_object<T>(
    text: &str,
    not_an_object: &str,
    read: impl FnOnce(&mut Report, &Object, serde_json::Value) -> Option<T>,
) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    // Editors on Windows may save a byte-order mark; it is not a column.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut report = Report::new(text);
    // Comments are blanked in place, so positions in `text` stay valid.
    let text = match blank_comments(text) {
        Ok(text) => text,
        Err(e) => {
            report.error("", e.range().start, format!("invalid JSON: {}", e.kind()));
            return Err(report.into_sorted());
        }
    };
    let text = text.as_ref();

    // serde_json is the reference for what is valid JSON, and gives the values
    // of the NMP fields that are kept verbatim.
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            report.error_at_serde_position(e.line(), e.column(), serde_message(&e));
            return Err(report.into_sorted());
        }
    };
    // The AST gives the byte range of every key and value.
    let root = match parse_to_ast(text, &CollectOptions::default(), &strict_json()) {
        Ok(result) => result.value,
        Err(e) => {
            report.error("", e.range().start, format!("invalid JSON: {}", e.kind()));
            return Err(report.into_sorted());
        }
    };
    let Some(Value::Object(root)) = root else {
        report.error("", 0, not_an_object);
        return Err(report.into_sorted());
    };

    let value = read(&mut report, &root, json);
    let errors = report.has_errors();
    let diagnostics = report.into_sorted();
    match value {
        Some(value) if !errors => Ok((value, diagnostics)),
        _ => Err(diagnostics),
    }
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

fn read_document(
    report: &mut Report,
    root: &Object,
    json: serde_json::Value,
) -> Option<PolicyDocument> {
    let props = unique_props(report, root, "");
    let find = |key: &str| props.iter().copied().find(|p| p.name.as_str() == key);

    let policies: Vec<(Spelling, &ObjectProp)> = [Spelling::Seed, Spelling::Anax]
        .into_iter()
        .filter_map(|s| find(keys(s).policy).map(|p| (s, p)))
        .collect();
    let (spelling, policy) = match policies.as_slice() {
        [] => {
            report.error("", root.start(), missing_policy_message(&props));
            return None;
        }
        [(spelling, policy)] => (*spelling, *policy),
        [first, second, ..] => {
            let (first, second) = if first.1.start() <= second.1.start() {
                (first, second)
            } else {
                (second, first)
            };
            report.error(
                second.1.name.as_str(),
                second.1.name.start(),
                format!(
                    "a document holds one image policy, but both `{}` and `{}` are here; keep one",
                    first.1.name.as_str(),
                    second.1.name.as_str()
                ),
            );
            // Still check the second, so all its errors show at once.
            read_image_policy(report, &second.1.value, second.0);
            (first.0, first.1)
        }
    };

    for key in UPGRADE_KEYS {
        if let Some(upgrade) = find(key) {
            report.error(
                key,
                upgrade.name.start(),
                format!(
                    "an NMP holds an image policy or an upgrade policy, not both: move `{key}` to its own NMP"
                ),
            );
        }
    }
    let enabled = read_enabled(report, find("enabled"));
    let start = read_start(report, find("start"));
    let read = read_image_policy(report, &policy.value, spelling);
    // Keep rules are matched against every reference too: they count.
    match too_many_rules_in_file(read.rules.len() + read.keep.len()) {
        // Over the limit the lints are not run: they are what would take long.
        Some(message) => report.error(
            &child(keys(spelling).policy, keys(spelling).list),
            policy.value.start(),
            message,
        ),
        None => lint(report, &read),
    }
    warn_placement(report, &props);

    let mut extra = match json {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    extra.remove(SEED.policy);
    extra.remove(ANAX.policy);
    Some(PolicyDocument {
        rules: read.rules.into_iter().map(|(rule, _)| rule).collect(),
        keep: read.keep.into_iter().map(|(rule, _)| rule).collect(),
        disk: read.disk,
        enabled: enabled?,
        start: start?,
        spelling,
        extra,
    })
}

fn missing_policy_message(props: &[&ObjectProp]) -> String {
    let base = format!(
        "no image policy here: add \"{}\": {{\"{}\": [{{\"{}\": \"myorg/app:*\", \"{}\": 60}}]}}",
        SEED.policy, SEED.list, SEED.name, SEED.minutes
    );
    let near_miss = props.iter().find_map(|p| {
        let key = p.name.as_str();
        nearest(key, &[SEED.policy, ANAX.policy]).map(|known| (key, known))
    });
    match near_miss {
        Some((key, known)) => format!("{base} (found `{key}`: did you mean `{known}`?)"),
        None => base,
    }
}

/// `Some(value)` when valid; absent means enabled.
fn read_enabled(report: &mut Report, prop: Option<&ObjectProp>) -> Option<bool> {
    let Some(prop) = prop else { return Some(true) };
    match &prop.value {
        Value::BooleanLit(flag) => Some(flag.value),
        other => {
            report.error(
                "enabled",
                other.start(),
                format!("`enabled` is `true` or `false`, not {}", describe(other)),
            );
            None
        }
    }
}

/// `Some(value)` when valid; absent means no start time.
fn read_start(report: &mut Report, prop: Option<&ObjectProp>) -> Option<Option<Start>> {
    let Some(prop) = prop else { return Some(None) };
    let result = match &prop.value {
        Value::StringLit(text) => parse_start(&text.value),
        other => Err(format!(
            "`start` is a string, \"now\" or an RFC 3339 time, not {}",
            describe(other)
        )),
    };
    result
        .map(Some)
        .map_err(|message| report.error("start", prop.value.start(), message))
        .ok()
}

//! Text to `PolicyDocument`: strict JSON (comments allowed), then the NMP around the image
//! policy, then the rules, then the warnings. Every problem is collected.

use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;

use super::document::{PolicyDocument, Spelling, Start};
use super::image_policy::read_image_policy;
use super::keys::{ANAX, SEED, UPGRADE_KEYS, keys};
use super::lint::lint;
use super::rule_limit::too_many_rules_in_file;
use super::start::parse_start;
use crate::core::doc::{Diagnostic, Report, child, describe, nearest, read, unique_props};
use crate::core::placement::read_nmp_placement;

/// A valid document and the warnings about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub document: PolicyDocument,
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a policy document. `Err` holds every error, and the
/// warnings too, sorted by position. Never panics.
pub fn parse(text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let not_an_object =
        "a policy document is a JSON object such as {\"image_policy\": {\"removal\": [...]}}";
    let (document, diagnostics) = read(text, not_an_object, |report, root, json| {
        let document = read_document(report, root, json);
        (document, report.has_errors())
    });
    match document {
        Some((Some(document), false)) => Ok(Parsed {
            document,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
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
    // Placement is read here so that `policy check` reports it; it is evaluated from `extra`.
    read_nmp_placement(report, &props);

    let mut extra = match json {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    // Where the image policy stood, for export; the other fields keep their order.
    let policy_at = [SEED.policy, ANAX.policy]
        .iter()
        .find_map(|key| extra.keys().position(|k| k == key))
        .filter(|at| at + 1 < extra.len());
    extra.shift_remove(SEED.policy);
    extra.shift_remove(ANAX.policy);
    Some(PolicyDocument {
        rules: read.rules.into_iter().map(|(rule, _)| rule).collect(),
        keep: read.keep.into_iter().map(|(rule, _)| rule).collect(),
        disk: read.disk,
        enabled: enabled?,
        start: start?,
        spelling,
        policy_at,
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

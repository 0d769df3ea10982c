//! One keep rule (§11): a pattern and, optionally, how many recent references per repository it
//! keeps.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::document::{KeepRule, Spelling};
use super::keys::{keys, other};
use super::minutes::read_whole;
use super::reference::validate_pattern;
use crate::core::doc::Report;
use crate::core::doc::Strays;
use crate::core::doc::child;
use crate::core::doc::describe;
use crate::core::doc::unique_props;

/// Where a successfully read keep rule sits, for the warnings computed later.
pub(crate) struct KeepSite {
    pub index: usize,
}

/// Reads one keep rule, reporting every problem in it; `None` if any field is wrong.
pub(crate) fn read_keep_rule(
    report: &mut Report,
    value: &Value,
    index: usize,
    path: &str,
    spelling: Spelling,
) -> Option<(KeepRule, KeepSite)> {
    let own = keys(spelling);
    let foreign = keys(other(spelling));
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "each keep rule is an object such as {{\"{}\": \"myorg/app:*\", \"{}\": 2}}, not {}",
                own.name,
                own.last,
                describe(value)
            ),
        );
        return None;
    };

    let mut name = None;
    let mut last = Some(None); // absent: keep every match
    let known = own.keep_keys();
    let here = format!("this keep rule is in `{}.{}`", own.policy, own.keep_list);
    let mut strays = Strays::new(here, "a keep rule", true, &known);
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        let key_path = child(path, key);
        let at = prop.value.start();
        if key == own.name {
            name = match &prop.value {
                Value::StringLit(text) => validate_pattern(&text.value)
                    .map(|()| text.value.to_string())
                    .map_err(|message| report.error(&key_path, at, message))
                    .ok(),
                other => {
                    report.error(
                        &key_path,
                        at,
                        format!(
                            "`{key}` is a string such as \"myorg/app:*\", not {}",
                            describe(other)
                        ),
                    );
                    None
                }
            };
        } else if key == own.last {
            last = read_last(key, &prop.value)
                .map(Some)
                .map_err(|message| report.error(&key_path, at, message))
                .ok();
        } else {
            let ours = own.translate_keep(foreign, key);
            strays.report(
                report,
                &key_path,
                prop.name.start(),
                key,
                ours,
                foreign.policy,
            );
        }
    }
    let present = |key: &str| strays.present(object, key);
    if !present(own.name) {
        report.error(
            path,
            object.start(),
            format!(
                "missing `{}`: the image pattern this keep rule protects, e.g. \"myorg/app:*\"",
                own.name
            ),
        );
    }
    let rule = KeepRule {
        image_name: name?,
        last: last?,
    };
    (!strays.any()).then_some((rule, KeepSite { index }))
}

/// `last`: how many versions per repository to keep, at least one.
fn read_last(key: &str, value: &Value) -> Result<u64, String> {
    match read_whole(key, value, 2, 1)? {
        0 => Err(format!(
            "`{key}` is at least 1: it counts the versions kept per repository (leave `{key}` out to keep every match)"
        )),
        n => Ok(n),
    }
}

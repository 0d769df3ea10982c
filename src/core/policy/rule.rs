//! One rule object: its three fields in the document's spelling.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::document::{Rule, Spelling};
use super::keys::{keys, other};
use super::minutes::read_minutes;
use super::reference::validate_pattern;
use crate::core::doc::Report;
use crate::core::doc::Strays;
use crate::core::doc::child;
use crate::core::doc::describe;
use crate::core::doc::unique_props;

/// Where a successfully read rule sits, for the warnings computed later.
pub(crate) struct RuleSite {
    pub index: usize,
    pub path: String,
    pub offset: usize,
    pub name_path: String,
    pub name_offset: usize,
}

/// Reads one rule, reporting every problem in it; `None` if any field is wrong.
pub(crate) fn read_rule(
    report: &mut Report,
    value: &Value,
    index: usize,
    path: &str,
    spelling: Spelling,
) -> Option<(Rule, RuleSite)> {
    let own = keys(spelling);
    let foreign = keys(other(spelling));
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "each rule is an object such as {{\"{}\": \"myorg/app:*\", \"{}\": 60}}, not {}",
                own.name,
                own.minutes,
                describe(value)
            ),
        );
        return None;
    };

    let mut name = None;
    let mut minutes = None;
    let mut downloaded_only = Some(true); // absent means the safe reading
    let mut name_site = (child(path, own.name), object.start());
    let known = own.rule_keys();
    let here = format!("this rule is in `{}.{}`", own.policy, own.list);
    let mut strays = Strays::new(here, "a rule", true, &known);

    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        let key_path = child(path, key);
        let at = prop.value.start();
        if key == own.name {
            name_site = (key_path.clone(), at);
            name = read_name(report, &key_path, key, &prop.value);
        } else if key == own.minutes {
            minutes = read_minutes(key, &prop.value)
                .map_err(|message| report.error(&key_path, at, message))
                .ok();
        } else if key == own.downloaded_only {
            downloaded_only = match &prop.value {
                Value::BooleanLit(flag) => Some(flag.value),
                other => {
                    report.error(&key_path, at, flag_message(key, other));
                    None
                }
            };
        } else {
            let ours = own.translate(foreign, key);
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
                "missing `{}`: the image pattern this rule applies to, e.g. \"myorg/app:*\"",
                own.name
            ),
        );
    }
    if !present(own.minutes) {
        report.error(
            path,
            object.start(),
            format!(
                "missing `{}`: how many minutes after its last use an image may be removed, e.g. 60",
                own.minutes
            ),
        );
    }

    let rule = Rule {
        image_name: name?,
        delete_after_minutes: minutes?,
        agent_downloaded_only: downloaded_only?,
    };
    (!strays.any()).then(|| {
        let site = RuleSite {
            index,
            path: path.to_string(),
            offset: object.start(),
            name_path: name_site.0,
            name_offset: name_site.1,
        };
        (rule, site)
    })
}

fn read_name(report: &mut Report, path: &str, key: &str, value: &Value) -> Option<String> {
    let result = match value {
        Value::StringLit(text) => validate_pattern(&text.value).map(|()| text.value.to_string()),
        other => Err(format!(
            "`{key}` is a string such as \"myorg/app:*\", not {}",
            describe(other)
        )),
    };
    result
        .map_err(|message| report.error(path, value.start(), message))
        .ok()
}

fn flag_message(key: &str, value: &Value) -> String {
    match value {
        Value::StringLit(text) if matches!(text.value.as_ref(), "true" | "false") => format!(
            "`{key}` is a boolean, not a string: write `{}` without quotes",
            text.value
        ),
        other => format!("`{key}` is `true` or `false`, not {}", describe(other)),
    }
}

//! The image policy object (`image_policy` / `agentImagePolicy`): its removal rules, keep rules
//! and disk marks.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::disk::read_disk;
use super::document::{DiskMarks, KeepRule, Rule, Spelling};
use super::keep::{KeepSite, read_keep_rule};
use super::keys::{keys, other};
use super::rule::{RuleSite, read_rule};
use crate::core::doc::Report;
use crate::core::doc::describe;
use crate::core::doc::unique_props;
use crate::core::doc::{child, element};
use crate::core::doc::{hint, nearest};

/// What was read without error, with the sites the warnings need.
#[derive(Default)]
pub(crate) struct ImagePolicy {
    pub rules: Vec<(Rule, RuleSite)>,
    pub keep: Vec<(KeepRule, KeepSite)>,
    pub disk: Option<DiskMarks>,
}

/// Reads the image policy value, reporting every problem.
pub(crate) fn read_image_policy(
    report: &mut Report,
    value: &Value,
    spelling: Spelling,
) -> ImagePolicy {
    let own = keys(spelling);
    let foreign = keys(other(spelling));
    let path = own.policy;
    let example = format!(
        "{{\"{}\": [{{\"{}\": \"myorg/app:*\", \"{}\": 60}}]}}",
        own.list, own.name, own.minutes
    );
    let mut read = ImagePolicy::default();
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "`{path}` is an object such as {example}, not {}",
                describe(value)
            ),
        );
        return read;
    };

    let (mut list, mut keep, mut disk) = (None, None, None);
    let mut misspelt_section = false;
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        if key == own.list {
            list = Some(&prop.value);
        } else if key == own.keep_list {
            keep = Some(&prop.value);
        } else if key == own.disk {
            disk = Some(&prop.value);
        } else if let Some(ours) = own.translate_section(foreign, key) {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!(
                    "`{key}` is the {} spelling; inside `{path}` write `{ours}`",
                    foreign.policy
                ),
            );
            return read;
        } else {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!(
                    "unknown key `{key}` in `{path}`; {}",
                    hint(key, &own.section_keys())
                ),
            );
            misspelt_section |= nearest(key, &own.section_keys()).is_some();
        }
    }

    if list.is_none() && keep.is_none() && disk.is_none() && !misspelt_section {
        report.error(
            path,
            object.start(),
            format!(
                "`{path}` has no `{}` list: add one, e.g. {example}",
                own.list
            ),
        );
    }
    if let Some(list) = list {
        let list_path = child(path, own.list);
        read.rules = read_list(report, list, &list_path, "rules", |report, rule, i, at| {
            read_rule(report, rule, i, at, spelling)
        });
    }
    if let Some(list) = keep {
        let list_path = child(path, own.keep_list);
        read.keep = read_list(
            report,
            list,
            &list_path,
            "keep rules",
            |report, rule, i, at| read_keep_rule(report, rule, i, at, spelling),
        );
    }
    if let Some(disk) = disk {
        read.disk = read_disk(report, disk, &child(path, own.disk), spelling);
    }
    read
}

/// Reads each element of a list with `read_one`, keeping those read without error.
fn read_list<T>(
    report: &mut Report,
    value: &Value,
    path: &str,
    what: &str,
    mut read_one: impl FnMut(&mut Report, &Value, usize, &str) -> Option<T>,
) -> Vec<T> {
    match value {
        Value::Array(array) => array
            .elements
            .iter()
            .enumerate()
            .filter_map(|(i, element_value)| read_one(report, element_value, i, &element(path, i)))
            .collect(),
        other => {
            let key = path.rsplit('.').next().unwrap_or(path);
            report.error(
                path,
                other.start(),
                format!(
                    "`{key}` is a list of {what} `[{{…}}, …]`, not {}",
                    describe(other)
                ),
            );
            Vec::new()
        }
    }
}

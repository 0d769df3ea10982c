//! The image policy object (`image_policy` / `agentImagePolicy`) and its rule list.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::document::{Rule, Spelling};
use super::json_path::{child, element};
use super::keys::{keys, other};
use super::props::unique_props;
use super::report::Report;
use super::rule::{RuleSite, read_rule};
use super::suggest::{hint, nearest};
use super::value_kind::describe;

/// Reads the rules under the image policy value, reporting every problem.
/// Returns the rules that were read without error, with their sites.
pub(crate) fn read_image_policy(
    report: &mut Report,
    value: &Value,
    spelling: Spelling,
) -> Vec<(Rule, RuleSite)> {
    let own = keys(spelling);
    let foreign = keys(other(spelling));
    let path = own.policy;
    let example = format!(
        "{{\"{}\": [{{\"{}\": \"myorg/app:*\", \"{}\": 60}}]}}",
        own.list, own.name, own.minutes
    );
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "`{path}` is an object such as {example}, not {}",
                describe(value)
            ),
        );
        return Vec::new();
    };

    let mut list = None;
    let mut misspelt_list = false;
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        if key == own.list {
            list = Some(&prop.value);
        } else if key == foreign.list {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!(
                    "`{key}` is the {} spelling; inside `{path}` write `{}`",
                    foreign.policy, own.list
                ),
            );
            return Vec::new();
        } else {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!(
                    "unknown key `{key}` in `{path}`; {}",
                    hint(key, &[own.list])
                ),
            );
            misspelt_list |= nearest(key, &[own.list]).is_some();
        }
    }

    let list_path = child(path, own.list);
    match list {
        None if misspelt_list => Vec::new(),
        None => {
            report.error(
                path,
                object.start(),
                format!(
                    "`{path}` has no `{}` list: add one, e.g. {example}",
                    own.list
                ),
            );
            Vec::new()
        }
        Some(Value::Array(array)) => array
            .elements
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| read_rule(report, rule, i, &element(&list_path, i), spelling))
            .collect(),
        Some(other) => {
            report.error(
                &list_path,
                other.start(),
                format!(
                    "`{}` is a list of rules `[{{…}}, …]`, not {}",
                    own.list,
                    describe(other)
                ),
            );
            Vec::new()
        }
    }
}

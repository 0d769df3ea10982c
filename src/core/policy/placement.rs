//! An NMP's placement (`constraints`, `patterns`) says which nodes the hub sends it to. This node
//! keeps both for publishing but has no node properties to evaluate them against, so a policy
//! that carries them applies here whatever they say: the operator is told, once per policy.

use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Ranged;

use crate::core::doc::Report;

const PLACEMENT_KEYS: [&str; 2] = ["constraints", "patterns"];

/// One warning at the first placement field that places anything, naming all of them.
pub(crate) fn warn_placement(report: &mut Report, props: &[&ObjectProp]) {
    let placing: Vec<&ObjectProp> = props
        .iter()
        .copied()
        .filter(|p| PLACEMENT_KEYS.contains(&p.name.as_str()) && places(&p.value))
        .collect();
    let Some(first) = placing.first() else {
        return;
    };
    let names: Vec<String> = placing
        .iter()
        .map(|p| format!("`{}`", p.name.as_str()))
        .collect();
    let (verb, pronoun) = if names.len() == 1 {
        ("is", "it says")
    } else {
        ("are", "they say")
    };
    report.warning(
        first.name.as_str(),
        first.name.start(),
        format!(
            "{} {verb} kept for publishing but not evaluated on this node: the policy applies here whatever {pronoun}",
            names.join(" and ")
        ),
    );
}

/// Null and empty values place nothing (an NMP without constraints goes to every node).
fn places(value: &Value) -> bool {
    match value {
        Value::NullKeyword(_) => false,
        Value::Array(array) => !array.elements.is_empty(),
        Value::Object(object) => !object.properties.is_empty(),
        Value::StringLit(text) => !text.value.is_empty(),
        _ => true,
    }
}

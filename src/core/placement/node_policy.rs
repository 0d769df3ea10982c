//! The node policy file, in the agent's own format, and the node as placement sees it.
//!
//! ```json
//! { "properties": [{"name": "site", "value": "berlin"}], "constraints": ["tier == prod"],
//!   "deployment": {"properties": [], "constraints": []},
//!   "management": {"properties": [], "constraints": []},
//!   "pattern": "myorg/edge" }
//! ```
//! `pattern` is imgreaper's own addition (the agent learns it when it registers). `deployment`
//! is read and checked but places nothing here: node management policies use `management`.

use jsonc_parser::ast::{Object, Value};
use jsonc_parser::common::Ranged;
use serde::Serialize;

use super::fields::{Constraint, read_constraints};
use super::property::{Property, read_properties};
use crate::core::doc::{Diagnostic, Report, child, describe, hint, read, unique_props};

/// What a node policy file says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodePolicy {
    pub properties: Vec<Property>,
    pub constraints: Vec<Constraint>,
    pub management_properties: Vec<Property>,
    pub management_constraints: Vec<Constraint>,
    pub pattern: Option<String>,
}

/// The built-in properties the agent adds from the host; the file may not set them.
pub const READ_ONLY_BUILT_INS: [&str; 6] = [
    "openhorizon.cpu",
    "openhorizon.memory",
    "openhorizon.arch",
    "openhorizon.operatingSystem",
    "openhorizon.containerized",
    "openhorizon.hardwareId",
];

const TOP_KEYS: [&str; 7] = [
    "label",
    "description",
    "properties",
    "constraints",
    "deployment",
    "management",
    "pattern",
];
const SECTION_KEYS: [&str; 2] = ["properties", "constraints"];

/// Reads and checks a node policy. `Err` holds every error (and the warnings), sorted by
/// position; `Ok` the policy and its warnings.
pub fn parse_node_policy(text: &str) -> Result<(NodePolicy, Vec<Diagnostic>), Vec<Diagnostic>> {
    let not_an_object = "a node policy is a JSON object such as {\"properties\": [{\"name\": \"site\", \"value\": \"berlin\"}]}";
    let (policy, diagnostics) = read(text, not_an_object, |report, root, _| {
        let policy = read_node_policy(report, root);
        (policy, report.has_errors())
    });
    match policy {
        Some((policy, false)) => Ok((policy, diagnostics)),
        _ => Err(diagnostics),
    }
}

fn read_node_policy(report: &mut Report, root: &Object) -> NodePolicy {
    let mut policy = NodePolicy::default();
    for prop in unique_props(report, root, "") {
        let key = prop.name.as_str();
        let value = &prop.value;
        match key {
            "label" | "description" => {
                if !matches!(value, Value::StringLit(_) | Value::NullKeyword(_)) {
                    report.error(
                        key,
                        value.start(),
                        format!("`{key}` is a string, not {}", describe(value)),
                    );
                }
            }
            "properties" => policy.properties = read_node_properties(report, value, key),
            "constraints" => policy.constraints = read_constraints(report, value, key),
            "deployment" => {
                read_section(report, value, key);
            }
            "management" => {
                (policy.management_properties, policy.management_constraints) =
                    read_section(report, value, key);
            }
            "pattern" => match value {
                Value::StringLit(text) if !text.value.trim().is_empty() => {
                    policy.pattern = Some(text.value.to_string());
                }
                Value::NullKeyword(_) => {}
                other => report.error(
                    key,
                    other.start(),
                    format!(
                        "`pattern` is the node's pattern, a string such as \"myorg/edge\", not {}",
                        describe(other)
                    ),
                ),
            },
            _ => report.error(
                key,
                prop.name.start(),
                format!(
                    "unknown key `{key}` in a node policy; {}",
                    hint(key, &TOP_KEYS)
                ),
            ),
        }
    }
    policy
}

/// `deployment` or `management`: properties and constraints.
fn read_section(
    report: &mut Report,
    value: &Value,
    path: &str,
) -> (Vec<Property>, Vec<Constraint>) {
    let object = match value {
        Value::NullKeyword(_) => return (Vec::new(), Vec::new()),
        Value::Object(object) => object,
        other => {
            report.error(
                path,
                other.start(),
                format!(
                    "`{path}` is an object such as {{\"properties\": [...], \"constraints\": [...]}}, not {}",
                    describe(other)
                ),
            );
            return (Vec::new(), Vec::new());
        }
    };
    let (mut properties, mut constraints) = (Vec::new(), Vec::new());
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        let key_path = child(path, key);
        match key {
            "properties" => properties = read_node_properties(report, &prop.value, &key_path),
            "constraints" => constraints = read_constraints(report, &prop.value, &key_path),
            _ => report.error(
                &key_path,
                prop.name.start(),
                format!(
                    "unknown key `{key}` in `{path}`; {}",
                    hint(key, &SECTION_KEYS)
                ),
            ),
        }
    }
    (properties, constraints)
}

/// Properties of a node: the read-only built-ins come from the host, not from the file.
fn read_node_properties(report: &mut Report, value: &Value, path: &str) -> Vec<Property> {
    let properties = read_properties(report, value, path);
    if let Value::Array(array) = value {
        for (item, property) in array.elements.iter().zip(&properties) {
            if READ_ONLY_BUILT_INS.contains(&property.name.as_str()) {
                report.error(
                    path,
                    item.start(),
                    format!(
                        "`{}` is a built-in property that imgreaper reads from the host, as the agent does; remove it (`imgreaper node` shows its value)",
                        property.name
                    ),
                );
            }
        }
    }
    properties
}

/// The node as placement sees it: the management view of its policy, with the built-ins.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Node {
    /// Built-ins, then the top-level properties merged with `management` (management wins).
    pub properties: Vec<Property>,
    /// `management.constraints` when there are any, else the top-level ones.
    #[serde(serialize_with = "constraint_texts")]
    pub constraints: Vec<Constraint>,
    pub pattern: Option<String>,
}

fn constraint_texts<S: serde::Serializer>(
    constraints: &[Constraint],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(constraints.iter().map(|c| &c.text))
}

impl Node {
    /// The management view of `policy`, with the host's built-in properties first.
    pub fn new(policy: &NodePolicy, built_ins: Vec<Property>) -> Node {
        let mut properties = built_ins;
        for property in policy
            .properties
            .iter()
            .chain(&policy.management_properties)
        {
            match properties.iter_mut().find(|p| p.name == property.name) {
                Some(slot) => *slot = property.clone(),
                None => properties.push(property.clone()),
            }
        }
        let constraints = if policy.management_constraints.is_empty() {
            policy.constraints.clone()
        } else {
            policy.management_constraints.clone()
        };
        Node {
            properties,
            constraints,
            pattern: policy.pattern.clone(),
        }
    }
}

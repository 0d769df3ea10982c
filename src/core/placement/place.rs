//! Whether an NMP is placed on a node, as the agent's `VerifyCompatible` decides it, and why
//! not. A pure function of the two, so the fleet can call it on data from remote nodes.

use std::fmt;

use jsonc_parser::ast::ObjectProp;
use serde::Serialize;

use super::fields::{Constraint, read_constraints, read_patterns};
use super::node_policy::Node;
use super::property::{Property, read_properties};
use crate::core::doc::{Report, read};

/// An NMP's placement fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NmpPlacement {
    pub constraints: Vec<Constraint>,
    pub properties: Vec<Property>,
    pub patterns: Vec<String>,
}

/// Reads `constraints`, `properties` and `patterns` among an NMP's top-level fields,
/// reporting every problem (used by the policy reader, for `policy check`).
pub(crate) fn read_nmp_placement(report: &mut Report, props: &[&ObjectProp]) -> NmpPlacement {
    let mut placement = NmpPlacement::default();
    for prop in props {
        let key = prop.name.as_str();
        match key {
            "constraints" => placement.constraints = read_constraints(report, &prop.value, key),
            "properties" => placement.properties = read_properties(report, &prop.value, key),
            "patterns" => placement.patterns = read_patterns(report, &prop.value, key),
            _ => {}
        }
    }
    placement
}

impl NmpPlacement {
    /// The placement fields of a saved NMP (its verbatim top-level fields). A saved policy was
    /// checked when it was applied; should these fields not read now, the error says why and
    /// the policy is not placed.
    pub fn of(fields: &serde_json::Map<String, serde_json::Value>) -> Result<NmpPlacement, String> {
        let mut only = serde_json::Map::new();
        for key in ["constraints", "properties", "patterns"] {
            if let Some(value) = fields.get(key) {
                only.insert(key.to_string(), value.clone());
            }
        }
        let text = serde_json::Value::Object(only).to_string();
        let (placement, diagnostics) = read(&text, "", |report, root, _| {
            let props: Vec<&ObjectProp> = root.properties.iter().collect();
            read_nmp_placement(report, &props)
        });
        match diagnostics
            .iter()
            .find(|d| d.severity == crate::core::doc::Severity::Error)
        {
            Some(error) => Err(format!("`{}`: {}", error.path, error.message)),
            None => Ok(placement.unwrap_or_default()),
        }
    }
}

/// Whether a policy is placed on a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "placed", content = "why_not")]
pub enum Placement {
    #[serde(rename = "true")]
    Placed,
    /// Why not: `site == berlin is false (site is munich)`.
    #[serde(rename = "false")]
    NotPlaced(String),
}

impl Placement {
    pub fn is_placed(&self) -> bool {
        matches!(self, Placement::Placed)
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Placed => f.write_str("placed on this node"),
            Placement::NotPlaced(why) => write!(f, "not placed here: {why}"),
        }
    }
}

/// Whether the NMP is placed on the node: by pattern when either has one, else both ways by
/// constraints (the NMP's against the node's properties, the node's against the NMP's).
pub fn place(nmp: &NmpPlacement, node: &Node) -> Placement {
    let node_pattern = node.pattern.as_deref().unwrap_or("");
    if !node_pattern.is_empty() || !nmp.patterns.is_empty() {
        return place_by_pattern(&nmp.patterns, node_pattern);
    }
    if let Some(failed) = nmp
        .constraints
        .iter()
        .find(|c| !c.expr.holds(&node.properties))
    {
        return Placement::NotPlaced(format!(
            "{} is false {}",
            shown(failed),
            failed.expr.values_seen(&node.properties)
        ));
    }
    if let Some(failed) = node
        .constraints
        .iter()
        .find(|c| !c.expr.holds(&nmp.properties))
    {
        return Placement::NotPlaced(format!(
            "this node's constraint {} is false for the policy's properties {}",
            shown(failed),
            failed.expr.values_seen(&nmp.properties)
        ));
    }
    Placement::Placed
}

/// A constraint as the operator wrote it, trimmed.
fn shown(constraint: &Constraint) -> &str {
    constraint.text.trim()
}

/// A node's pattern `org/name` matches a policy that names `org/name` or `name`.
fn place_by_pattern(patterns: &[String], node_pattern: &str) -> Placement {
    if patterns.iter().any(|p| p == node_pattern) {
        return Placement::Placed;
    }
    if let Some((_, name)) = node_pattern.split_once('/')
        && patterns.iter().any(|p| p == name)
    {
        return Placement::Placed;
    }
    let named = patterns.join(", ");
    Placement::NotPlaced(match (node_pattern.is_empty(), patterns.is_empty()) {
        (true, _) => format!("the policy is for pattern(s) {named} and this node runs no pattern"),
        (false, true) => format!(
            "this node runs pattern {node_pattern}, and a pattern node takes only policies that name its pattern"
        ),
        (false, false) => {
            format!("the policy is for pattern(s) {named}; this node runs pattern {node_pattern}")
        }
    })
}

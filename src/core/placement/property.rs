//! Properties (`{"name", "value", "type"?}`), as the agent validates them: a value is a string,
//! a number or a boolean, and a declared type must fit it.

use std::fmt;

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;
use serde::{Deserialize, Serialize};

use super::version::is_property_version;
use crate::core::doc::{Report, Strays, child, describe, element, unique_props};

/// A property value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PropertyValue {
    Text(String),
    Number(f64),
    Flag(bool),
}

impl fmt::Display for PropertyValue {
    /// As the agent prints it: `5`, not `5.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyValue::Text(text) => f.write_str(text),
            PropertyValue::Number(n) => write!(f, "{n}"),
            PropertyValue::Flag(flag) => write!(f, "{flag}"),
        }
    }
}

/// One property of a node or a policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub name: String,
    pub value: PropertyValue,
    /// The declared type (`string`, `int`, `float`, `boolean`, `version`, `list of strings`);
    /// `None` when it is not declared.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Property {
    pub fn new(name: &str, value: PropertyValue) -> Property {
        Property {
            name: name.to_string(),
            value,
            kind: None,
        }
    }

    pub(crate) fn is_list(&self) -> bool {
        self.kind.as_deref() == Some(LIST)
    }

    pub(crate) fn is_version(&self) -> bool {
        self.kind.as_deref() == Some(VERSION)
    }
}

const VERSION: &str = "version";
const LIST: &str = "list of strings";
const TYPES: [&str; 6] = ["string", "int", "float", "boolean", VERSION, LIST];
const KEYS: [&str; 3] = ["name", "value", "type"];

/// Reads a property list (`properties`), reporting every problem; keeps the valid ones.
pub(crate) fn read_properties(report: &mut Report, value: &Value, path: &str) -> Vec<Property> {
    let array = match value {
        Value::NullKeyword(_) => return Vec::new(),
        Value::Array(array) => array,
        other => {
            report.error(
                path,
                other.start(),
                format!(
                    "`properties` is a list such as [{{\"name\": \"site\", \"value\": \"berlin\"}}], not {}",
                    describe(other)
                ),
            );
            return Vec::new();
        }
    };
    let mut properties: Vec<Property> = Vec::new();
    for (i, item) in array.elements.iter().enumerate() {
        let item_path = element(path, i);
        let Some(property) = read_property(report, item, &item_path) else {
            continue;
        };
        if properties.iter().any(|p| p.name == property.name) {
            report.error(
                &item_path,
                item.start(),
                format!(
                    "property `{}` is set twice in this list; keep one",
                    property.name
                ),
            );
            continue;
        }
        properties.push(property);
    }
    properties
}

fn read_property(report: &mut Report, value: &Value, path: &str) -> Option<Property> {
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "each property is an object such as {{\"name\": \"site\", \"value\": \"berlin\"}}, not {}",
                describe(value)
            ),
        );
        return None;
    };
    let (mut name, mut property_value, mut kind) = (None, None, Some(None));
    let mut strays = Strays::new(String::new(), "a property", false, &KEYS);
    let mut value_at = object.start();
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        let key_path = child(path, key);
        let at = prop.value.start();
        match (key, &prop.value) {
            ("name", Value::StringLit(text)) if !text.value.trim().is_empty() => {
                name = Some(text.value.to_string());
            }
            ("name", other) => report.error(
                &key_path,
                at,
                format!("`name` is a non-empty string, not {}", describe(other)),
            ),
            ("value", value) => {
                value_at = at;
                property_value = match value {
                    Value::StringLit(text) => Some(PropertyValue::Text(text.value.to_string())),
                    Value::NumberLit(number) => {
                        number.value.parse().ok().map(PropertyValue::Number)
                    }
                    Value::BooleanLit(flag) => Some(PropertyValue::Flag(flag.value)),
                    other => {
                        report.error(
                            &key_path,
                            at,
                            format!(
                                "a property's `value` is a string, a number or a boolean, not {} (a list of strings is one string: \"a,b,c\" with \"type\": \"list of strings\")",
                                describe(other)
                            ),
                        );
                        None
                    }
                };
            }
            ("type", Value::StringLit(text)) if TYPES.contains(&text.value.as_ref()) => {
                kind = Some(Some(text.value.to_string()));
            }
            ("type", other) => {
                let shown = match other {
                    Value::StringLit(text) => format!("`{}`", text.value),
                    other => describe(other).to_string(),
                };
                report.error(
                    &key_path,
                    at,
                    format!(
                        "`type` is one of \"string\", \"int\", \"float\", \"boolean\", \"version\", \"list of strings\", not {shown}"
                    ),
                );
                kind = None;
            }
            _ => strays.report(report, &key_path, prop.name.start(), key, None, ""),
        }
    }
    for key in ["name", "value"] {
        if !strays.present(object, key) {
            report.error(
                path,
                object.start(),
                format!("a property needs `{key}`: {{\"name\": \"site\", \"value\": \"berlin\"}}"),
            );
        }
    }
    let property = Property {
        name: name?,
        value: property_value?,
        kind: kind?,
    };
    if let Err(message) = check_type(&property) {
        report.error(&child(path, "value"), value_at, message);
        return None;
    }
    (!strays.any()).then_some(property)
}

/// A declared type must fit the value, as the agent checks it.
fn check_type(property: &Property) -> Result<(), String> {
    let Some(kind) = property.kind.as_deref() else {
        return Ok(());
    };
    let name = &property.name;
    let fits = match (&property.value, kind) {
        (PropertyValue::Flag(_), "boolean") => true,
        (PropertyValue::Number(n), "int") => {
            if n.fract() != 0.0 {
                return Err(format!(
                    "property `{name}` is declared \"int\" but its value {n} is not a whole number"
                ));
            }
            true
        }
        (PropertyValue::Number(_), "float") => true,
        (PropertyValue::Text(text), VERSION) => {
            if !is_property_version(text) {
                return Err(format!(
                    "property `{name}` is declared \"version\" but `{text}` is not a version such as 1.2.3 (up to three numbers, no leading zeros)"
                ));
            }
            true
        }
        (PropertyValue::Text(_), "string" | LIST) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        let actual = match property.value {
            PropertyValue::Text(_) => "a string",
            PropertyValue::Number(_) => "a number",
            PropertyValue::Flag(_) => "a boolean",
        };
        Err(format!(
            "property `{name}` is declared \"{kind}\" but its value is {actual}"
        ))
    }
}

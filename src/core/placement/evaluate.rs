//! Whether properties satisfy a constraint, exactly as the agent's `propertyInArray` decides
//! it; and, when they do not, a sentence that says why.

use super::constraint::{Expr, Op, Term};
use super::property::{Property, PropertyValue};
use super::version::{Range, is_range_expression, is_version};

impl Expr {
    /// Whether `properties` satisfy the expression. A missing property makes its term false.
    pub fn holds(&self, properties: &[Property]) -> bool {
        match self {
            Expr::Or(items) => items.iter().any(|item| item.holds(properties)),
            Expr::And(items) => items.iter().all(|item| item.holds(properties)),
            Expr::Term(term) => term.holds(properties),
        }
    }

    /// `(site is munich, tier is not set)`: the values the expression saw.
    pub fn values_seen(&self, properties: &[Property]) -> String {
        let seen: Vec<String> = self
            .names()
            .into_iter()
            .map(|name| match properties.iter().find(|p| p.name == name) {
                Some(property) => format!("{name} is {}", property.value),
                None => format!("{name} is not set"),
            })
            .collect();
        format!("({})", seen.join(", "))
    }
}

impl Term {
    pub fn holds(&self, properties: &[Property]) -> bool {
        // The agent takes the first property of that name; a boolean compared with `in`
        // decides nothing and the search goes on.
        properties
            .iter()
            .filter(|p| p.name == self.name)
            .find_map(|p| self.against(p))
            .unwrap_or(false)
    }

    /// `None`: this property decides nothing.
    fn against(&self, property: &Property) -> Option<bool> {
        let value = self.value.trim();
        match &property.value {
            PropertyValue::Number(have) => {
                let Ok(want) = value.parse::<f64>() else {
                    return Some(false);
                };
                Some(match self.op {
                    Op::Lt => *have < want,
                    Op::Gt => *have > want,
                    Op::Le => *have <= want,
                    Op::Ge => *have >= want,
                    Op::Ne => *have != want,
                    // `==`, `in` and the odd `=>`/`=<`: the agent compares for equality.
                    Op::Eq | Op::In | Op::Odd(_) => *have == want,
                })
            }
            PropertyValue::Flag(have) => {
                let Some(want) = go_bool(value) else {
                    return Some(false);
                };
                match self.op {
                    Op::Ne => Some(*have != want),
                    Op::Eq => Some(*have == want),
                    Op::In => None,
                    _ => Some(false),
                }
            }
            PropertyValue::Text(have) => {
                let have = trim_spaces(unquote(have));
                let want = trim_spaces(unquote(value));
                Some(match self.op {
                    Op::Ne if property.is_list() => !list_contains(want, have),
                    Op::Ne => have != want,
                    Op::In
                        if property.is_version()
                            || (is_version(have) && is_range_expression(want)) =>
                    {
                        Range::parse(want).is_ok_and(|range| range.contains(have))
                    }
                    Op::In if property.is_list() => have
                        .split(',')
                        .any(|item| list_contains(unquote(trim_spaces(item)), want)),
                    Op::In => list_contains(have, want),
                    Op::Eq => list_contains(want, have) || have == want,
                    _ => false,
                })
            }
        }
    }
}

/// Go's `strconv.ParseBool`.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

fn trim_spaces(text: &str) -> &str {
    text.trim_matches(' ')
}

/// Whether `value` is one item of the comma-separated `list` (the agent's `stringListContains`).
fn list_contains(value: &str, list: &str) -> bool {
    let value = unquote(trim_spaces(value));
    list.split(',')
        .any(|item| unquote(trim_spaces(item)) == value)
}

//! Reading the placement fields that node policies and NMPs share: a constraint list and a
//! pattern list (properties are in `property`).

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::constraint::{Expr, Op, parse};
use crate::core::doc::{Report, describe, element};

/// One item of a `constraints` list: its text and what it parses to.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub text: String,
    pub expr: Expr,
}

/// Reads a `constraints` list: strings, each a constraint expression. An expression that does
/// not parse is an error at its position inside the string.
pub(crate) fn read_constraints(report: &mut Report, value: &Value, path: &str) -> Vec<Constraint> {
    let array = match value {
        Value::NullKeyword(_) => return Vec::new(),
        Value::Array(array) => array,
        other => {
            report.error(
                path,
                other.start(),
                format!(
                    "`constraints` is a list of strings such as [\"site == berlin\"], not {}",
                    describe(other)
                ),
            );
            return Vec::new();
        }
    };
    let mut constraints = Vec::new();
    for (i, item) in array.elements.iter().enumerate() {
        let item_path = element(path, i);
        let Value::StringLit(text) = item else {
            report.error(
                &item_path,
                item.start(),
                format!(
                    "each constraint is a string such as \"site == berlin\", not {}",
                    describe(item)
                ),
            );
            continue;
        };
        match parse(&text.value) {
            Ok(expr) => {
                warn_quirks(report, &item_path, text.range().start, &expr);
                constraints.push(Constraint {
                    text: text.value.to_string(),
                    expr,
                });
            }
            Err(error) => {
                // Inside the string when it has no escapes (then a character of the value is a
                // character of the file); else at its opening quote.
                let raw = report.text(text.range().start + 1, text.range().end - 1);
                let at = if raw == text.value {
                    text.range().start + 1 + error.offset
                } else {
                    text.range().start
                };
                report.error(
                    &item_path,
                    at,
                    format!(
                        "constraint does not parse at column {} of `{}`: {}",
                        error.column(&text.value),
                        text.value,
                        error.message
                    ),
                );
            }
        }
    }
    constraints
}

/// Terms the agent reads otherwise than they look.
fn warn_quirks(report: &mut Report, path: &str, at: usize, expr: &Expr) {
    for term in expr.terms() {
        if let Some(name) = term.name.strip_suffix('!')
            && term.op == Op::Eq
        {
            report.warning(
                path,
                at,
                format!(
                    "the agent reads `{}=` as the name `{}` followed by `=`, so this term is false unless a property is named `{}`; for \"not equal\" write `{name} != {}`",
                    term.name, term.name, term.name, term.value
                ),
            );
        }
        if let Op::Odd(op) = term.op {
            let meant = if op.contains('>') { ">=" } else { "<=" };
            report.warning(
                path,
                at,
                format!(
                    "the agent compares `{}` as `==` (equal), not as `{meant}`: write `{} {meant} {}`",
                    op, term.name, term.value
                ),
            );
        }
    }
}

/// Reads a `patterns` list of strings.
pub(crate) fn read_patterns(report: &mut Report, value: &Value, path: &str) -> Vec<String> {
    let array = match value {
        Value::NullKeyword(_) => return Vec::new(),
        Value::Array(array) => array,
        other => {
            report.error(
                path,
                other.start(),
                format!(
                    "`patterns` is a list of pattern names such as [\"myorg/edge\"], not {}",
                    describe(other)
                ),
            );
            return Vec::new();
        }
    };
    array
        .elements
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Value::StringLit(text) => Some(text.value.to_string()),
            other => {
                report.error(
                    &element(path, i),
                    other.start(),
                    format!(
                        "a pattern is a string such as \"myorg/edge\", not {}",
                        describe(other)
                    ),
                );
                None
            }
        })
        .collect()
}

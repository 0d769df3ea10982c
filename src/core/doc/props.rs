//! Object properties with duplicate keys reported: JSON readers disagree on
//! which duplicate wins, so a policy must not depend on it.

use jsonc_parser::ast::{Object, ObjectProp};
use jsonc_parser::common::Ranged;

use super::json_path::child;
use super::report::Report;

/// The properties of `object`, first occurrence of each key only; later
/// duplicates are errors.
pub(crate) fn unique_props<'o, 'a>(
    report: &mut Report,
    object: &'o Object<'a>,
    path: &str,
) -> Vec<&'o ObjectProp<'a>> {
    let mut seen: Vec<&'o ObjectProp<'a>> = Vec::with_capacity(object.properties.len());
    for prop in &object.properties {
        let key = prop.name.as_str();
        if seen.iter().any(|p| p.name.as_str() == key) {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!("duplicate key `{key}`; keep only one"),
            );
        } else {
            seen.push(prop);
        }
    }
    seen
}

//! An NMP's placement fields are checked when a policy is read (`policy check`, `policy apply`,
//! the console's import): a constraint that does not parse is an error at its position inside
//! the expression; the old warning that placement is not evaluated is gone.

use imgreaper::core::policy::{Diagnostic, Severity, parse};

const RULES: &str =
    r#""image_policy": {"removal": [{"image_name": "myorg/*", "delete_after_minutes": 30}]}"#;

fn errors(text: &str) -> Vec<Diagnostic> {
    match parse(text) {
        Ok(parsed) => panic!("accepted: {:?}", parsed.warnings),
        Err(all) => all
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

#[test]
fn a_constraint_that_does_not_parse_is_an_error_at_its_column() {
    let text =
        format!("{{\n  \"constraints\": [\"site == berlin\", \"tier == a b\"],\n  {RULES}\n}}");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert_eq!(error.path, "constraints[1]");
    // Line 2: `  "constraints": ["site == berlin", "tier == a b"],` — the `b` is column 48.
    assert_eq!((error.line, error.column), (2, 48), "{error}");
    assert!(
        error.message.contains("column 11 of `tier == a b`"),
        "{error}"
    );
    assert!(error.message.contains("expected AND, OR"), "{error}");
}

#[test]
fn placement_fields_of_the_wrong_shape_are_errors() {
    let text = format!(
        r#"{{"constraints": "site == berlin", "properties": [{{"name": "n", "value": [1]}}, {{"name": "m", "value": "x", "type": "int"}}], "patterns": [3], {RULES}}}"#
    );
    let messages: Vec<String> = errors(&text).iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert!(
        messages[0].contains("`constraints` is a list of strings"),
        "{messages:#?}"
    );
    assert!(messages[1].contains("properties[0].value"), "{messages:#?}");
    assert!(messages[2].contains("declared \"int\""), "{messages:#?}");
    assert!(messages[3].contains("patterns[0]"), "{messages:#?}");
}

#[test]
fn valid_placement_is_read_without_the_old_warning() {
    let text = format!(
        r#"{{"constraints": ["purpose == edge"], "patterns": [], "properties": [{{"name": "team", "value": "ops"}}], {RULES}}}"#
    );
    let parsed = parse(&text).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(parsed.warnings.is_empty(), "{:#?}", parsed.warnings);
}

#[test]
fn terms_the_agent_reads_otherwise_are_warned_about() {
    let text = format!(r#"{{"constraints": ["site!=berlin", "cpu => 2"], {RULES}}}"#);
    let warnings = parse(&text).unwrap_or_else(|e| panic!("{e:#?}")).warnings;
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].message.contains("write `site != berlin`"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].message.contains("write `cpu >= 2`"),
        "{}",
        warnings[1]
    );
}

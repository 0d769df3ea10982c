//! An NMP's placement fields (`constraints`, `patterns`) are kept for publishing but not evaluated
//! on this node: `policy check`, `policy apply` and the parser behind the console's Rules view say
//! so once per policy, as a warning with its JSON path.

use crate::support;

use imgreaper::core::policy::{Diagnostic, Severity, parse};
use support::Sandbox;

const NOT_EVALUATED: &str = "kept for publishing but not evaluated on this node";

fn placement_warnings(text: &str) -> Vec<Diagnostic> {
    parse(text)
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .warnings
        .into_iter()
        .filter(|d| d.message.contains(NOT_EVALUATED))
        .collect()
}

const RULES: &str =
    r#""image_policy": {"removal": [{"image_name": "myorg/*", "delete_after_minutes": 30}]}"#;

#[test]
fn constraints_are_named_with_their_path_and_position() {
    let text = format!(
        "{{\n  \"label\": \"edge\",\n  \"constraints\": [\"purpose == edge\"],\n  {RULES}\n}}"
    );
    let warnings = placement_warnings(&text);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let warning = &warnings[0];
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.path, "constraints");
    assert_eq!((warning.line, warning.column), (3, 3));
    assert!(
        warning.message.starts_with("`constraints` is "),
        "{warning}"
    );
}

#[test]
fn constraints_and_patterns_give_one_warning_per_policy() {
    let text = format!(
        r#"{{"patterns": ["e2edev@somecomp.com/sns"], "constraints": ["purpose == edge"], {RULES}}}"#
    );
    let warnings = placement_warnings(&text);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(
        warnings[0].path, "patterns",
        "the first of them, by position"
    );
    assert!(
        warnings[0]
            .message
            .contains("`patterns` and `constraints` are kept"),
        "{}",
        warnings[0]
    );
}

#[test]
fn the_agent_spelling_is_warned_about_too() {
    let text = r#"{"constraints": ["purpose == sensors"], "agentImagePolicy": {"imageRemovalPolicies": [{"imageId": "myorg/*", "deleteAfterMinutes": 60}]}}"#;
    assert_eq!(placement_warnings(text).len(), 1);
}

#[test]
fn empty_placement_places_nothing_and_is_not_warned_about() {
    for placement in [
        r#""constraints": [], "patterns": []"#,
        r#""constraints": null"#,
        r#""patterns": [], "label": "everywhere""#,
    ] {
        let text = format!("{{{placement}, {RULES}}}");
        assert!(placement_warnings(&text).is_empty(), "{text}");
    }
    assert!(placement_warnings(&format!("{{{RULES}}}")).is_empty());
}

#[test]
fn the_warning_does_not_make_a_policy_invalid() {
    let text = format!(r#"{{"constraints": ["a == b"], {RULES}}}"#);
    let parsed = parse(&text).expect("valid");
    assert_eq!(parsed.document.rules.len(), 1);
    assert_eq!(parsed.document.extra["constraints"][0], "a == b");
}

fn nmp_file(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.write(
        "sensors.json",
        &format!(
            "{{\n  \"constraints\": [\"purpose == sensors\"],\n  \"patterns\": [\"e2edev@somecomp.com/sns\"],\n  {RULES}\n}}"
        ),
    )
}

fn stderr_lines_warning(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(NOT_EVALUATED))
        .map(str::to_string)
        .collect()
}

#[test]
fn policy_check_warns_once_and_accepts() {
    let sandbox = Sandbox::new("placement-check");
    let file = nmp_file(&sandbox);
    let output = sandbox.imgreaper(&["policy", "check", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let lines = stderr_lines_warning(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{}:2:3: constraints: warning: ", file.display())),
        "{}",
        lines[0]
    );
}

#[test]
fn policy_apply_warns_once_and_saves() {
    let sandbox = Sandbox::new("placement-apply");
    let file = nmp_file(&sandbox);
    let output = sandbox.imgreaper(&["policy", "apply", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr_lines_warning(&output).len(), 1);
    let shown = sandbox.ok(&["policy", "show", "sensors"]);
    assert!(shown.contains("purpose == sensors"), "{shown}");
}

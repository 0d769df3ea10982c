//! Policy documents: both spellings, bare and whole NMP, every validation
//! error with its path and position, warnings, and the export round trip.

use imgreaper::core::policy::{
    Diagnostic, PolicyDocument, Rule, Severity, Spelling, Start, parse, validate_pattern,
};
use serde_json::json;

fn rule(name: &str, minutes: u64, only: bool) -> Rule {
    Rule {
        image_name: name.to_string(),
        delete_after_minutes: minutes,
        agent_downloaded_only: only,
    }
}

fn errors(text: &str) -> Vec<Diagnostic> {
    match parse(text) {
        Ok(parsed) => panic!("accepted: {text}\n{parsed:?}"),
        Err(all) => all
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

/// The only error of a seed-spelling document holding one rule.
fn rule_error(rule_json: &str) -> Diagnostic {
    let text = format!(r#"{{"image_policy": {{"removal": [{rule_json}]}}}}"#);
    let mut all = errors(&text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn warnings(text: &str) -> Vec<Diagnostic> {
    parse(text).unwrap_or_else(|e| panic!("{e:#?}")).warnings
}

// ---- both spellings, bare and NMP ------------------------------------------

#[test]
fn bare_seed_document() {
    let parsed = parse(
        r#"{"image_policy": {"removal": [
            {"image_name": "myorg/image1:0.0.1", "delete_after_minutes": 30, "agent_downloaded_only": true},
            {"image_name": "*", "delete_after_minutes": 60, "agent_downloaded_only": false}]}}"#,
    )
    .unwrap();
    let doc = parsed.document;
    assert_eq!(doc.spelling, Spelling::Seed);
    assert_eq!(
        doc.rules,
        [rule("myorg/image1:0.0.1", 30, true), rule("*", 60, false)]
    );
    assert!(doc.enabled);
    assert_eq!(doc.start, None);
    assert!(doc.extra.is_empty());
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn bare_anax_document() {
    let doc = parse(
        r#"{"agentImagePolicy": {"imageRemovalPolicies": [
            {"imageId": "nginx:*", "deleteAfterMinutes": 5, "agentDownloadedOnly": false}]}}"#,
    )
    .unwrap()
    .document;
    assert_eq!(doc.spelling, Spelling::Anax);
    assert_eq!(doc.rules, [rule("nginx:*", 5, false)]);
}

#[test]
fn agent_downloaded_only_defaults_to_true_in_both_spellings() {
    let seed = parse(
        r#"{"image_policy": {"removal": [{"image_name": "a:1", "delete_after_minutes": 1}]}}"#,
    )
    .unwrap();
    assert!(seed.document.rules[0].agent_downloaded_only);
    let anax = parse(r#"{"agentImagePolicy": {"imageRemovalPolicies": [{"imageId": "a:1", "deleteAfterMinutes": 1}]}}"#)
        .unwrap();
    assert!(anax.document.rules[0].agent_downloaded_only);
}

#[test]
fn an_empty_rule_list_is_a_valid_policy() {
    let doc = parse(r#"{"image_policy": {"removal": []}}"#)
        .unwrap()
        .document;
    assert!(doc.rules.is_empty());
}

const WHOLE_NMP: &str = r#"{
  "label": "edge-default",
  "description": "clean old images",
  "constraints": ["purpose == edge"],
  "properties": [{"name": "zone", "value": "east"}],
  "patterns": ["e2edev@somecomp.com/sns"],
  "enabled": false,
  "start": "2025-06-01T02:00:00Z",
  "startWindow": 300,
  "futureField": {"nested": [1, 2.5, null, "x"]},
  "image_policy": {"removal": [
    {"image_name": "myorg/image1:0.0.1", "delete_after_minutes": 30, "agent_downloaded_only": true},
    {"image_name": "*", "delete_after_minutes": 60, "agent_downloaded_only": false}
  ]}
}"#;

#[test]
fn whole_nmp_keeps_every_other_field_verbatim() {
    let doc = parse(WHOLE_NMP).unwrap().document;
    assert!(!doc.enabled);
    assert_eq!(doc.start, Some(Start::At(1_748_743_200)));
    let expected = json!({
        "label": "edge-default",
        "description": "clean old images",
        "constraints": ["purpose == edge"],
        "properties": [{"name": "zone", "value": "east"}],
        "patterns": ["e2edev@somecomp.com/sns"],
        "enabled": false,
        "start": "2025-06-01T02:00:00Z",
        "startWindow": 300,
        "futureField": {"nested": [1, 2.5, null, "x"]},
    });
    assert_eq!(serde_json::Value::Object(doc.extra), expected);
}

#[test]
fn round_trip_through_to_json_in_both_spellings() {
    let original = parse(WHOLE_NMP).unwrap().document;
    for spelling in [Spelling::Seed, Spelling::Anax] {
        let exported = original.to_json(spelling);
        let other_key = match spelling {
            Spelling::Seed => "agentImagePolicy",
            Spelling::Anax => "image_policy",
        };
        assert!(exported.get(other_key).is_none(), "{exported}");
        assert_eq!(
            exported["futureField"],
            json!({"nested": [1, 2.5, null, "x"]})
        );
        let back = parse(&exported.to_string()).unwrap().document;
        assert_eq!(back.rules, original.rules);
        assert_eq!(back.enabled, original.enabled);
        assert_eq!(back.start, original.start);
        assert_eq!(back.extra, original.extra);
        assert_eq!(back.spelling, spelling);
    }
}

#[test]
fn anax_nmp_exports_to_seed_and_back() {
    let text = r#"{"label": "x", "start": "now", "agentImagePolicy": {"imageRemovalPolicies": [
        {"imageId": "a:*", "deleteAfterMinutes": 7}]}}"#;
    let doc = parse(text).unwrap().document;
    assert_eq!(doc.start, Some(Start::Now));
    let seed = doc.to_json(Spelling::Seed);
    assert_eq!(
        seed["image_policy"]["removal"][0],
        json!({"image_name": "a:*", "delete_after_minutes": 7, "agent_downloaded_only": true})
    );
    let back = parse(&seed.to_string()).unwrap().document;
    assert_eq!(
        (back.rules, back.start, back.extra),
        (doc.rules, doc.start, doc.extra)
    );
}

#[test]
fn rules_only_document_round_trips() {
    let doc = PolicyDocument::rules_only(vec![rule("a:1", 3, false), rule("b:*", 0, true)]);
    let back = parse(&doc.to_json(Spelling::Seed).to_string())
        .unwrap()
        .document;
    assert_eq!(back, doc);
}

// ---- document-level errors -------------------------------------------------

#[test]
fn invalid_json_reports_serde_position() {
    let all = errors("{\n  \"image_policy\": {\"removal\": [1,, 2]}\n}");
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].line, all[0].column), (2, 34));
    assert!(
        all[0].message.starts_with("invalid JSON"),
        "{}",
        all[0].message
    );
}

#[test]
fn top_level_must_be_an_object() {
    for text in ["[]", "1", "\"x\"", "null"] {
        let all = errors(text);
        assert!(
            all[0].message.contains("JSON object"),
            "{text}: {:?}",
            all[0]
        );
    }
}

#[test]
fn missing_image_policy_says_what_to_add() {
    let all = errors(r#"{"label": "x"}"#);
    assert_eq!(all.len(), 1);
    assert!(
        all[0].message.contains(r#""image_policy": {"removal": ["#),
        "{}",
        all[0].message
    );
    let near = errors(r#"{"image_polcy": {"removal": []}}"#);
    assert!(
        near[0].message.contains("did you mean `image_policy`?"),
        "{}",
        near[0].message
    );
}

#[test]
fn both_spellings_in_one_document() {
    let all = errors(
        r#"{"image_policy": {"removal": []}, "agentImagePolicy": {"imageRemovalPolicies": []}}"#,
    );
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].path, "agentImagePolicy");
    assert_eq!(all[0].column, 35);
}

#[test]
fn image_policy_and_upgrade_policy_are_exclusive() {
    for key in ["upgrade", "agentUpgradePolicy"] {
        let text = format!(r#"{{"image_policy": {{"removal": []}}, "{key}": {{}}}}"#);
        let all = errors(&text);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].path, key);
        assert!(all[0].message.contains("not both"), "{}", all[0].message);
    }
}

#[test]
fn removal_must_be_an_array_and_rules_objects() {
    let all = errors(r#"{"image_policy": {"removal": {"image_name": "a:1"}}}"#);
    assert_eq!(all[0].path, "image_policy.removal");
    assert!(
        all[0].message.contains("not an object"),
        "{}",
        all[0].message
    );

    let all = errors(r#"{"image_policy": {"removal": ["a:1"]}}"#);
    assert_eq!(all[0].path, "image_policy.removal[0]");
    assert!(
        all[0].message.contains("not a string"),
        "{}",
        all[0].message
    );

    let all = errors(r#"{"image_policy": []}"#);
    assert_eq!(all[0].path, "image_policy");

    let all = errors(r#"{"image_policy": {}}"#);
    assert!(
        all[0].message.contains("no `removal` list"),
        "{}",
        all[0].message
    );
}

#[test]
fn unknown_key_in_image_policy_is_an_error_with_suggestion() {
    let all = errors(r#"{"image_policy": {"removals": []}}"#);
    assert_eq!(all[0].path, "image_policy.removals");
    assert!(
        all[0].message.contains("did you mean `removal`?"),
        "{}",
        all[0].message
    );
}

#[test]
fn enabled_and_start_are_checked() {
    let all = errors(r#"{"enabled": "yes", "start": "tomorrow", "image_policy": {"removal": []}}"#);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].path, "enabled");
    assert_eq!(all[1].path, "start");
    assert!(all[1].message.contains("RFC 3339"));
    let all = errors(r#"{"start": 5, "image_policy": {"removal": []}}"#);
    assert!(all[0].message.contains("not a number"));
}

#[test]
fn duplicate_keys_are_errors() {
    let d = rule_error(r#"{"image_name": "a:1", "image_name": "b:1", "delete_after_minutes": 1}"#);
    assert!(
        d.message.contains("duplicate key `image_name`"),
        "{}",
        d.message
    );
}

// ---- rule fields -----------------------------------------------------------

#[test]
fn missing_tag_says_how_to_fix_it() {
    let d = rule_error(r#"{"image_name": "image1", "delete_after_minutes": 1}"#);
    assert_eq!(d.path, "image_policy.removal[0].image_name");
    assert!(d.message.contains("`image1:TAG`"), "{}", d.message);
    assert!(d.message.contains("`image1:*`"), "{}", d.message);
    assert_eq!(Err(d.message), validate_pattern("image1"));
}

#[test]
fn bad_reference_grammar() {
    for (name, needle) in [
        ("MyOrg/App:1", "lowercase"),
        ("foo::bar", "`::`"),
        ("my image:1", "space"),
        ("", "empty"),
        ("nginx:1 ", "space"),
    ] {
        let d = rule_error(&format!(
            r#"{{"image_name": "{name}", "delete_after_minutes": 1}}"#
        ));
        assert!(d.message.contains(needle), "{name}: {}", d.message);
    }
    let d = rule_error(r#"{"image_name": 7, "delete_after_minutes": 1}"#);
    assert!(d.message.contains("not a number"), "{}", d.message);
    let d = rule_error(r#"{"delete_after_minutes": 1}"#);
    assert!(d.message.contains("missing `image_name`"), "{}", d.message);
}

#[test]
fn minutes_errors_are_distinct() {
    let cases = [
        ("-5", "negative"),
        ("1.5", "not a whole number"),
        ("1e30", "more than 100 years"),
        ("99999999999999999999999", "more than 100 years"),
        ("\"30\"", "without quotes"),
        ("\"2h\"", "write `120`"),
        ("true", "not a boolean"),
        ("null", "not null"),
        ("[]", "not an array"),
        ("1e3", "plain whole number: `1000`"),
    ];
    let mut messages = Vec::new();
    for (value, needle) in cases {
        let d = rule_error(&format!(
            r#"{{"image_name": "a:1", "delete_after_minutes": {value}}}"#
        ));
        assert_eq!(d.path, "image_policy.removal[0].delete_after_minutes");
        assert!(d.message.contains(needle), "{value}: {}", d.message);
        messages.push(d.message);
    }
    messages.dedup();
    assert_eq!(messages.len(), cases.len());
    let d = rule_error(r#"{"image_name": "a:1"}"#);
    assert!(
        d.message.contains("missing `delete_after_minutes`"),
        "{}",
        d.message
    );
}

#[test]
fn minutes_accept_zero_to_a_hundred_years() {
    let doc = parse(
        r#"{"image_policy": {"removal": [
        {"image_name": "a:1", "delete_after_minutes": 0},
        {"image_name": "b:1", "delete_after_minutes": 52560000}]}}"#,
    )
    .unwrap()
    .document;
    assert_eq!(doc.rules[0].delete_after_minutes, 0);
    assert_eq!(doc.rules[1].delete_after_minutes, 52_560_000);
}

#[test]
fn minutes_beyond_a_hundred_years_are_refused_with_the_path() {
    for minutes in ["52560001", "5000000000", "18446744073709551615"] {
        let d = rule_error(&format!(
            r#"{{"image_name": "a:1", "delete_after_minutes": {minutes}}}"#
        ));
        assert_eq!(d.path, "image_policy.removal[0].delete_after_minutes");
        assert!(d.message.contains("100 years"), "{}", d.message);
    }
}

#[test]
fn non_boolean_agent_downloaded_only() {
    let d = rule_error(
        r#"{"image_name": "a:1", "delete_after_minutes": 1, "agent_downloaded_only": "true"}"#,
    );
    assert_eq!(d.path, "image_policy.removal[0].agent_downloaded_only");
    assert!(d.message.contains("without quotes"), "{}", d.message);
    let d = rule_error(
        r#"{"image_name": "a:1", "delete_after_minutes": 1, "agent_downloaded_only": 1}"#,
    );
    assert!(d.message.contains("not a number"), "{}", d.message);
}

#[test]
fn unknown_rule_key_suggests_the_nearest_in_the_same_spelling() {
    let d = rule_error(r#"{"image_name": "a:1", "delete_after_minute": 1}"#);
    assert_eq!(d.path, "image_policy.removal[0].delete_after_minute");
    assert!(
        d.message.contains("did you mean `delete_after_minutes`?"),
        "{}",
        d.message
    );

    let text = r#"{"agentImagePolicy": {"imageRemovalPolicies": [{"imageId": "a:1", "deleteAfterMinutes": 1, "agentDownloadOnly": true}]}}"#;
    let all = errors(text);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0]
            .message
            .contains("did you mean `agentDownloadedOnly`?"),
        "{}",
        all[0].message
    );
}

#[test]
fn mixed_spellings_within_one_rule() {
    let d = rule_error(r#"{"imageId": "a:1", "delete_after_minutes": 1}"#);
    assert_eq!(d.path, "image_policy.removal[0].imageId");
    assert!(d.message.contains("write `image_name`"), "{}", d.message);
    assert!(d.message.contains("mix"), "{}", d.message);

    let all = errors(
        r#"{"agentImagePolicy": {"imageRemovalPolicies": [{"imageId": "a:1", "delete_after_minutes": 1}]}}"#,
    );
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0].message.contains("write `deleteAfterMinutes`"),
        "{}",
        all[0].message
    );
}

#[test]
fn every_error_is_reported_with_its_line_and_column() {
    let text = r#"{
  "label": "multi",
  "image_policy": {
    "removal": [
      {"image_name": "image1", "delete_after_minutes": 30},
      {"image_name": "ok:1", "delete_after_minutes": -5},
      {"image_name": "Bad:1", "delete_after_minute": 1.5,
       "agent_downloaded_only": "yes"}
    ]
  },
  "upgrade": {}
}"#;
    let all = parse(text).unwrap_err();
    let got: Vec<(usize, usize, &str)> = all
        .iter()
        .map(|d| (d.line, d.column, d.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (5, 22, "image_policy.removal[0].image_name"),
            (6, 54, "image_policy.removal[1].delete_after_minutes"),
            (7, 22, "image_policy.removal[2].image_name"),
            (7, 31, "image_policy.removal[2].delete_after_minute"),
            (8, 33, "image_policy.removal[2].agent_downloaded_only"),
            (11, 3, "upgrade"),
        ]
    );
    assert!(all.iter().all(|d| d.severity == Severity::Error));
    assert!(
        all[0]
            .to_string()
            .starts_with("5:22: image_policy.removal[0].image_name: error: `image1`"),
        "{}",
        all[0]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "{\"label\": \"ééé\", \"image_policy\": {\"removal\": [{\"image_name\": \"x\", \"delete_after_minutes\": 1}]}}";
    let all = errors(text);
    let x_column = text[..text.find("\"x\"").unwrap()].chars().count() + 1;
    assert_eq!((all[0].line, all[0].column), (1, x_column));
}

// ---- warnings --------------------------------------------------------------

#[test]
fn duplicate_rule_warning() {
    let w = warnings(
        r#"{"image_policy": {"removal": [
        {"image_name": "a:1", "delete_after_minutes": 5},
        {"image_name": "a:1", "delete_after_minutes": 5, "agent_downloaded_only": true}]}}"#,
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].path, "image_policy.removal[1]");
    assert_eq!((w[0].line, w[0].column), (3, 9));
    assert!(
        w[0].message.contains("duplicate of rule [0]"),
        "{}",
        w[0].message
    );
}

#[test]
fn shadowed_rule_warnings() {
    let w = warnings(
        r#"{"image_policy": {"removal": [
        {"image_name": "*", "delete_after_minutes": 10, "agent_downloaded_only": false},
        {"image_name": "nginx:*", "delete_after_minutes": 60},
        {"image_name": "redis:*", "delete_after_minutes": 5},
        {"image_name": "myorg/*", "delete_after_minutes": 20},
        {"image_name": "myorg/app:1", "delete_after_minutes": 30}]}}"#,
    );
    let paths: Vec<&str> = w.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "image_policy.removal[1]",
            "image_policy.removal[3]",
            "image_policy.removal[4]"
        ]
    );
    assert!(
        w[0].message.contains("shadowed by rule [0] (`*`, 10 min)"),
        "{}",
        w[0].message
    );
}

#[test]
fn a_narrower_rule_does_not_shadow_a_wider_one() {
    // Rule 0 only applies to agent-downloaded images; rule 1 applies to all,
    // so rule 1 still decides for images imgreaper did not pull.
    let w = warnings(
        r#"{"image_policy": {"removal": [
        {"image_name": "*", "delete_after_minutes": 1, "agent_downloaded_only": true},
        {"image_name": "nginx:1", "delete_after_minutes": 60, "agent_downloaded_only": false}]}}"#,
    );
    assert!(w.is_empty(), "{w:?}");
    // A literal pattern matched by the other rule's wildcard is shadowed.
    let w = warnings(
        r#"{"image_policy": {"removal": [
        {"image_name": "nginx:1.2?", "delete_after_minutes": 60},
        {"image_name": "nginx:1.25", "delete_after_minutes": 60}]}}"#,
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].path, "image_policy.removal[1]");
}

#[test]
fn reaches_further_warning() {
    let w = warnings(
        r#"{"image_policy": {"removal": [{"image_name": "image1.*", "delete_after_minutes": 5}]}}"#,
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].path, "image_policy.removal[0].image_name");
    assert!(w[0].message.contains("`image10:1`"), "{}", w[0].message);
    assert!(w[0].message.contains("`image1:*`"), "{}", w[0].message);
}

#[test]
fn warnings_come_with_errors_in_err() {
    let all = parse(
        r#"{"image_policy": {"removal": [
        {"image_name": "image1.*", "delete_after_minutes": 5},
        {"image_name": "x", "delete_after_minutes": 5}]}}"#,
    )
    .unwrap_err();
    let severities: Vec<Severity> = all.iter().map(|d| d.severity).collect();
    assert_eq!(severities, [Severity::Warning, Severity::Error]);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    assert!(parse("\u{feff}{\"image_policy\": {\"removal\": []}}").is_ok());
}

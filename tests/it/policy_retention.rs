//! Keep rules and disk marks in policy documents (DESIGN.md §11): both spellings, every
//! validation error with its path and position, the keep-makes-unreachable warning, and the
//! export round trip.

use crate::support::policy::errors;
use imgreaper::core::policy::{Diagnostic, DiskMarks, KeepRule, Spelling, parse};
use serde_json::json;

fn only_error(text: &str) -> Diagnostic {
    let mut all = errors(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn keep(name: &str, last: Option<u64>) -> KeepRule {
    KeepRule {
        image_name: name.into(),
        last,
    }
}

const SEED: &str = r#"{"label": "edge", "image_policy": {
    "removal": [{"image_name": "myorg/*", "delete_after_minutes": 1440, "agent_downloaded_only": false}],
    "keep": [{"image_name": "myorg/*", "last": 2}, {"image_name": "myorg/base:*"}],
    "disk": {"high_percent": 85, "low_percent": 75}}}"#;

const ANAX: &str = r#"{"label": "edge", "agentImagePolicy": {
    "imageRemovalPolicies": [{"imageId": "myorg/*", "deleteAfterMinutes": 1440, "agentDownloadedOnly": false}],
    "imageKeepPolicies": [{"imageId": "myorg/*", "last": 2}, {"imageId": "myorg/base:*"}],
    "diskPressure": {"highPercent": 85, "lowPercent": 75}}}"#;

#[test]
fn keep_rules_and_disk_marks_are_read_in_both_spellings() {
    for (text, spelling) in [(SEED, Spelling::Seed), (ANAX, Spelling::Anax)] {
        let parsed = parse(text).unwrap_or_else(|e| panic!("{e:#?}"));
        let doc = parsed.document;
        assert_eq!(doc.spelling, spelling);
        assert_eq!(
            doc.keep,
            [keep("myorg/*", Some(2)), keep("myorg/base:*", None)]
        );
        assert_eq!(
            doc.disk,
            Some(DiskMarks {
                high_percent: 85,
                low_percent: 75
            })
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }
}

#[test]
fn both_spellings_round_trip_through_export() {
    for text in [SEED, ANAX] {
        let original = parse(text).unwrap().document;
        for spelling in [Spelling::Seed, Spelling::Anax] {
            let exported = original.to_json(spelling);
            let back = parse(&exported.to_string())
                .unwrap_or_else(|e| panic!("{exported}: {e:#?}"))
                .document;
            assert_eq!(back.keep, original.keep, "{exported}");
            assert_eq!(back.disk, original.disk, "{exported}");
            assert_eq!(back.rules, original.rules);
            assert_eq!(back.spelling, spelling);
        }
    }
    let anax = parse(SEED).unwrap().document.to_json(Spelling::Anax);
    assert_eq!(
        anax["agentImagePolicy"]["imageKeepPolicies"],
        json!([{"imageId": "myorg/*", "last": 2}, {"imageId": "myorg/base:*"}])
    );
    assert_eq!(
        anax["agentImagePolicy"]["diskPressure"],
        json!({"highPercent": 85, "lowPercent": 75})
    );
}

#[test]
fn a_policy_may_hold_only_keep_rules_or_only_disk_marks() {
    let doc = parse(r#"{"image_policy": {"keep": [{"image_name": "base:*"}]}}"#)
        .unwrap()
        .document;
    assert!(doc.rules.is_empty());
    assert_eq!(doc.keep, [keep("base:*", None)]);
    let doc = parse(r#"{"image_policy": {"disk": {"high_percent": 90, "low_percent": 80}}}"#)
        .unwrap()
        .document;
    assert_eq!(doc.disk.map(|d| d.high_percent), Some(90));
    // Exporting a keep-only policy writes an empty removal list, which reads back the same.
    let back = parse(&doc.to_json(Spelling::Anax).to_string())
        .unwrap()
        .document;
    assert_eq!(back.disk, doc.disk);
}

#[test]
fn last_is_a_whole_number_of_at_least_one() {
    let doc = |last: &str| {
        format!(r#"{{"image_policy": {{"keep": [{{"image_name": "app:*", "last": {last}}}]}}}}"#)
    };
    let zero = only_error(&doc("0"));
    assert_eq!(zero.path, "image_policy.keep[0].last");
    assert!(zero.message.contains("at least 1"), "{}", zero.message);
    assert_eq!((zero.line, zero.column), (1, 60));
    for (text, needle) in [
        ("-1", "negative"),
        ("1.5", "write `1` or `2`"),
        ("\"2\"", "write `2` without quotes"),
        ("\"two\"", "whole number such as `2`"),
        ("true", "not a boolean"),
        ("2e0", "plain whole number: `2`"),
    ] {
        let error = only_error(&doc(text));
        assert_eq!(error.path, "image_policy.keep[0].last");
        assert!(error.message.contains(needle), "{text}: {}", error.message);
    }
}

#[test]
fn keep_rule_errors_name_their_path_and_suggest_keys() {
    let all = errors(
        r#"{"image_policy": {"keep": [
            {"image_name": "app", "last": 2},
            {"image_nam": "app:*"},
            {"imageId": "app:*"},
            "app:*",
            {"last": 2}]}}"#,
    );
    let found: Vec<(&str, usize)> = all.iter().map(|d| (d.path.as_str(), d.line)).collect();
    assert_eq!(
        found,
        [
            ("image_policy.keep[0].image_name", 2),
            ("image_policy.keep[1].image_nam", 3),
            ("image_policy.keep[2].imageId", 4),
            ("image_policy.keep[3]", 5),
            ("image_policy.keep[4]", 6),
        ]
    );
    assert!(all[0].message.contains("`app:*`"), "{}", all[0].message);
    assert!(
        all[1].message.contains("did you mean `image_name`?"),
        "{}",
        all[1].message
    );
    assert!(
        all[2].message.contains("write `image_name`"),
        "{}",
        all[2].message
    );
    assert!(all[3].message.contains("keep rule is an object"));
    assert!(all[4].message.contains("missing `image_name`"));
}

#[test]
fn the_keep_list_and_the_disk_object_have_shapes() {
    let error = only_error(r#"{"image_policy": {"keep": {"image_name": "a:*"}}}"#);
    assert_eq!(error.path, "image_policy.keep");
    assert!(
        error.message.contains("list of keep rules"),
        "{}",
        error.message
    );
    let error = only_error(r#"{"image_policy": {"disk": 85}}"#);
    assert_eq!(error.path, "image_policy.disk");
    assert!(error.message.contains("is an object such as"));
    let error = only_error(r#"{"image_policy": {"kepe": []}}"#);
    assert!(
        error.message.contains("did you mean `keep`?"),
        "{}",
        error.message
    );
    let error = only_error(r#"{"image_policy": {"removal": [], "diskPressure": {}}}"#);
    assert_eq!(error.path, "image_policy.diskPressure");
    assert!(error.message.contains("write `disk`"), "{}", error.message);
}

#[test]
fn disk_marks_are_percentages_with_low_below_high() {
    let doc = |body: &str| format!(r#"{{"image_policy": {{"disk": {{{body}}}}}}}"#);
    let cases = [
        (
            r#""high_percent": 100, "low_percent": 75"#,
            "image_policy.disk.high_percent",
            "from 1 to 99",
        ),
        (
            r#""high_percent": 85, "low_percent": 0"#,
            "image_policy.disk.low_percent",
            "from 1 to 99",
        ),
        (
            r#""high_percent": 80, "low_percent": 80"#,
            "image_policy.disk.low_percent",
            "must be below `high_percent` (80)",
        ),
        (
            r#""high_percent": 70, "low_percent": 80"#,
            "image_policy.disk.low_percent",
            "must be below",
        ),
        (
            r#""high_percent": 85"#,
            "image_policy.disk",
            "missing `low_percent`",
        ),
        (
            r#""high_percent": 85, "low_percentt": 75"#,
            "image_policy.disk.low_percentt",
            "did you mean `low_percent`?",
        ),
        (
            r#""high_percent": 85, "lowPercent": 75"#,
            "image_policy.disk.lowPercent",
            "write `low_percent`",
        ),
        (
            r#""high_percent": 85.5, "low_percent": 75"#,
            "image_policy.disk.high_percent",
            "write `85` or `86`",
        ),
    ];
    for (body, path, needle) in cases {
        let error = only_error(&doc(body));
        assert_eq!(error.path, path, "{body}");
        assert!(error.message.contains(needle), "{body}: {}", error.message);
    }
    let anax = only_error(
        r#"{"agentImagePolicy": {"diskPressure": {"highPercent": 60, "lowPercent": 90}}}"#,
    );
    assert_eq!(anax.path, "agentImagePolicy.diskPressure.lowPercent");
    assert!(
        anax.message
            .contains("`lowPercent` (90) must be below `highPercent` (60)")
    );
}

#[test]
fn a_keep_rule_that_covers_a_removal_rule_is_a_warning() {
    let w = parse(
        r#"{"image_policy": {
        "removal": [
            {"image_name": "base:*", "delete_after_minutes": 10},
            {"image_name": "base:1.2", "delete_after_minutes": 5},
            {"image_name": "app:*", "delete_after_minutes": 10},
            {"image_name": "docker.io/library/tools:*", "delete_after_minutes": 10}],
        "keep": [
            {"image_name": "base:*"},
            {"image_name": "app:*", "last": 3},
            {"image_name": "tools:*"}]}}"#,
    )
    .unwrap()
    .warnings;
    let paths: Vec<&str> = w.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "image_policy.removal[0]",
            "image_policy.removal[1]",
            "image_policy.removal[3]"
        ],
        "{w:#?}"
    );
    assert!(
        w[0].message
            .contains("never removes anything: keep rule 1 (`base:*`)"),
        "{}",
        w[0].message
    );
    assert!(w[0].message.contains("give the keep rule a `last`"));
}

#[test]
fn every_example_policy_in_assets_is_valid_and_the_retention_one_warning_free() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        parse(&text).unwrap_or_else(|e| panic!("{}: {e:#?}", path.display()));
        seen += 1;
    }
    assert!(seen >= 3);
    let example = parse(&std::fs::read_to_string(dir.join("keep-and-free.json")).unwrap()).unwrap();
    assert!(example.warnings.is_empty(), "{:#?}", example.warnings);
    let example = example.document;
    assert_eq!(example.keep, [keep("myorg/*", Some(2))]);
    assert_eq!(
        example.disk.map(|d| (d.high_percent, d.low_percent)),
        Some((85, 75))
    );
}

//! Policy files may carry `//` and `/* */` comments (the annotated templates of `policy new` do);
//! every position reported stays the one in the file.

use imgreaper::core::policy::{Severity, parse};

#[test]
fn line_and_block_comments_are_read_past() {
    let text = r#"// edge box policy
{
  /* who gets it */ "label": "edge", // trailing
  "image_policy": { "removal": [
    // versions of our own services
    { "image_name": "myorg/*", "delete_after_minutes": 30 /* half an hour */ }
  ] }
}
// end"#;
    let parsed = parse(text).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(parsed.document.rules.len(), 1);
    assert_eq!(parsed.document.rules[0].delete_after_minutes, 30);
    assert_eq!(parsed.document.extra["label"], "edge");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn comment_markers_inside_strings_are_text() {
    let text = r#"{"description": "see http://example.com/* not a comment */",
        "image_policy": {"removal": []}}"#;
    let document = parse(text).unwrap().document;
    assert_eq!(
        document.extra["description"],
        "see http://example.com/* not a comment */"
    );
}

#[test]
fn errors_after_comments_keep_their_line_and_column() {
    let text = "// header\n/* two\n   lines */ {\"image_policy\": {\"removal\": [{\"image_name\": \"image1\"}]}}";
    let errors: Vec<_> = parse(text)
        .unwrap_err()
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let name = errors
        .iter()
        .find(|d| d.path == "image_policy.removal[0].image_name")
        .unwrap_or_else(|| panic!("{errors:#?}"));
    let column = "   lines */ {\"image_policy\": {\"removal\": [{\"image_name\": "
        .chars()
        .count()
        + 1;
    assert_eq!((name.line, name.column), (3, column));
}

#[test]
fn columns_count_characters_of_a_comment_before_a_syntax_error() {
    let errors = parse("/* é */ {\"image_policy\": }").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 26), "{}", errors[0]);
}

#[test]
fn an_unterminated_comment_is_an_error_where_it_starts() {
    let errors = parse("{\"image_policy\": {\"removal\": []}}\n  /* never closed").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (2, 3), "{}", errors[0]);
    assert!(errors[0].message.contains("comment"), "{}", errors[0]);
}

#[test]
fn other_relaxations_stay_errors() {
    for text in [
        r#"{"image_policy": {"removal": [],}}"#,
        r#"{'image_policy': {"removal": []}}"#,
        r#"{image_policy: {"removal": []}}"#,
    ] {
        assert!(parse(text).is_err(), "accepted {text}");
    }
}

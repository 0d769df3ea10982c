//! Properties: parsing never panics on any input, the export round trip
//! holds for any valid document, minutes are read exactly, and `Matcher`
//! agrees with an independent wildcard matcher.

use imgreaper::core::policy::{
    DiskMarks, KeepRule, Matcher, PolicyDocument, Rule, Spelling, Start, parse, qualified_form,
    repository_of, short_form, validate_pattern,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

// ---- arbitrary input never panics ------------------------------------------

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "image_policy", "agentImagePolicy", "removal", "imageRemovalPolicies",
            "image_name", "imageId", "delete_after_minutes", "deleteAfterMinutes",
            "agent_downloaded_only", "agentDownloadedOnly", "enabled", "start",
            "upgrade", "agentUpgradePolicy", "label", "keep", "imageKeepPolicies", "last",
            "disk", "diskPressure", "high_percent", "highPercent", "low_percent", "lowPercent",
        ])
        .prop_map(String::from),
        1 => "[a-zA-Z_ .é]{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9_.:/@*? -]{0,16}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    tree(leaf())
}

/// Leaves whose numbers survive text and back exactly: serde_json (without
/// its `float_roundtrip` feature) may move a long float by one ULP.
fn exact_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(|i| json!(f64::from(i) / 1000.0)),
        any::<String>().prop_map(Value::String),
    ]
}

fn tree(leaf: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Value> {
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Documents shaped like policies, with random keys and values in the rules.
fn policy_shaped() -> impl Strategy<Value = Value> {
    let rule = prop::collection::btree_map(key(), leaf(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()));
    (
        prop::sample::select(vec![
            ("image_policy", "removal"),
            ("agentImagePolicy", "imageRemovalPolicies"),
        ]),
        prop::collection::vec(prop_oneof![4 => rule, 1 => json_value()], 0..6),
        prop::collection::btree_map(key(), json_value(), 0..3),
    )
        .prop_map(|((policy, list), rules, extra)| {
            let mut top: Map<String, Value> = extra.into_iter().collect();
            top.insert(policy.into(), json!({ list: rules }));
            Value::Object(top)
        })
}

/// Every diagnostic points inside the text.
fn assert_positions_inside(
    text: &str,
    result: &Result<imgreaper::core::policy::Parsed, Vec<imgreaper::core::policy::Diagnostic>>,
) {
    let diagnostics = match result {
        Ok(parsed) => &parsed.warnings,
        Err(all) => all,
    };
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diagnostics {
        assert!(d.line >= 1 && d.line <= lines.len(), "{d:?}");
        assert!(
            d.column >= 1 && d.column <= lines[d.line - 1].chars().count() + 1,
            "{d:?}"
        );
    }
    let keys: Vec<(usize, usize)> = diagnostics.iter().map(|d| (d.line, d.column)).collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "not sorted: {keys:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let result = parse(&text);
        assert_positions_inside(&text, &result);
    }

    #[test]
    fn parse_never_panics_on_json(value in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { value.to_string() };
        let result = parse(&text);
        assert_positions_inside(&text, &result);
        if !value.is_object() {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn parse_never_panics_on_policy_shaped_json(value in policy_shaped()) {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let result = parse(&text);
        assert_positions_inside(&text, &result);
        // Whatever is accepted exports to something accepted again.
        if let Ok(parsed) = result {
            let again = parse(&parsed.document.to_json(parsed.document.spelling).to_string());
            prop_assert!(again.is_ok(), "{again:?}");
        }
    }

    #[test]
    fn validate_pattern_never_panics(name in any::<String>()) {
        let _ = validate_pattern(&name);
    }

    /// Minutes are accepted exactly when the text is a plain whole number up to 100 years.
    #[test]
    fn minutes_are_read_exactly(
        number in r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?"
    ) {
        let text = format!(r#"{{"image_policy": {{"removal": [{{"image_name": "a:1", "delete_after_minutes": {number}}}]}}}}"#);
        let expected = number
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == number && *n <= imgreaper::core::policy::limits::MAX_MINUTES);
        match (parse(&text), expected) {
            (Ok(parsed), Some(n)) => prop_assert_eq!(parsed.document.rules[0].delete_after_minutes, n),
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{number}: got {got:?}, want {want:?}"),
        }
    }
}

// ---- export round trip -----------------------------------------------------

fn valid_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,5}(/[a-z0-9]{1,4})?:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,5}",
        "[a-z]{1,5}/\\*",
        "\\*:[a-z0-9]{1,5}",
        "[a-z]{1,4}\\.[a-z]{2,3}(:[0-9]{2,4})?/[a-z]{1,4}:\\*",
        "[a-z]{1,4}@sha256:[0-9a-f]{64}",
        Just("*".to_string()),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        valid_pattern(),
        0..=imgreaper::core::policy::limits::MAX_MINUTES,
        any::<bool>(),
    )
        .prop_map(
            |(image_name, delete_after_minutes, agent_downloaded_only)| Rule {
                image_name,
                delete_after_minutes,
                agent_downloaded_only,
            },
        )
}

fn keep_rule() -> impl Strategy<Value = KeepRule> {
    (valid_pattern(), prop::option::of(1u64..=u64::MAX))
        .prop_map(|(image_name, last)| KeepRule { image_name, last })
}

fn disk_marks() -> impl Strategy<Value = Option<DiskMarks>> {
    prop::option::of((1u8..99).prop_flat_map(|low| {
        (low + 1..=99).prop_map(move |high| DiskMarks {
            high_percent: high,
            low_percent: low,
        })
    }))
}

fn extra() -> impl Strategy<Value = Map<String, Value>> {
    let field = "[a-zA-Z][a-zA-Z_]{0,8}".prop_filter("reserved", |k| {
        !matches!(
            k.as_str(),
            "upgrade" | "agentUpgradePolicy" | "enabled" | "start"
        )
    });
    prop::collection::btree_map(field, tree(exact_leaf()), 0..5)
        .prop_map(|m| m.into_iter().collect())
}

fn document() -> impl Strategy<Value = PolicyDocument> {
    (
        (
            prop::collection::vec(rule(), 0..6),
            prop::collection::vec(keep_rule(), 0..3),
            disk_marks(),
        ),
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(Start::Now)),
            (0i64..=253_402_300_799).prop_map(|s| Some(Start::At(s))),
        ],
        prop::sample::select(vec![Spelling::Seed, Spelling::Anax]),
        extra(),
        prop::option::of(0usize..8),
    )
        .prop_map(
            |((rules, keep, disk), enabled, start, spelling, extra, policy_at)| PolicyDocument {
                rules,
                keep,
                disk,
                enabled,
                start,
                spelling,
                policy_at,
                extra,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn export_round_trips(doc in document(), spelling in prop::sample::select(vec![Spelling::Seed, Spelling::Anax])) {
        let exported = doc.to_json(spelling);
        let back = parse(&exported.to_string()).map_err(|e| TestCaseError::fail(format!("{e:#?}\n{exported}")))?.document;
        prop_assert_eq!(&back.rules, &doc.rules);
        prop_assert_eq!(&back.keep, &doc.keep);
        prop_assert_eq!(back.disk, doc.disk);
        prop_assert_eq!(back.enabled, doc.enabled);
        prop_assert_eq!(back.start, doc.start);
        prop_assert_eq!(back.spelling, spelling);
        // Fields other than enabled/start come back exactly as they were.
        let mut plain = back.extra.clone();
        plain.remove("enabled");
        plain.remove("start");
        prop_assert_eq!(&plain, &doc.extra);
        // The image policy stays where it stood among the fields (`None`: last).
        let keys: Vec<&String> = exported.as_object().unwrap().keys().collect();
        let at = keys.iter().position(|k| *k == "image_policy" || *k == "agentImagePolicy");
        let last = keys.len() - 1;
        prop_assert_eq!(at, Some(doc.policy_at.unwrap_or(last).min(last)));
        prop_assert_eq!(back.policy_at, at.filter(|&a| a < last));
        // And a parsed document is a fixed point, extra included.
        let twice = parse(&back.to_json(spelling).to_string()).unwrap().document;
        prop_assert_eq!(twice, back);
    }
}

// ---- Matcher against an independent matcher ---------------------------------

/// Straight from §3: `*` (or `.*`) any run, `?` one character, else literal.
fn glob(pattern: &[char], name: &[char]) -> bool {
    match pattern {
        [] => name.is_empty(),
        ['*', rest @ ..] => (0..=name.len()).any(|i| glob(rest, &name[i..])),
        ['?', rest @ ..] => !name.is_empty() && glob(rest, &name[1..]),
        [c, rest @ ..] => name.first() == Some(c) && glob(rest, &name[1..]),
    }
}

/// §3's `.*` idiom, as a star: in the repository part, or right at the start of a tag (a tag
/// cannot begin with a dot); inside a tag a dot is literal.
fn read_idiom(pattern: &str) -> String {
    let repository_end = repository_of(pattern).len();
    let mut out = String::new();
    let mut chars = pattern.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let idiom = c == '.'
            && chars.peek().map(|(_, next)| *next) == Some('*')
            && (at < repository_end || at == repository_end + 1);
        if idiom {
            continue; // the star follows
        }
        out.push(c);
    }
    out
}

fn glob_str(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = read_idiom(pattern).chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob(&p, &n)
}

/// §3 and §11 on top of the glob: a name without wildcards means the reference Docker resolves
/// it to; a pattern whose repository has no wildcard means its Docker
/// normal form (the qualified form of that repository, the rest as written), and a pattern for
/// every tag (`REPO:*`, the star run possibly spelt `.*`) also stands for `REPO@*` when the
/// repository ends in a literal character.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        // A name without wildcards means the reference Docker resolves it to.
        return qualified_form(pattern) == qualified_form(name);
    }
    let forms = [short_form(name), qualified_form(name)];
    let repository = repository_of(pattern);
    let meaning = if !repository.is_empty() && !repository.contains(['*', '?']) {
        format!(
            "{}{}",
            qualified_form(repository),
            &pattern[repository.len()..]
        )
    } else {
        pattern.to_string()
    };
    let mut meanings = vec![meaning.clone()];
    // Strip the trailing run of stars, reading `.*` as one where it is the idiom.
    let read = read_idiom(&meaning);
    let stem = read.trim_end_matches('*');
    if stem.len() < read.len()
        && let Some(repository) = stem.strip_suffix(':')
        && repository.ends_with(|c: char| c != '*' && c != '?')
    {
        meanings.push(format!("{repository}@*"));
    }
    meanings
        .iter()
        .any(|m| forms.iter().any(|f| glob_str(m, f)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn matcher_agrees_with_a_simple_glob(
        patterns in prop::collection::vec("[ab1.:/@*?]{0,8}", 1..8),
        name in "[ab1.:/@*?]{0,10}",
    ) {
        let matcher = Matcher::new(&patterns);
        let mut got = Vec::new();
        matcher.matches_into(&name, &mut got);
        let want: Vec<usize> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| pattern_matches(p, &name))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn dangling_matches_exactly_the_patterns_that_match_every_name(
        patterns in prop::collection::vec("[a.*?]{0,4}", 1..8),
    ) {
        let mut got = Vec::new();
        Matcher::new(&patterns).matches_dangling(&mut got);
        // A pattern matches every name iff it matches both the empty name and a
        // one-character one while having no literal: i.e. it is made of stars.
        let want: Vec<usize> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| glob_str(p, "") && glob_str(p, "x") && glob_str(p, "xy:1"))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(got, want);
    }
}

/// A Docker Hub repository path written after `library/`, `docker.io/…` or `index.docker.io/…`:
/// one or two components, wildcards allowed after a literal start.
fn hub_path() -> impl Strategy<Value = (String, bool)> {
    (
        "[a-c]{1,3}",
        prop_oneof![Just(""), Just("*"), Just("?"), Just("b*")],
        any::<bool>(),
        prop_oneof![Just(":*"), Just(":1"), Just(":1.*"), Just("")],
    )
        .prop_map(|(start, wild, official, tag)| {
            let tag = if wild.is_empty() && tag.is_empty() {
                ":1"
            } else {
                tag
            };
            let path = if official {
                format!("{start}{wild}{tag}")
            } else {
                format!("{start}/x{wild}{tag}")
            };
            (path, official)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Issue 15 item 7: every Docker spelling of one Docker Hub pattern matches the same names,
    /// wildcards or not (before, `library/*` and `index.docker.io/*` matched nothing).
    #[test]
    fn docker_hub_spellings_of_a_pattern_match_alike(
        (path, official) in hub_path(),
        name in "[a-c]{1,3}(/[a-c]{1,2})?:(1|1\\.2|12|latest)",
    ) {
        let spellings: Vec<String> = if official {
            vec![
                format!("library/{path}"),
                format!("docker.io/library/{path}"),
                format!("index.docker.io/library/{path}"),
                format!("docker.io/{path}"),
            ]
        } else {
            vec![path.clone(), format!("docker.io/{path}"), format!("index.docker.io/{path}")]
        };
        let references = [name.clone(), imgreaper::core::policy::qualified_form(&name)];
        let matched = |pattern: &str, reference: &str| {
            let mut out = Vec::new();
            imgreaper::core::policy::Matcher::new(&[pattern]).matches_into(reference, &mut out);
            !out.is_empty()
        };
        for reference in &references {
            let first = matched(&spellings[0], reference);
            for spelling in &spellings[1..] {
                prop_assert_eq!(matched(spelling, reference), first, "{} vs {} ({})", spelling, reference, spellings[0]);
            }
        }
    }
}

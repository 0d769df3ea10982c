//! Patterns (§3) against references: wildcards, the `.*` idiom, both name
//! forms, registries with ports, digests, dangling images, many rules.

use imgreaper::core::policy::{Matcher, qualified_form, short_form, validate_pattern};

fn matches(pattern: &str, reference: &str) -> bool {
    let mut out = Vec::new();
    Matcher::new(&[pattern]).matches_into(reference, &mut out);
    out == [0]
}

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

#[test]
fn star_matches_everything_with_a_name() {
    for r in [
        "nginx:1.25",
        "myorg/app:1",
        "127.0.0.1:5000/a/b:c",
        &format!("x@{}", digest('a')),
    ] {
        assert!(matches("*", r), "{r}");
    }
}

#[test]
fn question_mark_is_exactly_one_character() {
    assert!(matches("nginx:1.2?", "nginx:1.25"));
    assert!(!matches("nginx:1.2?", "nginx:1.2"));
    assert!(!matches("nginx:1.2?", "nginx:1.255"));
    assert!(matches("?:1", "a:1"));
}

#[test]
fn dot_star_means_star() {
    assert!(matches("image1.*", "image1:0.0.1"));
    assert!(matches("image1.*", "image10:1"), "as the warning says");
    assert!(!matches("image1.*", "image2:1"));
    // A dot not followed by `*` is a literal dot.
    assert!(matches("nginx:1.25", "nginx:1.25"));
    assert!(!matches("nginx:1.25", "nginx:1x25"));
}

#[test]
fn tag_wildcards_and_repository_wildcards() {
    assert!(matches("*:latest", "nginx:latest"));
    assert!(matches("*:latest", "myorg/app:latest"));
    assert!(!matches("*:latest", "nginx:1"));
    assert!(matches("myorg/*", "myorg/app:1"));
    assert!(matches("myorg/*", "myorg/a/b:2"));
    assert!(!matches("myorg/*", "other/app:1"));
    assert!(!matches("myorg/*", "myorgx/app:1"));
}

#[test]
fn the_whole_name_must_match() {
    assert!(!matches("nginx", "nginx:1"));
    assert!(!matches("ginx:1", "nginx:1"));
    assert!(!matches("nginx:1", "nginx:10"));
}

#[test]
fn regex_metacharacters_are_literal() {
    assert!(!matches("a+:1", "aa:1"));
    assert!(matches("a+:1", "a+:1"));
    assert!(!matches("a.:1", "ab:1"));
    assert!(!matches("[ab]:1", "a:1"));
}

#[test]
fn digests() {
    let a = digest('a');
    let b = digest('b');
    assert!(matches(&format!("repo@{a}"), &format!("repo@{a}")));
    assert!(!matches(&format!("repo@{a}"), &format!("repo@{b}")));
    assert!(matches("repo@*", &format!("repo@{b}")));
    assert!(matches(
        "repo@sha256:*",
        &format!("docker.io/library/repo@{b}")
    ));
    assert!(validate_pattern(&format!("repo@{a}")).is_ok());
}

#[test]
fn every_tag_of_a_repository_includes_its_digest_names() {
    // A digest-only name is a version of the repository that lost its tag (§11).
    let a = digest('a');
    assert!(matches("repo:*", &format!("repo@{a}")));
    assert!(matches("repo:.*", &format!("repo@{a}")));
    assert!(matches("nginx:*", &format!("docker.io/library/nginx@{a}")));
    assert!(matches(
        "127.0.0.1:5000/app:*",
        &format!("127.0.0.1:5000/app@{a}")
    ));
    assert!(!matches("repo:1.*", &format!("repo@{a}")), "a tag pattern");
    assert!(!matches("repo:*", &format!("repo2@{a}")));
    assert!(!matches("repo:*", &format!("other/repo@{a}")));
}

#[test]
fn each_spelling_of_docker_hub_names_matches_the_local_name() {
    for pattern in [
        "docker.io/nginx:*",
        "index.docker.io/library/nginx:*",
        "index.docker.io/nginx:*",
        "library/nginx:*",
        "docker.io/library/nginx:*",
        "nginx:*",
        "docker.io/nginx:1.25",
        "library/nginx:1.25",
        "index.docker.io/library/nginx:1.25",
    ] {
        assert!(matches(pattern, "nginx:1.25"), "{pattern}");
        assert!(
            matches(pattern, "docker.io/library/nginx:1.25"),
            "{pattern} against the qualified name"
        );
    }
    assert!(matches("docker.io/myorg/app:*", "myorg/app:1"));
    assert!(matches("index.docker.io/myorg/app:*", "myorg/app:1"));
    assert!(!matches("library/nginx:*", "myorg/nginx:1"));
    assert!(!matches("docker.io/nginx:*", "127.0.0.1:5000/nginx:1"));
}

#[test]
fn fully_qualified_patterns_match_short_references_and_back() {
    assert!(matches("docker.io/library/nginx:*", "nginx:1.25"));
    assert!(matches("nginx:*", "docker.io/library/nginx:1.25"));
    assert!(matches("docker.io/myorg/app:*", "myorg/app:1"));
    assert!(matches("myorg/app:*", "docker.io/myorg/app:1"));
    assert!(!matches("docker.io/library/nginx:*", "myorg/nginx:1"));
    assert!(
        matches("docker.io/*", "nginx:1"),
        "everything on Docker Hub"
    );
    assert!(!matches("docker.io/*", "quay.io/x:1"));
}

#[test]
fn registry_with_port() {
    assert!(matches("127.0.0.1:5000/app:*", "127.0.0.1:5000/app:1"));
    assert!(!matches("127.0.0.1:5000/app:*", "app:1"));
    assert!(!matches("127.0.0.1:5000/app:*", "127.0.0.1:5001/app:1"));
    assert!(
        !matches("app:*", "127.0.0.1:5000/app:1"),
        "a private registry has no short form"
    );
    assert!(matches("localhost:5000/*", "localhost:5000/a/b:c"));
    assert!(validate_pattern("127.0.0.1:5000/app:*").is_ok());
}

#[test]
fn dangling_images_match_only_bare_star() {
    let m = Matcher::new(&["*", "*:*", "?*", "image1.*", ".*", "*@*"]);
    let mut out = vec![42];
    m.matches_dangling(&mut out);
    assert_eq!(out, [0, 4]);
}

#[test]
fn matches_into_reports_every_matching_rule_in_order() {
    let m = Matcher::new(&[
        "nginx:*",
        "*",
        "redis:*",
        "docker.io/library/nginx:1.25",
        "*:1.25",
    ]);
    let mut out = Vec::new();
    m.matches_into("nginx:1.25", &mut out);
    assert_eq!(out, [0, 1, 3, 4]);
    m.matches_into("redis:7", &mut out);
    assert_eq!(out, [1, 2]);
}

#[test]
fn a_thousand_patterns_in_one_matcher() {
    let patterns: Vec<String> = (0..1000)
        .map(|i| match i % 4 {
            0 => format!("registry.example.com/team{i}/service-{i}:*"),
            1 => format!("docker.io/library/image{i}:1.?.*"),
            2 => format!("myorg/app{i}@sha256:*"),
            _ => format!("*/component-{i}:v*"),
        })
        .collect();
    let m = Matcher::new(&patterns);
    assert_eq!(m.len(), 1000);
    assert!(!m.is_empty());
    let mut out = Vec::new();
    m.matches_into("registry.example.com/team400/service-400:latest", &mut out);
    assert_eq!(out, [400]);
    m.matches_into("image401:1.2.3", &mut out);
    assert_eq!(out, [401]);
    m.matches_into(&format!("myorg/app402@{}", digest('c')), &mut out);
    assert_eq!(out, [402]);
    m.matches_into("x/component-403:v2", &mut out);
    assert_eq!(out, [403]);
    m.matches_into("unrelated:1", &mut out);
    assert!(out.is_empty());
}

#[test]
fn patterns_that_are_not_valid_names_never_panic() {
    let m = Matcher::new(&["(", "\\", "[a-", "**??", "", "日本:*"]);
    let mut out = Vec::new();
    m.matches_into("日本:1", &mut out);
    assert_eq!(out, [3, 5], "`**??` is two or more characters");
    m.matches_into("", &mut out);
    assert_eq!(out, [4]);
}

#[test]
fn short_and_qualified_forms() {
    assert_eq!(short_form("docker.io/library/nginx:1.25"), "nginx:1.25");
    assert_eq!(short_form("docker.io/myorg/x:1"), "myorg/x:1");
    assert_eq!(short_form("127.0.0.1:5000/x:1"), "127.0.0.1:5000/x:1");
    assert_eq!(qualified_form("nginx:1.25"), "docker.io/library/nginx:1.25");
    assert_eq!(qualified_form("myorg/x:1"), "docker.io/myorg/x:1");
    for unchanged in [
        "localhost:5000/x:1",
        "127.0.0.1:5000/x:1",
        "registry.example.com/x:1",
    ] {
        assert_eq!(qualified_form(unchanged), unchanged);
        assert_eq!(short_form(unchanged), unchanged);
    }
    let d = digest('e');
    assert_eq!(
        short_form(&format!("docker.io/library/repo@{d}")),
        format!("repo@{d}")
    );
    assert_eq!(
        qualified_form(&format!("repo@{d}")),
        format!("docker.io/library/repo@{d}")
    );
}

/// Issue 15 item 7: Docker Hub spellings with wildcards in the repository part are normalised
/// as Docker normalises names (§3): their literal start, as a name's would be.
#[test]
fn docker_hub_spellings_with_wildcards_match_what_they_name() {
    let table = [
        // (pattern, reference, matches)
        ("library/*", "nginx:1.25", true),
        ("library/*", "docker.io/library/nginx:1.25", true),
        ("library/*", "myorg/app:1", false),
        ("library/zh*", "zhttpd:2", true),
        ("library/zh*", "nginx:1", false),
        ("index.docker.io/*", "nginx:1.25", true),
        ("index.docker.io/*", "myorg/app:1", true),
        ("index.docker.io/*", "127.0.0.1:5000/app:1", false),
        ("index.docker.io/library/*", "nginx:1.25", true),
        ("index.docker.io/library/*", "myorg/app:1", false),
        ("docker.io/ngin?:1", "nginx:1", true),
        ("docker.io/library/ngin*", "nginx:1", true),
        ("index.docker.io/myorg/*", "myorg/app:1", true),
        // Beginning with a wildcard: tried against both forms, as before.
        ("*/app:*", "myorg/app:1", true),
        ("*/nginx:*", "nginx:1", true),
        ("*:latest", "nginx:latest", true),
        // Other registries are not Docker Hub.
        ("localhost:5000/*", "localhost:5000/app:1", true),
        ("localhost:5000/*", "app:1", false),
    ];
    for (pattern, reference, expected) in table {
        assert_eq!(
            matches(pattern, reference),
            expected,
            "{pattern} vs {reference}"
        );
    }
}

/// Issue 15 item 7: a pattern that can match no reference is an error at `policy check`.
#[test]
fn a_pattern_that_can_match_nothing_is_an_error() {
    for pattern in [
        "Index.Docker.io/*",
        "Docker.io/library/nginx:*",
        "DOCKER.IO/ngin?:1",
    ] {
        let error = validate_pattern(pattern).expect_err(pattern);
        assert!(error.contains("matches nothing"), "{pattern}: {error}");
    }
}

/// Issue 15 item 8: inside a tag a dot is literal (§3); `.*` right after a repository name
/// stays the idiom for "every version".
#[test]
fn inside_a_tag_a_dot_is_literal() {
    let table = [
        ("app:1.*", "app:1.2", true),
        ("app:1.*", "app:1.10.3", true),
        ("app:1.*", "app:1.", true),
        ("app:1.*", "app:10.0", false),
        ("app:1.*", "app:12", false),
        ("app:1.*", "app:100", false),
        ("app:1.*", "app:1-beta", false),
        ("app:1.*", "app:1", false),
        ("*:1.*", "other:1.4", true),
        ("*:1.*", "other:14", false),
        ("app:v1.2.*", "app:v1.2.7", true),
        ("app:v1.2.*", "app:v1.27", false),
        // The repository idiom stays.
        ("image1.*", "image1:0.0.1", true),
        ("image1.*", "image10:1", true),
        ("myorg/app.*", "myorg/app:2", true),
    ];
    for (pattern, reference, expected) in table {
        assert_eq!(
            matches(pattern, reference),
            expected,
            "{pattern} vs {reference}"
        );
    }
    assert_eq!(validate_pattern("app:1.*"), Ok(()));
}

//! Text to `RegistryPolicy`, with the positions and hints of image policies: a thin layer on
//! the document toolkit (`core::doc`).

use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;

use super::document::{Category, Order, RegistryPolicy, RepositoryRule};
use crate::core::doc::{Diagnostic, Report, child, describe, element, hint, read, unique_props};
use crate::core::policy::read_whole;

const POLICY: &str = "registry_policy";
const POLICY_KEYS: [&str; 2] = ["registry", "repositories"];
const REPOSITORY_KEYS: [&str; 3] = ["repository", "keep", "categories"];
const CATEGORY_KEYS: [&str; 5] = ["name", "tags", "order", "last", "max_age_days"];

/// Whether a document holds a registry policy (a top-level `registry_policy`), so `policy
/// check` reads it as one. Text that is not a JSON object is not.
pub fn is_registry_policy(text: &str) -> bool {
    read(text, "", |_, root, _| {
        root.properties.iter().any(|p| p.name.as_str() == POLICY)
    })
    .0
    .unwrap_or(false)
}

/// Parses and validates a registry policy document. `Err` holds every error (and the
/// warnings), sorted by position; `Ok` the policy and its warnings.
pub fn parse_registry_policy(
    text: &str,
) -> Result<(RegistryPolicy, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (policy, diagnostics) = read(
        text,
        "a registry policy is a JSON object such as {\"registry_policy\": {\"registry\": \"registry.example.org\", \"repositories\": [...]}}",
        |report, root, _| {
            let props = unique_props(report, root, "");
            let Some(policy) = props.iter().find(|p| p.name.as_str() == POLICY) else {
                report.error(
                    "",
                    root.start(),
                    "no registry policy here: add \"registry_policy\": {\"registry\": \"HOST\", \"repositories\": [...]}",
                );
                return None;
            };
            if let Some(image) = props
                .iter()
                .find(|p| ["image_policy", "agentImagePolicy"].contains(&p.name.as_str()))
            {
                report.error(
                    image.name.as_str(),
                    image.name.start(),
                    "a document holds an image policy or a registry policy, not both: move one to its own file",
                );
            }
            read_policy(report, &policy.value)
        },
    );
    let errors = diagnostics
        .iter()
        .any(|d| d.severity == crate::core::doc::Severity::Error);
    match policy.flatten() {
        Some(policy) if !errors => Ok((policy, diagnostics)),
        _ => Err(diagnostics),
    }
}

fn read_policy(report: &mut Report, value: &Value) -> Option<RegistryPolicy> {
    let object = expect_object(
        report,
        POLICY,
        value,
        "{\"registry\": \"HOST\", \"repositories\": [...]}",
    )?;
    let props = known_props(report, object, POLICY, &POLICY_KEYS, "`registry_policy`");
    let registry = match find(&props, "registry") {
        Some(prop) => read_registry(report, prop),
        None => {
            report.error(
                POLICY,
                object.start(),
                "missing `registry`: the registry's host, e.g. \"registry.example.org\" or \"127.0.0.1:5000\"",
            );
            None
        }
    };
    let repositories = match find(&props, "repositories") {
        Some(prop) => read_repositories(report, prop),
        None => {
            report.error(
                POLICY,
                object.start(),
                "missing `repositories`: a list such as [{\"repository\": \"team/app\", \"categories\": [...]}]",
            );
            None
        }
    };
    Some(RegistryPolicy {
        registry: registry?,
        repositories: repositories?,
    })
}

fn read_registry(report: &mut Report, prop: &ObjectProp) -> Option<String> {
    let path = child(POLICY, "registry");
    let text = expect_string(report, &path, &prop.value, "\"registry.example.org\"")?;
    let problem = if text.is_empty() {
        Some(
            "`registry` is empty: write the registry's host, e.g. \"registry.example.org\""
                .to_string(),
        )
    } else if let Some((scheme, rest)) = text.split_once("://") {
        Some(format!(
            "`registry` is a host, not a URL: write \"{}\" (without `{scheme}://`)",
            rest.trim_end_matches('/')
        ))
    } else if text.contains('/') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(format!(
            "`{text}` is not a host: write the registry's host and port only, e.g. \"registry.example.org\" or \"127.0.0.1:5000\""
        ))
    } else {
        None
    };
    match problem {
        Some(message) => {
            report.error(&path, prop.value.start(), message);
            None
        }
        None => Some(text),
    }
}

fn read_repositories(report: &mut Report, prop: &ObjectProp) -> Option<Vec<RepositoryRule>> {
    let path = child(POLICY, "repositories");
    let Value::Array(array) = &prop.value else {
        report.error(
            &path,
            prop.value.start(),
            format!(
                "`repositories` is a list of objects, not {}",
                describe(&prop.value)
            ),
        );
        return None;
    };
    if array.elements.is_empty() {
        report.error(
            &path,
            array.start(),
            "`repositories` is empty: add at least one {\"repository\": \"team/app\", \"categories\": [...]}",
        );
        return None;
    }
    let rules: Vec<Option<RepositoryRule>> = array
        .elements
        .iter()
        .enumerate()
        .map(|(i, value)| read_repository(report, &element(&path, i), value))
        .collect();
    rules.into_iter().collect()
}

fn read_repository(report: &mut Report, path: &str, value: &Value) -> Option<RepositoryRule> {
    let object = expect_object(
        report,
        path,
        value,
        "{\"repository\": \"team/app\", \"categories\": [...]}",
    )?;
    let props = known_props(report, object, path, &REPOSITORY_KEYS, "a repository entry");
    let repository = match find(&props, "repository") {
        Some(prop) => {
            let at = child(path, "repository");
            let text = expect_string(report, &at, &prop.value, "\"team/app\"")?;
            match repository_problem(&text) {
                Some(message) => {
                    report.error(&at, prop.value.start(), message);
                    None
                }
                None => Some(text),
            }
        }
        None => {
            report.error(path, object.start(), "missing `repository`: a repository path such as \"team/app\", or a pattern such as \"team/*\"");
            None
        }
    };
    let keep = match find(&props, "keep") {
        Some(prop) => read_tag_list(report, &child(path, "keep"), &prop.value),
        None => Some(Vec::new()),
    };
    let categories = match find(&props, "categories") {
        Some(prop) => read_categories(report, &child(path, "categories"), &prop.value),
        None => Some(Vec::new()),
    };
    Some(RepositoryRule {
        repository: repository?,
        keep: keep?,
        categories: categories?,
    })
}

/// What is wrong with a repository path or pattern, if anything.
fn repository_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("`repository` is empty: write a path such as \"team/app\"".to_string());
    }
    if text.contains(':') || text.contains('@') {
        return Some(format!(
            "`{text}` names a tag or digest: `repository` is the path only (\"team/app\"); tags go in `keep` and `categories`"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/*?".contains(c);
    (!text.chars().all(allowed)).then(|| {
        format!(
            "`{text}` is not a repository path: it may hold lower-case letters, digits, `.`, `_`, `-`, `/` and the wildcards `*` and `?`"
        )
    })
}

fn read_tag_list(report: &mut Report, path: &str, value: &Value) -> Option<Vec<String>> {
    let Value::Array(array) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "`keep` is a list of tags such as [\"latest\"], not {}",
                describe(value)
            ),
        );
        return None;
    };
    let tags: Vec<Option<String>> = array
        .elements
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let at = element(path, i);
            let tag = expect_string(report, &at, value, "\"latest\"")?;
            tag_problem(&tag)
                .map(|message| report.error(&at, value.start(), message))
                .is_none()
                .then_some(tag)
        })
        .collect();
    tags.into_iter().collect()
}

/// What is wrong with a tag or tag pattern, if anything (Docker's tag grammar, wildcards allowed).
fn tag_problem(tag: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-*?".contains(c);
    if tag.is_empty() {
        Some(
            "a tag is not empty: write one such as \"latest\" or a pattern such as \"d_*\""
                .to_string(),
        )
    } else if tag.chars().count() > 128 || !tag.chars().all(allowed) {
        Some(format!(
            "`{tag}` is not a tag: a tag holds letters, digits, `.`, `_` and `-` (at most 128), with the wildcards `*` and `?`"
        ))
    } else {
        None
    }
}

fn read_categories(report: &mut Report, path: &str, value: &Value) -> Option<Vec<Category>> {
    let Value::Array(array) = value else {
        report.error(
            path,
            value.start(),
            format!("`categories` is a list of objects, not {}", describe(value)),
        );
        return None;
    };
    let categories: Vec<Option<Category>> = array
        .elements
        .iter()
        .enumerate()
        .map(|(i, value)| read_category(report, &element(path, i), value))
        .collect();
    let categories: Option<Vec<Category>> = categories.into_iter().collect();
    if let Some(categories) = &categories {
        for (i, (category, value)) in categories.iter().zip(&array.elements).enumerate() {
            if categories[..i].iter().any(|c| c.tags == category.tags) {
                report.warning(
                    &child(&element(path, i), "tags"),
                    value.start(),
                    format!(
                        "category `{}` matches no tag: an earlier category has the same pattern `{}`, and a tag belongs to the first that matches it",
                        category.name, category.tags
                    ),
                );
            }
        }
    }
    categories
}

fn read_category(report: &mut Report, path: &str, value: &Value) -> Option<Category> {
    let object = expect_object(
        report,
        path,
        value,
        "{\"name\": \"daily\", \"tags\": \"d_*\", \"last\": 24}",
    )?;
    let props = known_props(report, object, path, &CATEGORY_KEYS, "a category");
    let required = |report: &mut Report, key: &str, example: &str| -> Option<String> {
        match find(&props, key) {
            Some(prop) => expect_string(report, &child(path, key), &prop.value, example),
            None => {
                report.error(
                    path,
                    object.start(),
                    format!("missing `{key}`, e.g. {example}"),
                );
                None
            }
        }
    };
    let name = required(report, "name", "\"daily\"");
    let tags = required(report, "tags", "\"d_*\"").and_then(|tags| {
        let prop = find(&props, "tags")?;
        match tag_problem(&tags) {
            Some(message) => {
                report.error(&child(path, "tags"), prop.value.start(), message);
                None
            }
            None => Some(tags),
        }
    });
    let order = match find(&props, "order") {
        None => Some(Order::Created),
        Some(prop) => {
            let at = child(path, "order");
            let text = expect_string(report, &at, &prop.value, "\"tag\"")?;
            let order = Order::parse(&text);
            if order.is_none() {
                report.error(
                    &at,
                    prop.value.start(),
                    format!(
                        "unknown order `{text}`; {}",
                        hint(&text, &Order::NAMES).replace("known keys", "known orders")
                    ),
                );
            }
            order
        }
    };
    let whole = |report: &mut Report,
                 key: &str,
                 example: u64,
                 min: u64,
                 why: &str|
     -> Option<Option<u64>> {
        let Some(prop) = find(&props, key) else {
            return Some(None);
        };
        let at = child(path, key);
        match read_whole(key, &prop.value, example, min) {
            Ok(n) if n >= min => Some(Some(n)),
            Ok(_) => {
                report.error(
                    &at,
                    prop.value.start(),
                    format!("`{key}` is at least {min}: {why}"),
                );
                None
            }
            Err(message) => {
                report.error(&at, prop.value.start(), message);
                None
            }
        }
    };
    let last = whole(
        report,
        "last",
        24,
        1,
        "it counts the newest tags kept (leave it out to keep by age only)",
    );
    let max_age_days = whole(
        report,
        "max_age_days",
        30,
        1,
        "it counts the days a tag is kept after its image was created",
    );
    let category = Category {
        name: name?,
        tags: tags?,
        order: order?,
        last: last?,
        max_age_days: max_age_days?,
    };
    if category.last.is_none() && category.max_age_days.is_none() {
        report.warning(
            path,
            object.start(),
            format!(
                "category `{}` has neither `last` nor `max_age_days`: it keeps every tag it matches",
                category.name
            ),
        );
    }
    Some(category)
}

fn find<'p, 'a>(props: &[&'p ObjectProp<'a>], key: &str) -> Option<&'p ObjectProp<'a>> {
    props.iter().copied().find(|p| p.name.as_str() == key)
}

/// The object's properties, first of each key; duplicates and unknown keys are errors with the
/// nearest known key suggested.
fn known_props<'o, 'a>(
    report: &mut Report,
    object: &'o Object<'a>,
    path: &str,
    known: &[&str],
    what: &str,
) -> Vec<&'o ObjectProp<'a>> {
    let props = unique_props(report, object, path);
    for prop in &props {
        let key = prop.name.as_str();
        if !known.contains(&key) {
            report.error(
                &child(path, key),
                prop.name.start(),
                format!("unknown key `{key}` in {what}; {}", hint(key, known)),
            );
        }
    }
    props
}

fn expect_object<'v, 'a>(
    report: &mut Report,
    path: &str,
    value: &'v Value<'a>,
    example: &str,
) -> Option<&'v Object<'a>> {
    match value {
        Value::Object(object) => Some(object),
        other => {
            report.error(
                path,
                other.start(),
                format!(
                    "this is an object such as {example}, not {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

fn expect_string(report: &mut Report, path: &str, value: &Value, example: &str) -> Option<String> {
    match value {
        Value::StringLit(text) => Some(text.value.to_string()),
        other => {
            let key = path.rsplit(['.', '[']).next().unwrap_or(path);
            report.error(
                path,
                other.start(),
                format!(
                    "`{key}` is a string such as {example}, not {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{ "label": "lab-retention",
  "registry_policy": {
    "registry": "registry.example.org",
    "repositories": [
      { "repository": "lsst-sqre/sciplat-lab",
        "keep": ["latest", "recommended"],
        "categories": [
          { "name": "daily",   "tags": "d_*", "order": "tag",    "last": 24 },
          { "name": "weekly",  "tags": "w_*", "order": "tag",    "last": 52 },
          { "name": "release", "tags": "r*",  "order": "semver", "max_age_days": 730 },
          { "name": "experimental", "tags": "exp_*", "max_age_days": 30 } ] } ] } }"#;

    #[test]
    fn the_design_example_reads() {
        assert!(is_registry_policy(EXAMPLE));
        let (policy, warnings) = parse_registry_policy(EXAMPLE).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(policy.registry, "registry.example.org");
        let repo = &policy.repositories[0];
        assert_eq!(repo.keep, ["latest", "recommended"]);
        assert_eq!(repo.categories[3].order, Order::Created);
        assert_eq!(repo.categories[2].max_age_days, Some(730));
    }

    #[test]
    fn every_error_with_its_path_position_and_hint() {
        let text = r#"{"registry_policy": {
  "registry": "https://reg.example/",
  "repositories": [ { "repository": "Team/App",
    "categories": [ { "name": "d", "tags": "d_*", "order": "tags", "lst": 3, "last": 0 } ] } ] } }"#;
        let errors = parse_registry_policy(text).unwrap_err();
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "2:15: registry_policy.registry: error: `registry` is a host, not a URL: write \"reg.example\" (without `https://`)",
                "3:37: registry_policy.repositories[0].repository: error: `Team/App` is not a repository path: it may hold lower-case letters, digits, `.`, `_`, `-`, `/` and the wildcards `*` and `?`",
                "4:60: registry_policy.repositories[0].categories[0].order: error: unknown order `tags`; did you mean `tag`?",
                "4:68: registry_policy.repositories[0].categories[0].lst: error: unknown key `lst` in a category; did you mean `last`?",
                "4:86: registry_policy.repositories[0].categories[0].last: error: `last` is at least 1: it counts the newest tags kept (leave it out to keep by age only)",
            ]
        );
    }

    #[test]
    fn image_policies_are_not_registry_policies() {
        assert!(!is_registry_policy(r#"{"image_policy": {"removal": []}}"#));
        assert!(!is_registry_policy("not json"));
    }
}

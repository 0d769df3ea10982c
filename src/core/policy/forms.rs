//! The two spellings of one reference: the short form the Docker CLI shows and
//! the fully qualified form. Rules are tried against both.

use std::borrow::Cow;

use super::wildcard::has_wildcard;

const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy name Docker still normalises to `docker.io`.
const LEGACY_DOMAIN: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";

/// Splits off a registry domain, which Docker recognises by a `.` or `:` or
/// by being `localhost`, and only when a `/` follows it.
fn split_domain(reference: &str) -> (Option<&str>, &str) {
    // Bytes, not chars: this runs on every name the planner matches.
    let Some(slash) = reference.bytes().position(|b| b == b'/') else {
        return (None, reference);
    };
    let first = &reference[..slash];
    if first.bytes().any(|b| b == b'.' || b == b':') || first == "localhost" {
        (Some(first), &reference[slash + 1..])
    } else {
        (None, reference)
    }
}

fn is_docker_hub(domain: Option<&str>) -> bool {
    matches!(domain, None | Some(DEFAULT_DOMAIN) | Some(LEGACY_DOMAIN))
}

/// `docker.io/library/nginx:1.25` → `nginx:1.25`; `docker.io/myorg/x:1` → `myorg/x:1`;
/// references on other registries are returned unchanged.
pub fn short_form(reference: &str) -> String {
    short_slice(reference).to_string()
}

/// The short form is always a tail of the reference, so it is borrowed.
fn short_slice(reference: &str) -> &str {
    let (domain, path) = split_domain(reference);
    if !is_docker_hub(domain) {
        return reference;
    }
    match path.strip_prefix(OFFICIAL_PREFIX) {
        // Tags and digests never hold `/`, so this tests the repository alone.
        Some(official) if !official.contains('/') => official,
        _ => path,
    }
}

/// `nginx:1.25` → `docker.io/library/nginx:1.25`; `myorg/x:1` → `docker.io/myorg/x:1`;
/// references on other registries are returned unchanged.
pub fn qualified_form(reference: &str) -> String {
    qualified_cow(reference).into_owned()
}

/// Writes the qualified form into `out` (cleared first), reusing its allocation, and returns the
/// short form: the matcher needs both for every name, from one look at the domain.
pub(crate) fn forms_into<'r>(reference: &'r str, out: &mut String) -> &'r str {
    out.clear();
    let (domain, path) = split_domain(reference);
    if reference.is_empty() || !is_docker_hub(domain) {
        out.push_str(reference);
        return reference;
    }
    out.push_str(DEFAULT_DOMAIN);
    out.push('/');
    let official = !path.contains('/');
    if official {
        out.push_str(OFFICIAL_PREFIX);
    }
    out.push_str(path);
    match path.strip_prefix(OFFICIAL_PREFIX) {
        // Tags and digests never hold `/`, so this tests the repository alone.
        Some(rest) if !rest.contains('/') => rest,
        _ => path,
    }
}

/// The qualified form, borrowed when the reference already is one (matching runs on every name).
pub(crate) fn qualified_cow(reference: &str) -> Cow<'_, str> {
    if reference.is_empty() {
        return Cow::Borrowed(reference);
    }
    let (domain, path) = split_domain(reference);
    if !is_docker_hub(domain) {
        return Cow::Borrowed(reference);
    }
    let official = if path.contains('/') {
        ""
    } else {
        OFFICIAL_PREFIX
    };
    let mut qualified =
        String::with_capacity(DEFAULT_DOMAIN.len() + 1 + official.len() + path.len());
    qualified.push_str(DEFAULT_DOMAIN);
    qualified.push('/');
    qualified.push_str(official);
    qualified.push_str(path);
    Cow::Owned(qualified)
}

/// A pattern as Docker normalises names (§3): `docker.io/nginx:*`,
/// `index.docker.io/library/nginx:*` and `library/nginx:*` all become
/// `docker.io/library/nginx:*`, which the qualified form of `nginx:1.25` matches. With wildcards
/// in the repository, its literal start is normalised as a name's would be (`library/*`,
/// `index.docker.io/*`, `library/zh*`); a pattern that begins with a wildcard, or whose first
/// component holds one, is left as written and tried against both forms of every name.
pub(crate) fn normalise_pattern(pattern: &str) -> Cow<'_, str> {
    let repository = repository_of(pattern);
    if repository.is_empty() {
        return Cow::Borrowed(pattern);
    }
    if !has_wildcard(repository) {
        return match qualified_cow(repository) {
            Cow::Owned(mut qualified) if qualified != repository => {
                qualified.push_str(&pattern[repository.len()..]);
                Cow::Owned(qualified)
            }
            _ => Cow::Borrowed(pattern),
        };
    }
    let literal = &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())];
    let Some(slash) = literal.find('/') else {
        return Cow::Borrowed(pattern);
    };
    let (first, rest) = (&pattern[..slash], &pattern[slash + 1..]);
    let domain = first.contains(['.', ':']) || first == "localhost";
    if !domain {
        // `library/*`, `myorg/app*`: a Docker Hub path.
        return Cow::Owned(format!("{DEFAULT_DOMAIN}/{pattern}"));
    }
    if !is_docker_hub(Some(first)) {
        return Cow::Borrowed(pattern);
    }
    // `docker.io/ngin?:1` names an official image; `index.docker.io/*` every Docker Hub name.
    let official = !rest.starts_with(['*', '?']) && !repository_of(rest).contains('/');
    let library = if official { OFFICIAL_PREFIX } else { "" };
    let normal = format!("{DEFAULT_DOMAIN}/{library}{rest}");
    if normal == pattern {
        Cow::Borrowed(pattern)
    } else {
        Cow::Owned(normal)
    }
}

/// Docker Hub's host written in another case (`Docker.io`): Docker does not take it for Docker
/// Hub, so a pattern with it matches no reference.
pub(crate) fn miscased_docker_hub(pattern: &str) -> Option<&str> {
    let (first, _) = pattern.split_once('/')?;
    let hub = [DEFAULT_DOMAIN, LEGACY_DOMAIN]
        .into_iter()
        .find(|hub| first.eq_ignore_ascii_case(hub) && first != *hub)?;
    Some(hub)
}

/// The registry and repository part of a name: everything before its tag (`:` after the last
/// `/`) or digest (`@`).
pub fn repository_of(name: &str) -> &str {
    let before_digest = name.split_once('@').map_or(name, |(before, _)| before);
    let last_component = before_digest.rfind('/').map_or(0, |i| i + 1);
    match before_digest[last_component..].rfind(':') {
        Some(i) => &name[..last_component + i],
        None => before_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_drops_docker_hub_and_library() {
        assert_eq!(short_form("docker.io/library/nginx:1.25"), "nginx:1.25");
        assert_eq!(short_form("docker.io/myorg/x:1"), "myorg/x:1");
        assert_eq!(short_form("index.docker.io/library/nginx:1"), "nginx:1");
        assert_eq!(short_form("library/nginx:1"), "nginx:1");
        assert_eq!(short_form("nginx:1.25"), "nginx:1.25");
    }

    #[test]
    fn short_form_keeps_other_registries() {
        assert_eq!(short_form("127.0.0.1:5000/x:1"), "127.0.0.1:5000/x:1");
        assert_eq!(short_form("localhost/x:1"), "localhost/x:1");
        assert_eq!(
            short_form("registry.example.com/library/x:1"),
            "registry.example.com/library/x:1"
        );
    }

    #[test]
    fn qualified_form_adds_docker_hub_and_library() {
        assert_eq!(qualified_form("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(qualified_form("myorg/x:1"), "docker.io/myorg/x:1");
        assert_eq!(
            qualified_form("docker.io/nginx:1"),
            "docker.io/library/nginx:1"
        );
        assert_eq!(
            qualified_form("docker.io/library/nginx:1"),
            "docker.io/library/nginx:1"
        );
    }

    #[test]
    fn forms_into_agrees_with_both_forms() {
        let mut out = String::from("leftover");
        for r in [
            "",
            "nginx:1",
            "index.docker.io/x/y:1",
            "docker.io/library/nginx:1",
            "library/a/b:1",
            "localhost/x:1",
            "a@sha256:ab",
        ] {
            let short = forms_into(r, &mut out);
            assert_eq!(out, qualified_form(r), "{r}");
            assert_eq!(short, short_form(r), "{r}");
        }
    }

    #[test]
    fn qualified_form_keeps_other_registries() {
        for r in [
            "localhost:5000/x:1",
            "127.0.0.1:5000/x:1",
            "registry.example.com/x:1",
            "localhost/x:1",
        ] {
            assert_eq!(qualified_form(r), r);
        }
    }

    #[test]
    fn digests_are_carried_along() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            qualified_form(&format!("nginx@{digest}")),
            format!("docker.io/library/nginx@{digest}")
        );
        assert_eq!(
            short_form(&format!("docker.io/library/nginx@{digest}")),
            format!("nginx@{digest}")
        );
    }

    #[test]
    fn literal_docker_hub_repositories_are_normalised_in_patterns() {
        for p in [
            "docker.io/nginx:*",
            "index.docker.io/library/nginx:*",
            "library/nginx:*",
            "nginx:*",
            "docker.io/library/nginx:*",
        ] {
            assert_eq!(normalise_pattern(p), "docker.io/library/nginx:*", "{p}");
        }
        assert_eq!(
            normalise_pattern("library/nginx@sha256:ab"),
            "docker.io/library/nginx@sha256:ab"
        );
        assert_eq!(
            normalise_pattern("nginx:1@sha256:ab"),
            "docker.io/library/nginx:1@sha256:ab"
        );
        for (pattern, normal) in [
            ("library/*", "docker.io/library/*"),
            ("library/zh*", "docker.io/library/zh*"),
            ("index.docker.io/*", "docker.io/*"),
            ("index.docker.io/library/*", "docker.io/library/*"),
            ("docker.io/ngin?:1", "docker.io/library/ngin?:1"),
            ("myorg/app*", "docker.io/myorg/app*"),
        ] {
            assert_eq!(normalise_pattern(pattern), normal, "{pattern}");
        }
        for unchanged in [
            "*",
            "docker.io/*",
            "image1.*",
            "127.0.0.1:5000/app:*",
            "localhost/app:1",
            "*:latest",
        ] {
            assert_eq!(normalise_pattern(unchanged), unchanged);
        }
    }

    #[test]
    fn the_repository_ends_at_the_tag_or_digest() {
        assert_eq!(repository_of("127.0.0.1:5000/app:1"), "127.0.0.1:5000/app");
        assert_eq!(repository_of("app@sha256:ab"), "app");
        assert_eq!(repository_of("app:1@sha256:ab"), "app");
        assert_eq!(repository_of("myorg/app"), "myorg/app");
        assert_eq!(repository_of("localhost:5000/a"), "localhost:5000/a");
    }

    #[test]
    fn a_colon_without_slash_is_a_tag_not_a_port() {
        assert_eq!(qualified_form("x:1"), "docker.io/library/x:1");
    }
}

//! The two spellings of one reference: the short form the Docker CLI shows and
//! the fully qualified form. Rules are tried against both.

use std::borrow::Cow;

const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy name Docker still normalises to `docker.io`.
const LEGACY_DOMAIN: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";

/// Splits off a registry domain, which Docker recognises by a `.` or `:` or
/// by being `localhost`, and only when a `/` follows it.
fn split_domain(reference: &str) -> (Option<&str>, &str) {
    match reference.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, reference),
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

/// The short form is always a tail of the reference, so matching borrows it.
pub(crate) fn short_slice(reference: &str) -> &str {
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
    fn a_colon_without_slash_is_a_tag_not_a_port() {
        assert_eq!(qualified_form("x:1"), "docker.io/library/x:1");
    }
}

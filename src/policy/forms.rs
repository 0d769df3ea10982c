//! The two spellings of one reference: the short form the Docker CLI shows and
//! the fully qualified form. Rules are tried against both.

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
    let (domain, path) = split_domain(reference);
    if !is_docker_hub(domain) {
        return reference.to_string();
    }
    match path.strip_prefix(OFFICIAL_PREFIX) {
        // Tags and digests never hold `/`, so this tests the repository alone.
        Some(official) if !official.contains('/') => official.to_string(),
        _ => path.to_string(),
    }
}

/// `nginx:1.25` → `docker.io/library/nginx:1.25`; `myorg/x:1` → `docker.io/myorg/x:1`;
/// references on other registries are returned unchanged.
pub fn qualified_form(reference: &str) -> String {
    if reference.is_empty() {
        return String::new();
    }
    let (domain, path) = split_domain(reference);
    if !is_docker_hub(domain) {
        return reference.to_string();
    }
    if path.contains('/') {
        format!("{DEFAULT_DOMAIN}/{path}")
    } else {
        format!("{DEFAULT_DOMAIN}/{OFFICIAL_PREFIX}{path}")
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

//! Docker's reference grammar (distribution/reference), extended with the
//! wildcards of §3: `image_name` is checked piece by piece — registry, path
//! components, tag, digest — and pieces holding a wildcard are checked only
//! as far as a wildcard cannot make them valid.

use super::wildcard::{Token, has_wildcard, tokens};

const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;
const DIGEST_PREFIX: &str = "sha256:";
const DIGEST_HEX_LEN: usize = 64;

/// Checks one `image_name`; the error is a sentence that says how to fix it.
pub fn validate_pattern(image_name: &str) -> Result<(), String> {
    let name = image_name;
    if name.trim().is_empty() {
        return Err(
            "image_name is empty: write a reference such as `nginx:1.25`, or `*` for every image"
                .into(),
        );
    }
    check_characters(name)?;
    if let Some(hub) = super::forms::miscased_docker_hub(name) {
        let (first, rest) = name.split_once('/').unwrap_or((name, ""));
        return Err(format!(
            "`{name}` matches nothing: Docker takes `{first}` for a registry of that name, not Docker Hub, and lowercases none of it; write `{hub}/{rest}`"
        ));
    }
    if name.contains("::") && !name.contains('[') {
        let fixed = name.replace("::", ":");
        return Err(format!(
            "`{name}`: `::` is not valid in an image name; one `:` separates the tag (`{fixed}`)"
        ));
    }
    let (before_digest, digest) = split_digest(name)?;
    if let Some(digest) = digest {
        check_digest(name, digest)?;
    }
    let (repository, tag) = split_tag(before_digest);
    if let Some(tag) = tag {
        check_tag(name, tag)?;
    }
    check_repository(
        name,
        repository,
        tag.map_or(0, |t| t.len() + 1) + digest.map_or(0, |d| d.len() + 1),
    )?;
    if !has_wildcard(name) && tag.is_none() && digest.is_none() {
        return Err(format!(
            "`{name}` has no tag or digest: write `{name}:TAG` for one tag, `{name}@sha256:…` for one digest, or `{name}:*` for every tag"
        ));
    }
    Ok(())
}

fn check_characters(name: &str) -> Result<(), String> {
    if name.chars().any(char::is_whitespace) {
        return Err(format!("`{name}` contains a space; image names have none"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/:@*?[]".contains(c);
    match name.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(format!(
            "`{name}` contains `{}`, which cannot appear in an image name",
            c.escape_default()
        )),
        None => Ok(()),
    }
}

fn split_digest(name: &str) -> Result<(&str, Option<&str>), String> {
    match name.split_once('@') {
        None => Ok((name, None)),
        Some((_, digest)) if digest.contains('@') => Err(format!(
            "`{name}` has more than one `@`; only one digest can follow the name"
        )),
        Some(("", _)) => Err(format!(
            "`{name}` has nothing before `@`: write the repository first, e.g. `nginx@sha256:…`"
        )),
        Some((before, digest)) => Ok((before, Some(digest))),
    }
}

fn check_digest(name: &str, digest: &str) -> Result<(), String> {
    let complete = digest.strip_prefix(DIGEST_PREFIX).is_some_and(|hex| {
        hex.len() == DIGEST_HEX_LEN && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    let plausible = has_wildcard(digest)
        && digest
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || "*?:.".contains(c));
    if complete || plausible {
        Ok(())
    } else {
        Err(format!(
            "`{name}`: `{digest}` is not a digest; write `sha256:` followed by 64 lowercase hex digits"
        ))
    }
}

/// The tag is what follows the last `:` after the last `/` (a `:` before a
/// `/` is a registry port).
fn split_tag(before_digest: &str) -> (&str, Option<&str>) {
    let last_component = before_digest.rfind('/').map_or(0, |i| i + 1);
    match before_digest[last_component..].rfind(':') {
        Some(i) => {
            let colon = last_component + i;
            (&before_digest[..colon], Some(&before_digest[colon + 1..]))
        }
        None => (before_digest, None),
    }
}

fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

fn check_tag(name: &str, tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err(format!(
            "`{name}` has an empty tag after `:`; write a tag, or `:*` for every tag"
        ));
    }
    if !has_wildcard(tag) && tag.len() > MAX_TAG_LEN {
        return Err(format!(
            "`{name}`: the tag is longer than {MAX_TAG_LEN} characters"
        ));
    }
    let literal_ok = tag.chars().all(|c| is_tag_char(c) || c == '*' || c == '?');
    let starts_ok = tag
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == '?');
    if literal_ok && starts_ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}`: `{tag}` is not a valid tag; tags are letters, digits, `_`, `.` and `-`, and do not start with `.` or `-`"
        ))
    }
}

fn check_repository(name: &str, repository: &str, suffix_len: usize) -> Result<(), String> {
    if repository.is_empty() {
        return Err(format!(
            "`{name}` has no repository before the tag; write e.g. `nginx:1.25`, or `*:TAG` for any repository"
        ));
    }
    if !has_wildcard(repository) && repository.len() > MAX_NAME_LEN {
        return Err(format!(
            "`{name}`: the repository name is longer than {MAX_NAME_LEN} characters"
        ));
    }
    let mut components: Vec<&str> = repository.split('/').collect();
    if components.len() > 1 && looks_like_domain(components[0]) {
        check_domain(name, components.remove(0))?;
    }
    for component in components {
        check_path_component(name, repository, component, suffix_len)?;
    }
    Ok(())
}

fn looks_like_domain(first: &str) -> bool {
    first.contains(['.', ':', '[']) || first == "localhost"
}

fn check_domain(name: &str, domain: &str) -> Result<(), String> {
    let valid = if has_wildcard(domain) {
        domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]*?".contains(c))
    } else {
        is_host_and_port(domain)
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}`: `{domain}` is not a valid registry (host, or host:port)"
        ))
    }
}

fn is_host_and_port(domain: &str) -> bool {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        // IPv6 literal: `[::1]` or `[::1]:5000`
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let ipv6_ok =
            !inside.is_empty() && inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        if !ipv6_ok {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("ok", Some(port)),
                None => return false,
            },
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty() && host.split('.').all(is_domain_component);
    port_ok && host_ok
}

fn is_domain_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// `alnum+ (separator alnum+)*` with separator `.`, `_`, `__` or `-+`.
fn is_path_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    bytes
        .split(alnum)
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|b| *b == b'-'))
}

/// With wildcards, each literal stretch must fit inside some valid
/// component: pad it with a letter wherever a wildcard could supply one.
fn could_be_path_component(component: &str) -> bool {
    // Group the literals between wildcards (the `.*` idiom is a wildcard, not a dot).
    let mut stretches: Vec<String> = vec![String::new()];
    for token in tokens(component) {
        match token {
            Token::Literal(c) => stretches.last_mut().map_or((), |s| s.push(c)),
            Token::Star | Token::One => stretches.push(String::new()),
        }
    }
    let count = stretches.len();
    stretches.iter().enumerate().all(|(i, stretch)| {
        if stretch.is_empty() {
            return true;
        }
        let before = if i == 0 { "" } else { "a" };
        let after = if i + 1 == count { "" } else { "a" };
        is_path_component(&format!("{before}{stretch}{after}"))
    })
}

fn check_path_component(
    name: &str,
    repository: &str,
    component: &str,
    suffix_len: usize,
) -> Result<(), String> {
    if component.is_empty() {
        return Err(format!(
            "`{name}` has an empty path component (`//`, or a `/` at the start or end)"
        ));
    }
    if component.chars().any(|c| c.is_ascii_uppercase()) {
        let lowered = lowercase_repository(name, repository, suffix_len);
        return Err(format!(
            "`{name}`: repository names are lowercase; write `{lowered}`"
        ));
    }
    let valid = if has_wildcard(component) {
        could_be_path_component(component)
    } else {
        is_path_component(component)
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}`: `{component}` is not a valid repository path component; use lowercase letters and digits, separated by `.`, `_`, `__` or `-`"
        ))
    }
}

/// The name with its repository path lowercased, leaving the registry and
/// tag alone (those may hold capitals).
fn lowercase_repository(name: &str, repository: &str, suffix_len: usize) -> String {
    let path_start = match repository.split_once('/') {
        Some((first, _)) if looks_like_domain(first) => first.len() + 1,
        _ => 0,
    };
    let end = name.len().saturating_sub(suffix_len).max(path_start);
    format!(
        "{}{}{}",
        &name[..path_start],
        name[path_start..end].to_ascii_lowercase(),
        &name[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str) {
        assert_eq!(validate_pattern(name), Ok(()), "{name}");
    }

    fn err(name: &str, needle: &str) {
        match validate_pattern(name) {
            Ok(()) => panic!("{name} accepted"),
            Err(message) => assert!(message.contains(needle), "{name}: {message}"),
        }
    }

    #[test]
    fn accepts_complete_references() {
        ok("nginx:1.25");
        ok("myorg/image1:0.0.1");
        ok("docker.io/library/nginx:latest");
        ok("127.0.0.1:5000/app:1");
        ok("localhost:5000/a/b/c:v1");
        ok("[::1]:5000/app:1");
        ok("my-org/app_x__y.z:1_A.b-c");
        ok(&format!("repo@sha256:{}", "0123456789abcdef".repeat(4)));
        ok(&format!("repo:1@sha256:{}", "f".repeat(64)));
        ok("Registry.Example.com/app:TAG");
    }

    #[test]
    fn accepts_wildcards_anywhere() {
        for p in [
            "*",
            ".*",
            "?",
            "image1.*",
            "*:latest",
            "myorg/*",
            "nginx:*",
            "*/app:1",
            "app-*:1",
            "127.0.0.1:5000/app:*",
            "repo@sha256:*",
            "docker.io/library/nginx:*",
            "a?c:1",
        ] {
            ok(p);
        }
    }

    #[test]
    fn a_name_without_wildcard_needs_a_tag_or_digest() {
        err("image1", "`image1:TAG`");
        err("image1", "`image1:*`");
        err("image1", "`image1@sha256:…`");
        err("localhost:5000/app", "no tag or digest");
    }

    #[test]
    fn rejects_bad_grammar_with_a_specific_reason() {
        err("", "empty");
        err("   ", "empty");
        err("MyOrg/app:1", "lowercase; write `myorg/app:1`");
        err("Registry.io/MyApp:TAG", "write `Registry.io/myapp:TAG`");
        err("Image*", "lowercase");
        err("foo::bar", "`::`");
        err("my app:1", "space");
        err("app:1\t", "space");
        err("app:1!", "`!`");
        err("a//b:1", "empty path component");
        err("/a:1", "empty path component");
        err("a/:1", "empty path component");
        err("app:", "empty tag");
        err("app:.x", "not a valid tag");
        err(&format!("app:{}", "x".repeat(129)), "longer than 128");
        err("app@sha256:abc", "not a digest");
        err(&format!("app@sha256:{}", "A".repeat(64)), "not a digest");
        err("a@b@c", "more than one `@`");
        err("@sha256:x*", "nothing before `@`");
        err(":1", "no repository");
        err("-app:1", "not a valid repository path component");
        err("a..b:1", "not a valid repository path component");
        err("a...*", "not a valid repository path component");
        ok("a..*");
        err("bad_host.:5000/app:1", "not a valid registry");
        err("host.io:port/app:1", "not a valid registry");
        err(&format!("{}:1", "a".repeat(256)), "longer than 255");
    }

    #[test]
    fn path_components_follow_the_separator_rules() {
        assert!(is_path_component("a"));
        assert!(is_path_component("a.b_c__d---e"));
        assert!(!is_path_component("a___b"));
        assert!(!is_path_component("a._b"));
        assert!(!is_path_component("a-"));
        assert!(could_be_path_component("a-*"));
        assert!(could_be_path_component("*_x"));
        assert!(!could_be_path_component("*__-x"));
        assert!(!could_be_path_component("-*"));
    }
}

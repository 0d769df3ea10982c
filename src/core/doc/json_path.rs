//! Human-readable JSON paths such as `image_policy.removal[1].image_name`.

use std::fmt::Write;

/// Appends `.key`, or `["key"]` when the key would not read as one identifier.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    let mut path = parent.to_string();
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        let _ = write!(path, "[{quoted}]");
    }
    path
}

/// Appends `[index]`.
pub(crate) fn element(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_dotted_paths_with_indices() {
        let rule = element(&child("image_policy", "removal"), 1);
        assert_eq!(
            child(&rule, "delete_after_minutes"),
            "image_policy.removal[1].delete_after_minutes"
        );
    }

    #[test]
    fn quotes_keys_that_are_not_identifiers() {
        assert_eq!(child("a", "b c"), r#"a["b c"]"#);
        assert_eq!(child("", "x.y"), r#"["x.y"]"#);
    }
}

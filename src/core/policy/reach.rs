//! Patterns that reach further than they look: a `*` straight after a letter
//! or digit of the repository (`image1.*`, `myorg/app*`) also matches other
//! repositories that merely start the same way (`image10`, `myorg/apps`).

use super::wildcard::{Token, tokens};

/// The warning for `pattern`, if it has such a wildcard.
pub(crate) fn warn_reaches_further(pattern: &str) -> Option<String> {
    let tokens = tokens(pattern);
    let repository_end = repository_end(&tokens);
    let star = (1..repository_end).find(|&i| {
        tokens[i] == Token::Star
            && matches!(tokens[i - 1], Token::Literal(c) if c.is_ascii_alphanumeric())
    })?;
    let Token::Literal(before) = tokens[star - 1] else {
        return None;
    };
    let prefix = render(&tokens[..star]);
    // One more character glued on: a different repository the star also takes.
    let glued = if before.is_ascii_digit() { '0' } else { 's' };
    let mut example = format!(
        "{}{glued}{}",
        example_text(&tokens[..star]),
        example_text(&tokens[star + 1..])
    );
    if !has_tag_or_digest(&example) {
        example.push_str(":1");
    }
    let advice = if star + 1 == tokens.len() {
        format!("to match only the tags of `{prefix}`, write `{prefix}:*`")
    } else {
        "put a separator (`/`, `-`, `_`) before the wildcard if that is not meant".to_string()
    };
    Some(format!(
        "`{pattern}` also matches `{example}`: the wildcard directly follows `{prefix}`; {advice}"
    ))
}

/// Index of the token that ends the repository: the tag's `:` (after the
/// last `/`) or the digest's `@`.
fn repository_end(tokens: &[Token]) -> usize {
    let at = tokens
        .iter()
        .position(|t| *t == Token::Literal('@'))
        .unwrap_or(tokens.len());
    let last_slash = tokens[..at]
        .iter()
        .rposition(|t| *t == Token::Literal('/'))
        .map_or(0, |i| i + 1);
    tokens[last_slash..at]
        .iter()
        .position(|t| *t == Token::Literal(':'))
        .map_or(at, |i| last_slash + i)
}

/// The pattern text of some tokens.
fn render(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Star => '*',
            Token::One => '?',
            Token::Literal(c) => *c,
        })
        .collect()
}

/// A concrete name some tokens match: stars empty, `?` a letter.
fn example_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Star => None,
            Token::One => Some('x'),
            Token::Literal(c) => Some(*c),
        })
        .collect()
}

fn has_tag_or_digest(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    last.contains([':', '@'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_star_after_a_name_gives_a_concrete_example_and_the_fix() {
        assert_eq!(
            warn_reaches_further("image1.*").unwrap(),
            "`image1.*` also matches `image10:1`: the wildcard directly follows `image1`; to match only the tags of `image1`, write `image1:*`"
        );
    }

    #[test]
    fn star_after_a_letter() {
        let message = warn_reaches_further("myorg/app*").unwrap();
        assert!(message.contains("`myorg/apps:1`"), "{message}");
        assert!(message.contains("`myorg/app:*`"), "{message}");
    }

    #[test]
    fn keeps_the_rest_of_the_pattern_in_the_example() {
        let message = warn_reaches_further("image1*:latest").unwrap();
        assert!(message.contains("`image10:latest`"), "{message}");
        assert!(message.contains("separator"), "{message}");
    }

    #[test]
    fn separated_wildcards_and_tags_are_fine() {
        for p in [
            "*",
            "image1:*",
            "myorg/*",
            "myorg/app-*",
            "nginx:1.*",
            "*:latest",
            "localhost:5000/*",
            "a@sha256:1*",
        ] {
            assert_eq!(warn_reaches_further(p), None, "{p}");
        }
    }
}

//! The pattern language: `*` any run of characters, `?` one character, the
//! regex idiom `.*` read as `*`, everything else literal.

/// One element of a pattern after reading the `.*` idiom.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Token {
    Star,
    One,
    Literal(char),
}

/// Splits a pattern into tokens. Consecutive stars collapse into one, so two
/// patterns that mean the same compare equal token by token. The `.*` idiom is read only in the
/// repository part or at the start of a tag: inside a tag or digest a dot is literal (`app:1.*`
/// is every tag `1.…`).
pub(crate) fn tokens(pattern: &str) -> Vec<Token> {
    let repository_end = super::forms::repository_of(pattern).len();
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let token = match c {
            // `.*` is how Open Horizon's examples write "anything": honour it.
            // A tag cannot begin with a dot, so `repo:.*` keeps the idiom too.
            '.' if (at < repository_end || at == repository_end + 1)
                && chars.peek().map(|(_, c)| *c) == Some('*') =>
            {
                chars.next();
                Token::Star
            }
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Literal(c),
        };
        if !(token == Token::Star && out.last() == Some(&Token::Star)) {
            out.push(token);
        }
    }
    out
}

pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// True for `*`, `.*` and the like: patterns that match every name, and the
/// only ones that match a dangling image.
pub(crate) fn matches_everything(pattern: &str) -> bool {
    tokens(pattern) == [Token::Star]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    #[test]
    fn dot_star_is_a_star_but_a_lone_dot_is_literal() {
        assert_eq!(tokens("a.*"), [Literal('a'), Star]);
        assert_eq!(tokens("a.b"), [Literal('a'), Literal('.'), Literal('b')]);
        assert_eq!(tokens("..*"), [Literal('.'), Star]);
    }

    #[test]
    fn stars_collapse() {
        assert_eq!(tokens("**.*"), [Star]);
        assert!(matches_everything(".*"));
        assert!(matches_everything("**"));
        assert!(!matches_everything("*?"));
    }
}

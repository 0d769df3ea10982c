//! Wildcard patterns compiled to bytes, and matching one against a whole name.

use super::wildcard::Token;

/// One element of a compiled wildcard pattern.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Byte {
    Star,
    /// One character (one to four bytes of UTF-8).
    One,
    Literal(u8),
}

pub(crate) fn bytes_of(glob: &[Token]) -> Vec<Byte> {
    let mut out = Vec::with_capacity(glob.len());
    for token in glob {
        match token {
            Token::Star => out.push(Byte::Star),
            Token::One => out.push(Byte::One),
            Token::Literal(c) => {
                let mut buffer = [0u8; 4];
                out.extend(c.encode_utf8(&mut buffer).bytes().map(Byte::Literal));
            }
        }
    }
    out
}

/// The longest run of literal bytes in a glob, if it has any.
pub(crate) fn longest_literal(glob: &[Byte]) -> Option<Vec<u8>> {
    glob.split(|t| !matches!(t, Byte::Literal(_)))
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
        .map(|run| {
            run.iter()
                .map(|t| match t {
                    Byte::Literal(b) => *b,
                    _ => unreachable!("split on every non-literal"),
                })
                .collect()
        })
}

/// Every wildcard pattern of a matcher, compiled into one contiguous arena (a name's candidates
/// are checked one after another, and scattered allocations would cost a cache miss each).
#[derive(Clone, Debug, Default)]
pub(crate) struct Globs {
    tokens: Vec<Byte>,
    spans: Vec<Span>,
}

/// Where one glob's tokens are, and the lengths of the literal runs it starts and ends with.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    len: usize,
    prefix: usize,
    suffix: usize,
}

impl Globs {
    /// Adds a glob; returns its index.
    pub(crate) fn push(&mut self, tokens: &[Byte]) -> u32 {
        let literal = |t: &&Byte| matches!(t, Byte::Literal(_));
        let prefix = tokens.iter().take_while(literal).count();
        // A glob made only of literals has no wildcard and is never compiled here; the `min`
        // keeps the two runs from overlapping all the same.
        let suffix = tokens
            .iter()
            .rev()
            .take_while(literal)
            .count()
            .min(tokens.len() - prefix);
        self.spans.push(Span {
            start: self.tokens.len(),
            len: tokens.len(),
            prefix,
            suffix,
        });
        self.tokens.extend_from_slice(tokens);
        (self.spans.len() - 1) as u32
    }

    pub(crate) fn tokens(&self, id: u32) -> &[Byte] {
        let span = self.spans[id as usize];
        &self.tokens[span.start..span.start + span.len]
    }

    /// The literal run the glob starts with, and the one it ends with (either may be empty).
    pub(crate) fn ends(&self, id: u32) -> (Vec<u8>, Vec<u8>) {
        let span = self.spans[id as usize];
        let tokens = self.tokens(id);
        let bytes = |run: &[Byte]| run.iter().filter_map(literal_byte).collect();
        (
            bytes(&tokens[..span.prefix]),
            bytes(&tokens[span.len - span.suffix..]),
        )
    }

    /// Whether the glob matches the whole name: its literal ends first (most candidates fail
    /// there), then the wildcards.
    pub(crate) fn matches(&self, id: u32, name: &[u8]) -> bool {
        let span = self.spans[id as usize];
        let tokens = self.tokens(id);
        let same = |run: &[Byte], bytes: &[u8]| {
            run.iter().zip(bytes).all(|(t, b)| *t == Byte::Literal(*b))
        };
        name.len() >= span.prefix + span.suffix
            && same(&tokens[..span.prefix], &name[..span.prefix])
            && same(
                &tokens[span.len - span.suffix..],
                &name[name.len() - span.suffix..],
            )
            && glob_matches(tokens, name)
    }
}

fn literal_byte(token: &Byte) -> Option<u8> {
    match token {
        Byte::Literal(b) => Some(*b),
        _ => None,
    }
}

/// Bytes in the UTF-8 character that starts with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Where the literal byte after a star (`glob[g]`, if it is one) next occurs from `n`: the star
/// can only end there. `Some(n)` when a wildcard follows the star; `None` when the byte does not
/// occur again, so the glob cannot match.
fn skip_to_literal(glob: &[Byte], g: usize, name: &[u8], n: usize) -> Option<usize> {
    match glob.get(g) {
        Some(Byte::Literal(b)) => memchr::memchr(*b, &name[n..]).map(|i| n + i),
        _ => Some(n),
    }
}

/// Whole-name match: `*` any run, `?` one character. Linear in practice: on a mismatch it only
/// moves the last star's anchor forward, straight to the next place the literal after the star
/// occurs.
fn glob_matches(glob: &[Byte], name: &[u8]) -> bool {
    let (mut g, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            // A star at the end takes whatever is left.
            Some(Byte::Star) if g + 1 == glob.len() => return true,
            Some(Byte::Star) => {
                let Some(at) = skip_to_literal(glob, g + 1, name, n) else {
                    return false;
                };
                star = Some((g, at));
                g += 1;
                n = at;
            }
            Some(Byte::One) => {
                g += 1;
                n += char_len(name[n]);
            }
            Some(Byte::Literal(b)) if *b == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((star_g, star_n)) if star_n < name.len() => {
                    let after = star_n + char_len(name[star_n]);
                    let Some(next) = skip_to_literal(glob, star_g + 1, name, after) else {
                        return false;
                    };
                    star = Some((star_g, next));
                    g = star_g + 1;
                    n = next;
                }
                _ => return false,
            },
        }
    }
    n == name.len() && glob[g..].iter().all(|t| *t == Byte::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::wildcard::tokens;

    fn glob(pattern: &str) -> (Globs, u32) {
        let mut globs = Globs::default();
        let id = globs.push(&bytes_of(&tokens(pattern)));
        (globs, id)
    }

    fn matches(pattern: &str, name: &[u8]) -> bool {
        let (globs, id) = glob(pattern);
        globs.matches(id, name)
    }

    #[test]
    fn ends_are_the_literal_runs() {
        let (globs, id) = glob("org1/*:latest");
        assert_eq!(globs.ends(id), (b"org1/".to_vec(), b":latest".to_vec()));
        let (globs, id) = glob("*");
        assert_eq!(globs.ends(id), (Vec::new(), Vec::new()));
    }

    #[test]
    fn stars_jump_to_the_next_literal_and_question_marks_take_characters() {
        assert!(matches("*:1*", b"registry.example.com/a/b:1.2"));
        assert!(!matches("*:1*", b"registry.example.com/a/b:2.1"));
        assert!(matches("a*b*c", b"aXbYbZc"));
        assert!(!matches("a*b*c", b"aXbYbZ"));
        assert!(matches("x:?", "x:é".as_bytes()));
        assert!(!matches("a*a", b"a"));
        assert!(matches("*", b""));
    }
}

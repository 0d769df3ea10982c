//! Matching names against every rule's pattern, fast with thousands of rules.
//!
//! A name can only match a wildcard pattern if it contains the pattern's longest literal run, so
//! one Aho-Corasick pass over the name finds the few candidate patterns, and only those are
//! checked in full. Patterns without wildcards are a hash lookup. Identical patterns are kept
//! once. (A single `RegexSet` over all patterns was the first design; with 1,000 rules its lazy
//! DFA kept building states for every new name: 38 ms for 10,000 names.)

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

use super::forms::{qualified_cow, short_slice};
use super::wildcard::{Token, has_wildcard, matches_everything, tokens};

/// Matches references against a list of patterns (§3).
#[derive(Clone, Debug)]
pub struct Matcher {
    /// Patterns without a wildcard, by their text: a name matches when one of its forms is equal.
    exact: HashMap<String, Vec<usize>>,
    /// Distinct wildcard patterns as tokens, and the rule indices that share each.
    globs: Vec<Vec<Token>>,
    glob_rules: Vec<Vec<usize>>,
    /// The longest literal run of each glob that has one; `literal_globs[k]` are the globs whose
    /// run is literal `k`.
    literals: Option<AhoCorasick>,
    literal_globs: Vec<Vec<usize>>,
    /// Globs made only of wildcards (`*`, `?*`): tried against every name.
    bare_globs: Vec<usize>,
    /// Indices of patterns that match everything, the only ones that match a dangling image.
    match_all: Vec<usize>,
    len: usize,
}

impl Matcher {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Matcher {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut glob_ids: HashMap<Vec<Token>, usize> = HashMap::new();
        let mut globs = Vec::new();
        let mut glob_rules: Vec<Vec<usize>> = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            if !has_wildcard(pattern) {
                exact.entry(pattern.to_string()).or_default().push(index);
                continue;
            }
            let glob = tokens(pattern);
            let id = *glob_ids.entry(glob.clone()).or_insert_with(|| {
                globs.push(glob);
                glob_rules.push(Vec::new());
                globs.len() - 1
            });
            glob_rules[id].push(index);
        }
        let mut literal_ids: HashMap<String, usize> = HashMap::new();
        let mut literal_globs: Vec<Vec<usize>> = Vec::new();
        let mut bare_globs = Vec::new();
        for (id, glob) in globs.iter().enumerate() {
            match longest_literal(glob) {
                Some(literal) => {
                    let next = literal_ids.len();
                    let k = *literal_ids.entry(literal).or_insert(next);
                    if k == literal_globs.len() {
                        literal_globs.push(Vec::new());
                    }
                    literal_globs[k].push(id);
                }
                None => bare_globs.push(id),
            }
        }
        let mut ordered = vec![String::new(); literal_ids.len()];
        for (literal, k) in literal_ids {
            ordered[k] = literal;
        }
        let literals = (!ordered.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&ordered)
                .expect("plain literal patterns always build")
        });
        let match_all = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| matches_everything(p.as_ref()))
            .map(|(i, _)| i)
            .collect();
        Matcher {
            exact,
            globs,
            glob_rules,
            literals,
            literal_globs,
            bare_globs,
            match_all,
            len: patterns.len(),
        }
    }

    /// Replaces `out` with the ascending indices of patterns matching the
    /// reference in its short or its fully qualified form.
    pub fn matches_into(&self, reference: &str, out: &mut Vec<usize>) {
        out.clear();
        let short = short_slice(reference);
        let qualified = qualified_cow(reference);
        let forms: &[&str] = if *qualified == *short {
            &[short]
        } else {
            &[short, &qualified]
        };
        for form in forms {
            if let Some(rules) = self.exact.get(*form) {
                out.extend_from_slice(rules);
            }
        }
        // Each form's characters, collected only if some glob needs a full check.
        let mut chars: Vec<Option<Vec<char>>> = vec![None; forms.len()];
        let mut check = |id: usize, matched: &mut Vec<usize>| {
            if matched.contains(&id) {
                return;
            }
            let glob = &self.globs[id];
            let hit = glob.as_slice() == [Token::Star]
                || forms.iter().zip(chars.iter_mut()).any(|(form, chars)| {
                    glob_matches(glob, chars.get_or_insert_with(|| form.chars().collect()))
                });
            if hit {
                matched.push(id);
            }
        };
        // Few globs match one name: a short list beats a flag per glob.
        let mut matched: Vec<usize> = Vec::new();
        for &id in &self.bare_globs {
            check(id, &mut matched);
        }
        // The short form is a tail of the qualified one: one pass over the longer finds the
        // literals of both.
        if let Some(literals) = &self.literals {
            for found in literals.find_overlapping_iter(forms[forms.len() - 1]) {
                for &id in &self.literal_globs[found.pattern().as_usize()] {
                    check(id, &mut matched);
                }
            }
        }
        for id in matched {
            out.extend_from_slice(&self.glob_rules[id]);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Replaces `out` with the indices of patterns that match a dangling
    /// image: only `*` (or its spelling `.*`).
    pub fn matches_dangling(&self, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.match_all);
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The longest run of literal characters in a glob, if it has any.
fn longest_literal(glob: &[Token]) -> Option<String> {
    glob.split(|t| !matches!(t, Token::Literal(_)))
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
        .map(|run| {
            run.iter()
                .map(|t| match t {
                    Token::Literal(c) => *c,
                    _ => unreachable!("split on every non-literal"),
                })
                .collect()
        })
}

/// Whole-name match: `*` any run, `?` one character. Linear in practice: on a mismatch it only
/// moves the last star's anchor forward.
fn glob_matches(glob: &[Token], name: &[char]) -> bool {
    let (mut g, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            Some(Token::Star) => {
                star = Some((g, n));
                g += 1;
            }
            Some(Token::One) => {
                g += 1;
                n += 1;
            }
            Some(Token::Literal(c)) if *c == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((star_g, star_n)) => {
                    star = Some((star_g, star_n + 1));
                    g = star_g + 1;
                    n = star_n + 1;
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|t| *t == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matching(patterns: &[&str], reference: &str) -> Vec<usize> {
        let mut out = vec![99];
        Matcher::new(patterns).matches_into(reference, &mut out);
        out
    }

    #[test]
    fn star_crosses_separators_and_question_mark_is_one_character() {
        assert_eq!(matching(&["*"], "a/b:c@d"), [0]);
        assert_eq!(matching(&["nginx:1.2?"], "nginx:1.25"), [0]);
        assert_eq!(matching(&["nginx:1.2?"], "nginx:1.2"), Vec::<usize>::new());
    }

    #[test]
    fn indices_are_ascending_without_duplicates() {
        // pattern 1 matches both forms, pattern 0 only the qualified one
        let patterns = ["docker.io/library/nginx:*", "*nginx*", "other:*"];
        assert_eq!(matching(&patterns, "nginx:1"), [0, 1]);
    }

    #[test]
    fn every_character_but_the_wildcards_is_literal() {
        assert_eq!(matching(&["a+b(1)|[x]^$:*"], "a+b(1)|[x]^$:7"), [0]);
        assert!(matching(&["a+b:*"], "aab:1").is_empty());
        assert_eq!(matching(&["x*y*z"], "xaaayzbz"), [0]);
        assert!(matching(&["x*y*z"], "xaaayzb").is_empty());
        // Identical patterns are compiled once and reported for every rule.
        assert_eq!(matching(&["app:*", "app:*", "app:1"], "app:1"), [0, 1, 2]);
    }

    #[test]
    fn out_is_cleared() {
        assert!(matching(&["a:1"], "b:1").is_empty());
    }

    #[test]
    fn dangling_only_matches_bare_stars() {
        let m = Matcher::new(&["*", "*:*", ".*", "x:1"]);
        let mut out = vec![7];
        m.matches_dangling(&mut out);
        assert_eq!(out, [0, 2]);
    }

    #[test]
    fn empty_matcher() {
        let m = Matcher::new::<&str>(&[]);
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        let mut out = vec![1];
        m.matches_into("x:1", &mut out);
        assert!(out.is_empty());
    }
}

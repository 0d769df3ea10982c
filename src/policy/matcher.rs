//! Every rule's pattern compiled once into one `RegexSet`, so matching a
//! name costs one pass however many rules there are.

use regex::{Regex, RegexSet, RegexSetBuilder};

use super::forms::{qualified_form, short_form};
use super::wildcard::{matches_everything, to_regex};

/// Generous enough for thousands of long patterns; the default (10 MiB)
/// is hit at around a thousand rules.
const SIZE_LIMIT: usize = 1 << 30;
const DFA_SIZE_LIMIT: usize = 1 << 28;

#[derive(Clone, Debug)]
enum Compiled {
    Set(RegexSet),
    /// Only if the set cannot be built at all: one regex per pattern, and a
    /// pattern whose regex fails matches nothing rather than panicking.
    Each(Vec<Option<Regex>>),
}

/// Matches references against a list of patterns (§3).
#[derive(Clone, Debug)]
pub struct Matcher {
    compiled: Compiled,
    /// Indices of patterns that match everything, the only ones that match a dangling image.
    match_all: Vec<usize>,
    len: usize,
}

impl Matcher {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Matcher {
        let regexes: Vec<String> = patterns.iter().map(|p| to_regex(p.as_ref())).collect();
        let compiled = match RegexSetBuilder::new(&regexes)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(DFA_SIZE_LIMIT)
            .build()
        {
            Ok(set) => Compiled::Set(set),
            Err(_) => Compiled::Each(regexes.iter().map(|r| Regex::new(r).ok()).collect()),
        };
        let match_all = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| matches_everything(p.as_ref()))
            .map(|(i, _)| i)
            .collect();
        Matcher {
            compiled,
            match_all,
            len: patterns.len(),
        }
    }

    /// Replaces `out` with the ascending indices of patterns matching the
    /// reference in its short or its fully qualified form.
    pub fn matches_into(&self, reference: &str, out: &mut Vec<usize>) {
        out.clear();
        let short = short_form(reference);
        let qualified = qualified_form(reference);
        match &self.compiled {
            Compiled::Set(set) => {
                let a = set.matches(&short);
                if short == qualified {
                    out.extend(a.iter());
                } else {
                    let b = set.matches(&qualified);
                    out.extend((0..self.len).filter(|&i| a.matched(i) || b.matched(i)));
                }
            }
            Compiled::Each(each) => out.extend(each.iter().enumerate().filter_map(|(i, r)| {
                let r = r.as_ref()?;
                (r.is_match(&short) || r.is_match(&qualified)).then_some(i)
            })),
        }
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

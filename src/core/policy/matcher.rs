//! Matching names against every rule's pattern, fast with thousands of rules.
//!
//! A name can only match a wildcard pattern if it starts, ends or contains the pattern's literal
//! runs, so `Candidates` finds the few patterns worth trying for each name, and only those are
//! checked in full. Patterns without wildcards are a hash lookup. Identical patterns are kept
//! once, as one *group* of rules: the planner works with the few groups a name matches and
//! expands them to rule indices once per distinct set of groups, not once per name. (A single
//! `RegexSet` over all patterns was the first design; with 1,000 rules its lazy DFA kept building
//! states for every new name: 38 ms for 10,000 names.)
//!
//! Patterns are compiled in Docker's normal form (`docker.io/nginx:*` as
//! `docker.io/library/nginx:*`), so one lookup of a name's qualified form finds every exact
//! pattern. A pattern for every tag of a repository (`app:*`) also matches the repository's
//! digest names (`app@sha256:…`): a digest-only name is a version of `app` that lost its tag
//! (§11). Patterns and names are compared as bytes; `?` takes one whole character.

use std::collections::HashMap;

use super::candidates::Candidates;
use super::forms::{forms_into, normalise_pattern, qualified_cow};
use super::glob::{Globs, bytes_of};
use super::wildcard::{Token, has_wildcard, matches_everything, tokens};

/// Matches references against a list of patterns (§3).
#[derive(Clone, Debug)]
pub struct Matcher {
    /// Rule indices of each group: the rules sharing one pattern (or a digest alias of it).
    groups: Vec<Vec<usize>>,
    /// Patterns without a wildcard, in qualified form, by their text (looked up once per name:
    /// a fast hash).
    exact: foldhash::HashMap<String, u32>,
    /// Distinct wildcard patterns and the group each belongs to.
    globs: Globs,
    glob_groups: Vec<u32>,
    /// Finds the globs worth trying for a name.
    candidates: Candidates,
    /// Groups of the patterns that match everything, the only ones that match a dangling image.
    match_all: Vec<u32>,
    len: usize,
}

/// Buffers reused from one name to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    qualified: String,
    checked: Vec<u32>,
}

impl Matcher {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Matcher {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut exact: foldhash::HashMap<String, u32> = foldhash::HashMap::default();
        let mut glob_ids: HashMap<Vec<Token>, u32> = HashMap::new();
        let mut globs = Globs::default();
        let mut glob_groups: Vec<u32> = Vec::new();
        let mut match_all = Vec::new();
        let new_group = |groups: &mut Vec<Vec<usize>>| {
            groups.push(Vec::new());
            (groups.len() - 1) as u32
        };
        for (index, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            if !has_wildcard(pattern) {
                // A name without wildcards means the reference Docker resolves it to.
                let group = *exact
                    .entry(qualified_cow(pattern).into_owned())
                    .or_insert_with(|| new_group(&mut groups));
                groups[group as usize].push(index);
                continue;
            }
            let pattern = normalise_pattern(pattern);
            let glob = tokens(&pattern);
            let everything = matches_everything(&pattern);
            for glob in digest_alias(&glob).into_iter().chain([glob]) {
                let group = *glob_ids.entry(glob.clone()).or_insert_with(|| {
                    let group = new_group(&mut groups);
                    globs.push(&bytes_of(&glob));
                    glob_groups.push(group);
                    if everything {
                        match_all.push(group);
                    }
                    group
                });
                groups[group as usize].push(index);
            }
        }
        let candidates = Candidates::new(&globs, glob_groups.len() as u32);
        Matcher {
            groups,
            exact,
            globs,
            glob_groups,
            candidates,
            match_all,
            len: patterns.len(),
        }
    }

    /// Appends to `out` the groups whose pattern matches the reference in its short or its fully
    /// qualified form (unordered; a group may appear twice).
    pub fn groups_into(&self, reference: &str, scratch: &mut Scratch, out: &mut Vec<u32>) {
        let short = forms_into(reference, &mut scratch.qualified).as_bytes();
        let qualified = scratch.qualified.as_bytes();
        // Exact patterns are kept in qualified form: the form of every name they match.
        if let Some(&group) = self.exact.get(scratch.qualified.as_str()) {
            out.push(group);
        }
        let checked = &mut scratch.checked;
        checked.clear();
        let mut check = |id: u32, out: &mut Vec<u32>| {
            if checked.contains(&id) {
                return;
            }
            checked.push(id);
            let hit = self.globs.matches(id, qualified)
                || (short.len() != qualified.len() && self.globs.matches(id, short));
            if hit {
                out.push(self.glob_groups[id as usize]);
            }
        };
        self.candidates.each(qualified, short, |id| check(id, out));
    }

    /// The groups that match a dangling image: those of `*` (or its spelling `.*`).
    pub fn dangling_groups(&self) -> &[u32] {
        &self.match_all
    }

    /// The rule indices (ascending) of one group.
    pub fn group(&self, group: u32) -> &[usize] {
        &self.groups[group as usize]
    }

    /// Replaces `out` with the ascending indices of patterns matching the
    /// reference in its short or its fully qualified form.
    pub fn matches_into(&self, reference: &str, out: &mut Vec<usize>) {
        let mut groups = Vec::new();
        self.groups_into(reference, &mut Scratch::default(), &mut groups);
        self.expand(&groups, out);
    }

    /// Replaces `out` with the indices of patterns that match a dangling
    /// image: only `*` (or its spelling `.*`).
    pub fn matches_dangling(&self, out: &mut Vec<usize>) {
        self.expand(&self.match_all, out);
    }

    /// Replaces `out` with the ascending rule indices of some groups.
    pub fn expand(&self, groups: &[u32], out: &mut Vec<usize>) {
        out.clear();
        for &group in groups {
            out.extend_from_slice(self.group(group));
        }
        out.sort_unstable();
        out.dedup();
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// For `REPO:*` (every tag of one repository), the glob `REPO@*` of its digest names.
fn digest_alias(glob: &[Token]) -> Option<Vec<Token>> {
    let [repository @ .., Token::Literal(':'), Token::Star] = glob else {
        return None;
    };
    // A repository ending in a wildcard (`*:*`) already reaches the digest names.
    matches!(repository.last(), Some(Token::Literal(_))).then(|| {
        let mut alias = repository.to_vec();
        alias.extend([Token::Literal('@'), Token::Star]);
        alias
    })
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
        assert_eq!(matching(&["x:?"], "x:é"), [0]);
        assert_eq!(matching(&["x:*é"], "x:aé"), [0]);
        assert!(matching(&["x:??"], "x:é").is_empty());
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
    fn docker_hub_spellings_match_the_short_name() {
        for pattern in [
            "docker.io/nginx:*",
            "index.docker.io/library/nginx:*",
            "library/nginx:*",
            "docker.io/library/nginx:1.25",
            "library/nginx:1.25",
        ] {
            assert_eq!(matching(&[pattern], "nginx:1.25"), [0], "{pattern}");
        }
        assert!(matching(&["docker.io/nginx:*"], "myorg/nginx:1").is_empty());
    }

    #[test]
    fn every_tag_of_a_repository_includes_its_digest_names() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(matching(&["app:*"], &format!("app@{digest}")), [0]);
        assert_eq!(
            matching(&["nginx:*"], &format!("docker.io/library/nginx@{digest}")),
            [0]
        );
        assert!(matching(&["app:1*"], &format!("app@{digest}")).is_empty());
        assert!(matching(&["app:*"], &format!("apps@{digest}")).is_empty());
        assert_eq!(
            matching(&[&format!("app@{digest}")], &format!("app@{digest}")),
            [0]
        );
    }

    #[test]
    fn groups_are_shared_by_identical_patterns() {
        let m = Matcher::new(&["a:*", "b:1", "a:*", "library/b:1"]);
        let mut groups = Vec::new();
        m.groups_into("b:1", &mut Scratch::default(), &mut groups);
        assert_eq!(groups.len(), 1);
        assert_eq!(m.group(groups[0]), [1, 3]);
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

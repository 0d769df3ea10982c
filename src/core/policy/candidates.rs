//! Which wildcard patterns a name could match, found without trying them all.
//!
//! Almost every pattern starts or ends with a literal run (`myorg/*`, `registry.example.com/*`,
//! `*:latest`), and a name can only match it if the name starts or ends with that run. So the
//! patterns are indexed in two tries, one over their leading runs and one over their trailing
//! runs reversed, and a name walks each trie from its start and from its end: a walk stops as
//! soon as the name leaves every run, after a few bytes for most names. The few patterns with
//! wildcards at both ends (`*nginx*`) are found by their longest inner run, with a SIMD substring
//! search when they are few and one Aho-Corasick pass when they are many. (One Aho-Corasick pass
//! over every name for every pattern, overlapping matches included, was the design before: with
//! 1,000 rules it was a third of the planner's time.)

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use memchr::memmem::Finder;

use super::glob::{Globs, longest_literal};

/// Up to this many distinct inner runs are searched one by one (SIMD); beyond, one automaton.
const FEW_INNER: usize = 8;

#[derive(Clone, Debug)]
pub(crate) struct Candidates {
    starts: Trie,
    ends: Trie,
    inner: Inner,
    /// Globs made only of wildcards (`*`, `?*`): candidates for every name.
    bare: Vec<u32>,
}

#[derive(Clone, Debug)]
enum Inner {
    Few(Vec<(Finder<'static>, Vec<u32>)>),
    Many(AhoCorasick, Vec<Vec<u32>>),
}

impl Candidates {
    /// Indexes the globs.
    pub(crate) fn new(globs: &Globs, count: u32) -> Candidates {
        let mut starts = TrieBuilder::default();
        let mut ends = TrieBuilder::default();
        let mut inner: Vec<(Vec<u8>, Vec<u32>)> = Vec::new();
        let mut bare = Vec::new();
        for id in 0..count {
            let (prefix, suffix) = globs.ends(id);
            if !prefix.is_empty() {
                starts.insert(prefix.into_iter(), id);
            } else if !suffix.is_empty() {
                ends.insert(suffix.into_iter().rev(), id);
            } else if let Some(run) = longest_literal(globs.tokens(id)) {
                match inner.iter_mut().find(|(literal, _)| *literal == run) {
                    Some((_, ids)) => ids.push(id),
                    None => inner.push((run, vec![id])),
                }
            } else {
                bare.push(id);
            }
        }
        let inner = if inner.len() <= FEW_INNER {
            Inner::Few(
                inner
                    .into_iter()
                    .map(|(run, ids)| (Finder::new(&run).into_owned(), ids))
                    .collect(),
            )
        } else {
            let (runs, ids): (Vec<Vec<u8>>, Vec<Vec<u32>>) = inner.into_iter().unzip();
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .prefilter(false)
                .build(&runs)
                .expect("plain literal runs always build");
            Inner::Many(automaton, ids)
        };
        Candidates {
            starts: starts.build(),
            ends: ends.build(),
            inner,
            bare,
        }
    }

    /// Calls `found` with every glob a name could match, given its qualified form and its short
    /// form (a tail of the qualified one). A glob may be reported more than once.
    pub(crate) fn each(&self, qualified: &[u8], short: &[u8], mut found: impl FnMut(u32)) {
        for &id in &self.bare {
            found(id);
        }
        self.starts.walk(qualified.iter().copied(), &mut found);
        if short.len() != qualified.len() {
            self.starts.walk(short.iter().copied(), &mut found);
        }
        // Both forms end alike.
        self.ends.walk(qualified.iter().rev().copied(), &mut found);
        match &self.inner {
            Inner::Few(finders) => {
                for (finder, ids) in finders {
                    if finder.find(qualified).is_some() {
                        for &id in ids {
                            found(id);
                        }
                    }
                }
            }
            Inner::Many(automaton, ids) => {
                for hit in automaton.find_overlapping_iter(qualified) {
                    for &id in &ids[hit.pattern().as_usize()] {
                        found(id);
                    }
                }
            }
        }
    }
}

/// A byte trie whose nodes hold the globs whose run ends there, laid out in three flat arrays
/// (a walk touches few cache lines).
#[derive(Clone, Debug)]
struct Trie {
    nodes: Vec<Node>,
    /// (byte, child) of every node, each node's sorted by byte.
    edges: Vec<(u8, u32)>,
    globs: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    edges: (u32, u32),
    globs: (u32, u32),
}

impl Trie {
    /// Follows `bytes` from the root as far as the trie goes, reporting the globs on the way.
    fn walk(&self, bytes: impl Iterator<Item = u8>, found: &mut impl FnMut(u32)) {
        let mut node = self.nodes[0];
        for byte in bytes {
            let edges = &self.edges[node.edges.0 as usize..node.edges.1 as usize];
            // Below the first few bytes most nodes have one way on.
            let next = match edges {
                [(only, child)] if *only == byte => *child,
                [_] => return,
                _ => match edges.binary_search_by_key(&byte, |e| e.0) {
                    Ok(i) => edges[i].1,
                    Err(_) => return,
                },
            };
            node = self.nodes[next as usize];
            for &id in &self.globs[node.globs.0 as usize..node.globs.1 as usize] {
                found(id);
            }
        }
    }
}

/// A trie while it is built: a node per allocation, flattened by `build`.
#[derive(Debug)]
struct TrieBuilder {
    nodes: Vec<BuildNode>,
}

/// A node's (byte, child) edges, sorted by byte, and its globs.
type BuildNode = (Vec<(u8, u32)>, Vec<u32>);

impl Default for TrieBuilder {
    fn default() -> Self {
        TrieBuilder {
            nodes: vec![(Vec::new(), Vec::new())],
        }
    }
}

impl TrieBuilder {
    fn insert(&mut self, run: impl Iterator<Item = u8>, glob: u32) {
        let mut node = 0;
        for byte in run {
            node = match self.nodes[node].0.binary_search_by_key(&byte, |e| e.0) {
                Ok(i) => self.nodes[node].0[i].1 as usize,
                Err(i) => {
                    let child = self.nodes.len();
                    self.nodes.push((Vec::new(), Vec::new()));
                    self.nodes[node].0.insert(i, (byte, child as u32));
                    child
                }
            };
        }
        self.nodes[node].1.push(glob);
    }

    fn build(self) -> Trie {
        let mut trie = Trie {
            nodes: Vec::with_capacity(self.nodes.len()),
            edges: Vec::new(),
            globs: Vec::new(),
        };
        for (edges, globs) in self.nodes {
            let edge_start = trie.edges.len() as u32;
            trie.edges.extend(edges);
            let glob_start = trie.globs.len() as u32;
            trie.globs.extend(globs);
            trie.nodes.push(Node {
                edges: (edge_start, trie.edges.len() as u32),
                globs: (glob_start, trie.globs.len() as u32),
            });
        }
        trie
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::glob::bytes_of;
    use crate::core::policy::wildcard::tokens;

    fn candidates(patterns: &[&str], name: &str) -> Vec<u32> {
        let mut globs = Globs::default();
        for pattern in patterns {
            globs.push(&bytes_of(&tokens(pattern)));
        }
        let mut out = Vec::new();
        let qualified = crate::core::policy::qualified_form(name);
        let short = crate::core::policy::short_form(name);
        Candidates::new(&globs, patterns.len() as u32).each(
            qualified.as_bytes(),
            short.as_bytes(),
            |id| out.push(id),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn leading_trailing_and_inner_runs_and_bare_stars() {
        let patterns = ["myorg/*", "*:latest", "*nginx*", "*", "other/*", "*:1.0"];
        assert_eq!(candidates(&patterns, "myorg/app:latest"), [0, 1, 3]);
        assert_eq!(candidates(&patterns, "nginx:1.0"), [2, 3, 5]);
        assert_eq!(candidates(&patterns, "x/y:2"), [3]);
    }

    #[test]
    fn the_short_form_is_walked_too() {
        // `myorg/*` starts the short form of docker.io/myorg/app:1, not its qualified form.
        assert_eq!(candidates(&["myorg/*"], "docker.io/myorg/app:1"), [0]);
        assert_eq!(
            candidates(&["docker.io/library/*"], "nginx:1"),
            [0],
            "and the qualified one"
        );
    }

    #[test]
    fn many_inner_runs_use_one_automaton() {
        let patterns: Vec<String> = (0..20).map(|i| format!("*x{i}y*")).collect();
        let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
        assert_eq!(candidates(&patterns, "a/x7y:1"), [7]);
    }
}

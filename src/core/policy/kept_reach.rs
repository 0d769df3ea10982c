//! Removal rules a keep rule leaves nothing to remove: a keep rule without `last` that matches
//! every name a removal rule matches. "Matches every name" is decided conservatively, as for
//! shadowed rules: the keep rule matches everything, the two patterns are the same (after
//! Docker's normalisation), or the removal rule has no wildcard and the keep rule matches its
//! name.

use std::collections::HashMap;

use super::document::{KeepRule, Rule};
use super::forms::normalise_pattern;
use super::keep::KeepSite;
use super::matcher::Matcher;
use super::rule::RuleSite;
use super::wildcard::{Token, has_wildcard, matches_everything, tokens};
use crate::core::doc::Report;

pub(crate) fn warn_kept_out_of_reach(
    report: &mut Report,
    rules: &[(Rule, RuleSite)],
    keep: &[(KeepRule, KeepSite)],
) {
    let keep_all: Vec<&(KeepRule, KeepSite)> =
        keep.iter().filter(|(k, _)| k.last.is_none()).collect();
    if keep_all.is_empty() {
        return;
    }
    let patterns: Vec<&str> = keep_all
        .iter()
        .map(|(k, _)| k.image_name.as_str())
        .collect();
    let coverage = Coverage::new(&patterns);
    let mut covering = Vec::new();
    for (rule, site) in rules {
        coverage.covering(&rule.image_name, &mut covering);
        if let Some(&k) = covering.first() {
            let (keeper, keep_site) = keep_all[k];
            report.warning(
                &site.path,
                site.offset,
                format!(
                    "never removes anything: keep rule {} (`{}`) keeps every image this rule (`{}`) matches; drop one of them, or give the keep rule a `last`",
                    keep_site.index + 1, keeper.image_name, rule.image_name
                ),
            );
        }
    }
}

/// Finds, among some patterns, those that cover a given pattern.
struct Coverage {
    matcher: Matcher,
    same_pattern: HashMap<Vec<Token>, Vec<usize>>,
    everything: Vec<usize>,
}

impl Coverage {
    fn new(patterns: &[&str]) -> Coverage {
        let mut same_pattern: HashMap<Vec<Token>, Vec<usize>> = HashMap::new();
        for (i, pattern) in patterns.iter().enumerate() {
            same_pattern
                .entry(tokens(&normalise_pattern(pattern)))
                .or_default()
                .push(i);
        }
        Coverage {
            matcher: Matcher::new(patterns),
            same_pattern,
            everything: (0..patterns.len())
                .filter(|&i| matches_everything(patterns[i]))
                .collect(),
        }
    }

    /// Replaces `out` with the ascending indices of the patterns that match every name
    /// `pattern` matches.
    fn covering(&self, pattern: &str, out: &mut Vec<usize>) {
        if has_wildcard(pattern) {
            out.clear();
            out.extend_from_slice(&self.everything);
            if let Some(same) = self.same_pattern.get(&tokens(&normalise_pattern(pattern))) {
                out.extend_from_slice(same);
            }
            out.sort_unstable();
            out.dedup();
        } else {
            self.matcher.matches_into(pattern, out);
        }
    }
}

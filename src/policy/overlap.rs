//! Duplicate rules, and rules another rule makes pointless: B is shadowed by
//! A when A matches every name B matches, removes no later (minutes ≤), and
//! applies at least as widely (A not agent-downloaded-only, or both are).
//! "Matches every name" is decided conservatively: A matches everything,
//! the two patterns are the same, or B has no wildcard and A matches B's name.

use std::collections::HashMap;

use super::document::Rule;
use super::matcher::Matcher;
use super::report::Report;
use super::rule::RuleSite;
use super::wildcard::{Token, has_wildcard, matches_everything, tokens};

pub(crate) fn warn_duplicates_and_shadows(report: &mut Report, rules: &[(Rule, RuleSite)]) {
    let patterns: Vec<&str> = rules.iter().map(|(r, _)| r.image_name.as_str()).collect();
    let matcher = Matcher::new(&patterns);
    let mut same_pattern: HashMap<Vec<Token>, Vec<usize>> = HashMap::new();
    for (i, pattern) in patterns.iter().enumerate() {
        same_pattern.entry(tokens(pattern)).or_default().push(i);
    }
    let everything: Vec<usize> = (0..rules.len())
        .filter(|&i| matches_everything(patterns[i]))
        .collect();

    let mut covering = Vec::new();
    for (b, (rule_b, site_b)) in rules.iter().enumerate() {
        if let Some((_, site_a)) = rules[..b].iter().find(|(a, _)| a == rule_b) {
            report.warning(
                &site_b.path,
                site_b.offset,
                format!(
                    "duplicate of rule [{}]: same pattern, minutes and agent-downloaded-only flag; remove one",
                    site_a.index
                ),
            );
            continue;
        }
        // Candidates whose pattern covers B's.
        if has_wildcard(&rule_b.image_name) {
            covering.clear();
            covering.extend_from_slice(&everything);
            covering.extend_from_slice(&same_pattern[&tokens(&rule_b.image_name)]);
            covering.sort_unstable();
        } else {
            matcher.matches_into(&rule_b.image_name, &mut covering);
        }
        let shadow = covering.iter().map(|&a| &rules[a]).find(|(rule_a, _)| {
            rule_a != rule_b
                && rule_a.delete_after_minutes <= rule_b.delete_after_minutes
                && (!rule_a.agent_downloaded_only || rule_b.agent_downloaded_only)
        });
        if let Some((rule_a, site_a)) = shadow {
            report.warning(
                &site_b.path,
                site_b.offset,
                format!(
                    "shadowed by rule [{}] (`{}`, {} min): it matches every image this rule (`{}`, {} min) matches and removes it at least as early, so this rule never decides anything",
                    site_a.index,
                    rule_a.image_name,
                    rule_a.delete_after_minutes,
                    rule_b.image_name,
                    rule_b.delete_after_minutes
                ),
            );
        }
    }
}

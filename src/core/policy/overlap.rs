//! Duplicate rules, and rules another rule makes pointless: B is shadowed by
//! A when A matches every name B matches, removes no later (minutes ≤), and
//! applies at least as widely (A not agent-downloaded-only, or both are).
//! "Matches every name" is decided conservatively: A matches everything,
//! the two patterns are the same, or B has no wildcard and A matches B's name.
//!
//! The warning names the first such A in policy order. Comparing every pair took seconds at
//! 10,000 rules and minutes at 100,000, so rules are grouped by pattern, and each group answers
//! "first rule with minutes below m" by a binary search over its running minimum, and "first
//! rule with minutes exactly m" from a table; a literal B finds the groups whose pattern
//! matches its name with one `Matcher` pass. The work is capped; past the cap the rest is not
//! checked, and a warning says so.

use std::collections::HashMap;

use super::document::Rule;
use super::matcher::Matcher;
use super::rule::RuleSite;
use super::wildcard::{Token, has_wildcard, tokens};
use crate::core::doc::Report;

/// How many (rule, candidate group) pairs the shadow check looks at, at most. Real policies
/// need a few per rule; only thousands of overlapping patterns come near.
pub(crate) const SHADOW_CHECK_BUDGET: usize = 2_000_000;

/// One finding about a rule, by index into the rule list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overlap {
    Duplicate {
        rule: usize,
        of: usize,
    },
    Shadowed {
        rule: usize,
        by: usize,
    },
    /// The budget ran out at this rule: it and the rules after it were not checked for shadows.
    Stopped {
        at: usize,
    },
}

pub(crate) fn warn_duplicates_and_shadows(report: &mut Report, rules: &[(Rule, RuleSite)]) {
    let plain: Vec<&Rule> = rules.iter().map(|(rule, _)| rule).collect();
    for overlap in find_overlaps(&plain, SHADOW_CHECK_BUDGET) {
        match overlap {
            Overlap::Duplicate { rule, of } => {
                let site = &rules[rule].1;
                report.warning(
                    &site.path,
                    site.offset,
                    format!(
                        "duplicate of rule {}: same pattern, minutes and agent-downloaded-only flag; remove one",
                        rules[of].1.index + 1
                    ),
                );
            }
            Overlap::Shadowed { rule, by } => {
                let ((rule_b, site_b), (rule_a, site_a)) = (&rules[rule], &rules[by]);
                report.warning(
                    &site_b.path,
                    site_b.offset,
                    format!(
                        "shadowed by rule {} (`{}`, {}): it matches every image this rule (`{}`, {}) matches and removes it at least as early, so this rule never decides anything",
                        site_a.index + 1,
                        rule_a.image_name,
                        crate::core::format::minutes(rule_a.delete_after_minutes),
                        rule_b.image_name,
                        crate::core::format::minutes(rule_b.delete_after_minutes)
                    ),
                );
            }
            Overlap::Stopped { at } => {
                let site = &rules[at].1;
                report.warning(
                    &site.path,
                    site.offset,
                    format!(
                        "too many overlapping patterns to check them all: this rule and the {} after it were not checked for being shadowed by another",
                        rules.len() - at - 1
                    ),
                );
            }
        }
    }
}

/// Every duplicate and shadowed rule, in rule order; near-linear in the number of rules.
pub(crate) fn find_overlaps(rules: &[&Rule], budget: usize) -> Vec<Overlap> {
    let groups = Groups::new(rules);
    let matcher = Matcher::new(&groups.patterns);
    let mut first_of: HashMap<&Rule, usize> = HashMap::new();
    let mut found = Vec::new();
    let mut candidates = Vec::new();
    let mut budget = budget;
    let mut checking_shadows = true;
    for (b, &rule_b) in rules.iter().enumerate() {
        if let Some(&a) = first_of.get(rule_b) {
            found.push(Overlap::Duplicate { rule: b, of: a });
            continue;
        }
        first_of.insert(rule_b, b);
        if !checking_shadows {
            continue;
        }
        // Groups whose pattern covers B's.
        candidates.clear();
        if has_wildcard(&rule_b.image_name) {
            candidates.push(groups.of_rule[b]);
            candidates.extend(groups.everything.filter(|&g| g != groups.of_rule[b]));
        } else {
            matcher.matches_into(&rule_b.image_name, &mut candidates);
        }
        if candidates.len() > budget {
            found.push(Overlap::Stopped { at: b });
            checking_shadows = false;
            continue;
        }
        budget -= candidates.len();
        let first = candidates
            .iter()
            .filter_map(|&g| groups.first_shadow(g, rule_b, rules))
            .min();
        if let Some(a) = first {
            found.push(Overlap::Shadowed { rule: b, by: a });
        }
    }
    found
}

/// Rules with the same pattern (token for token), and what each group needs to answer quickly.
struct Groups {
    /// One pattern per group, for the `Matcher`.
    patterns: Vec<String>,
    of_rule: Vec<usize>,
    /// The group of `*` (and its spellings), which covers every pattern.
    everything: Option<usize>,
    /// Per group: all its rules, and only those that apply to every image (not
    /// agent-downloaded-only); a shadowing rule for an everyone-rule must be one of those.
    any: Vec<Running>,
    wide: Vec<Running>,
    /// (group, minutes, wide only) → the group's rules with exactly those minutes, in order.
    equal: HashMap<(usize, u64, bool), Vec<usize>>,
}

/// Rule indices in order with the running minimum of their minutes.
#[derive(Default)]
struct Running {
    rules: Vec<usize>,
    min_minutes: Vec<u64>,
}

impl Running {
    fn push(&mut self, rule: usize, minutes: u64) {
        let min = self.min_minutes.last().map_or(minutes, |&m| m.min(minutes));
        self.rules.push(rule);
        self.min_minutes.push(min);
    }

    /// The first rule whose minutes are below `minutes`: the running minimum only falls.
    fn first_below(&self, minutes: u64) -> Option<usize> {
        let position = self.min_minutes.partition_point(|&m| m >= minutes);
        self.rules.get(position).copied()
    }
}

impl Groups {
    fn new(rules: &[&Rule]) -> Groups {
        let mut ids: HashMap<Vec<Token>, usize> = HashMap::new();
        let mut groups = Groups {
            patterns: Vec::new(),
            of_rule: Vec::with_capacity(rules.len()),
            everything: None,
            any: Vec::new(),
            wide: Vec::new(),
            equal: HashMap::new(),
        };
        for (index, rule) in rules.iter().enumerate() {
            let pattern = tokens(&rule.image_name);
            let next = ids.len();
            let group = *ids.entry(pattern.clone()).or_insert(next);
            if group == groups.patterns.len() {
                if pattern == [Token::Star] {
                    groups.everything = Some(group);
                }
                groups.patterns.push(rule.image_name.clone());
                groups.any.push(Running::default());
                groups.wide.push(Running::default());
            }
            groups.of_rule.push(group);
            let minutes = rule.delete_after_minutes;
            groups.any[group].push(index, minutes);
            let key = (group, minutes, false);
            groups.equal.entry(key).or_default().push(index);
            if !rule.agent_downloaded_only {
                groups.wide[group].push(index, minutes);
                groups
                    .equal
                    .entry((group, minutes, true))
                    .or_default()
                    .push(index);
            }
        }
        groups
    }

    /// The first rule of `group`, other than one identical to B, that removes no later than B
    /// and applies at least as widely.
    fn first_shadow(&self, group: usize, rule_b: &Rule, rules: &[&Rule]) -> Option<usize> {
        let wide_only = !rule_b.agent_downloaded_only;
        let running = if wide_only {
            &self.wide[group]
        } else {
            &self.any[group]
        };
        let minutes = rule_b.delete_after_minutes;
        let below = running.first_below(minutes);
        // Rules identical to B are B itself and its later duplicates: skipped once each.
        let equal = self
            .equal
            .get(&(group, minutes, wide_only))
            .and_then(|same| same.iter().copied().find(|&a| rules[a] != rule_b));
        match (below, equal) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::wildcard::matches_everything;
    use proptest::prelude::*;

    /// The definition, pair by pair: the first A in policy order.
    fn quadratic(rules: &[&Rule]) -> Vec<Overlap> {
        let patterns: Vec<&str> = rules.iter().map(|r| r.image_name.as_str()).collect();
        let matcher = Matcher::new(&patterns);
        let mut found = Vec::new();
        let mut covering = Vec::new();
        for (b, &rule_b) in rules.iter().enumerate() {
            if let Some(a) = rules[..b].iter().position(|&a| a == rule_b) {
                found.push(Overlap::Duplicate { rule: b, of: a });
                continue;
            }
            if has_wildcard(&rule_b.image_name) {
                covering = (0..rules.len())
                    .filter(|&a| {
                        matches_everything(patterns[a])
                            || tokens(patterns[a]) == tokens(&rule_b.image_name)
                    })
                    .collect();
            } else {
                matcher.matches_into(&rule_b.image_name, &mut covering);
            }
            let shadow = covering.iter().copied().find(|&a| {
                rules[a] != rule_b
                    && rules[a].delete_after_minutes <= rule_b.delete_after_minutes
                    && (!rules[a].agent_downloaded_only || rule_b.agent_downloaded_only)
            });
            if let Some(a) = shadow {
                found.push(Overlap::Shadowed { rule: b, by: a });
            }
        }
        found
    }

    fn rule(name: &str, minutes: u64, only: bool) -> Rule {
        Rule {
            image_name: name.to_string(),
            delete_after_minutes: minutes,
            agent_downloaded_only: only,
        }
    }

    proptest! {
        #[test]
        fn the_grouped_check_finds_what_comparing_every_pair_finds(
            picks in proptest::collection::vec((0usize..12, 0u64..4, any::<bool>()), 0..24)
        ) {
            const NAMES: [&str; 12] = [
                "*", ".*", "**", "a:*", "a:1", "a:2", "a:1?", "docker.io/library/a:1",
                "*:1", "a*", "b/c:1", "b/*",
            ];
            let rules: Vec<Rule> = picks
                .iter()
                .map(|&(name, minutes, only)| rule(NAMES[name], minutes, only))
                .collect();
            let refs: Vec<&Rule> = rules.iter().collect();
            prop_assert_eq!(find_overlaps(&refs, usize::MAX), quadratic(&refs));
        }
    }

    #[test]
    fn the_budget_stops_the_shadow_check_and_says_where() {
        let rules: Vec<Rule> = (0..10).map(|m| rule("*", 10 - m, false)).collect();
        let refs: Vec<&Rule> = rules.iter().collect();
        // Each `*` rule is shadowed by the next, more aggressive one; one group each.
        let found = find_overlaps(&refs, 4);
        assert_eq!(found.len(), 5, "{found:?}");
        assert_eq!(found[3], Overlap::Shadowed { rule: 3, by: 4 });
        assert_eq!(found[4], Overlap::Stopped { at: 4 });
    }

    #[test]
    fn many_identical_rules_are_duplicates_of_the_first() {
        let rules: Vec<Rule> = (0..10_000).map(|_| rule("*", 60, false)).collect();
        let refs: Vec<&Rule> = rules.iter().collect();
        let found = find_overlaps(&refs, SHADOW_CHECK_BUDGET);
        assert_eq!(found.len(), 9_999);
        assert!(
            found
                .iter()
                .all(|o| matches!(o, Overlap::Duplicate { of: 0, .. }))
        );
    }
}

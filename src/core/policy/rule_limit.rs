//! The limit on how many rules a node holds, so that checking, saving and planning stay fast
//! and within the service's memory cap (64 MB) whatever a file says.

/// Rules per node: per policy file when it is checked, across all saved policies when one is
/// saved. Real nodes have tens; the planner and the lints stay well inside their budgets here.
pub const MAX_RULES: usize = 10_000;

/// The error for `count` rules in one policy file, if that is over the limit.
pub fn too_many_rules_in_file(count: usize) -> Option<String> {
    (count > MAX_RULES).then(|| {
        format!(
            "{count} rules: a node takes at most {} rules (per file, and across all its saved \
             policies); cover more images per rule with wildcards (`myorg/*`) or split what is \
             not needed",
            thousands(MAX_RULES)
        )
    })
}

/// The error for saving a policy of `count` rules next to saved policies holding `others`.
pub fn too_many_rules_on_node(name: &str, count: usize, others: usize) -> Option<String> {
    let total = count.saturating_add(others);
    (total > MAX_RULES).then(|| {
        format!(
            "saving policy {name} ({count} rules) would give this node {total} rules, and the \
             limit is {} rules across all saved policies (the others hold {others}); delete or \
             merge policies first",
            thousands(MAX_RULES)
        )
    })
}

/// `10,000`
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_named_in_both_errors() {
        assert_eq!(too_many_rules_in_file(MAX_RULES), None);
        assert!(
            too_many_rules_in_file(MAX_RULES + 1)
                .unwrap()
                .contains("at most 10,000 rules")
        );
        assert_eq!(too_many_rules_on_node("a", 5_000, 5_000), None);
        let message = too_many_rules_on_node("b", 6_000, 5_000).unwrap();
        assert!(
            message.contains("11000 rules") && message.contains("limit is 10,000"),
            "{message}"
        );
    }
}

//! The rule form: three fields, validated as they are typed with the same messages as
//! `imgreaper policy check`.

use crate::core::policy::{PolicyDocument, Rule, Severity, parse, validate_pattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Pattern,
    Minutes,
    AgentOnly,
}

impl Field {
    pub fn next(self) -> Field {
        match self {
            Field::Pattern => Field::Minutes,
            Field::Minutes => Field::AgentOnly,
            Field::AgentOnly => Field::Pattern,
        }
    }

    pub fn previous(self) -> Field {
        self.next().next()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleForm {
    pub policy: usize,
    /// The rule being edited; `None` for a new rule (inserted at `insert_at`).
    pub editing: Option<usize>,
    pub insert_at: usize,
    pub pattern: String,
    pub minutes: String,
    pub agent_only: bool,
    pub field: Field,
    /// Errors that stop the rule being accepted.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl RuleForm {
    pub fn new_rule(policy: usize, insert_at: usize) -> RuleForm {
        RuleForm {
            policy,
            editing: None,
            insert_at,
            pattern: String::new(),
            minutes: "60".into(),
            agent_only: true,
            field: Field::Pattern,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn edit(policy: usize, index: usize, rule: &Rule) -> RuleForm {
        RuleForm {
            editing: Some(index),
            insert_at: index,
            pattern: rule.image_name.clone(),
            minutes: rule.delete_after_minutes.to_string(),
            agent_only: rule.agent_downloaded_only,
            ..RuleForm::new_rule(policy, index)
        }
    }

    /// The field being typed into, if it takes text.
    pub fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            Field::Pattern => Some(&mut self.pattern),
            Field::Minutes => Some(&mut self.minutes),
            Field::AgentOnly => None,
        }
    }

    /// The rule as typed, when both fields read.
    pub fn rule(&self) -> Option<Rule> {
        Some(Rule {
            image_name: self.pattern.clone(),
            delete_after_minutes: self.minutes.trim().parse().ok()?,
            agent_downloaded_only: self.agent_only,
        })
    }

    /// The policy's rules with this form applied.
    pub fn applied_to(&self, rules: &[Rule]) -> Option<Vec<Rule>> {
        let rule = self.rule()?;
        let mut rules = rules.to_vec();
        match self.editing {
            Some(index) if index < rules.len() => rules[index] = rule,
            _ => rules.insert(self.insert_at.min(rules.len()), rule),
        }
        Some(rules)
    }

    /// Validates the fields, then the whole policy as `policy check` would.
    pub fn validate(&mut self, base: &PolicyDocument, rules: &[Rule]) {
        self.errors.clear();
        self.warnings.clear();
        if let Err(message) = validate_pattern(&self.pattern) {
            self.errors.push(format!("image_name: {message}"));
        }
        if self.minutes.trim().parse::<u64>().is_err() {
            self.errors.push(format!(
                "delete_after_minutes: {:?} is not a whole number of minutes ≥ 0, e.g. 60",
                self.minutes
            ));
        }
        if !self.errors.is_empty() {
            return;
        }
        if let Some(rules) = self.applied_to(rules) {
            let (errors, warnings) = check_document(base, rules);
            self.errors = errors;
            self.warnings = warnings;
        }
    }
}

/// Runs the document through the same parser as `policy check`: (errors, warnings).
pub fn check_document(base: &PolicyDocument, rules: Vec<Rule>) -> (Vec<String>, Vec<String>) {
    let document = PolicyDocument {
        rules,
        ..base.clone()
    };
    let text =
        serde_json::to_string_pretty(&document.to_json(document.spelling)).unwrap_or_default();
    let describe = |d: &crate::core::policy::Diagnostic| {
        let message = numbered_from_one(&d.message);
        if d.path.is_empty() {
            message
        } else {
            format!("{}: {message}", numbered_from_one(&d.path))
        }
    };
    match parse(&text) {
        Ok(parsed) => (Vec::new(), parsed.warnings.iter().map(describe).collect()),
        Err(diagnostics) => {
            let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
                .iter()
                .partition(|d| d.severity == Severity::Error);
            (
                errors.into_iter().map(describe).collect(),
                warnings.into_iter().map(describe).collect(),
            )
        }
    }
}

/// The console numbers rules from 1, where `policy check` speaks in JSON indices:
/// `image_policy.removal[1].image_name` becomes `rule 2, image_name` and `rule [0]` `rule 1`;
/// and it reads minutes as durations (`90 min` is `1h 30m`).
pub fn numbered_from_one(text: &str) -> String {
    use std::sync::LazyLock;
    static PATH: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:image_policy\.removal|agentImagePolicy\.imageRemovalPolicies)\[(\d+)\]\.?",
        )
        .expect("a valid pattern")
    });
    static RULE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"rule \[(\d+)\]").expect("a valid pattern"));
    let plus_one = |digits: &str| {
        digits
            .parse::<u64>()
            .map_or_else(|_| digits.to_string(), |n| (n + 1).to_string())
    };
    let text = PATH.replace_all(text, |c: &regex::Captures| {
        let rest = if c[0].ends_with('.') { ", " } else { "" };
        format!("rule {}{rest}", plus_one(&c[1]))
    });
    let text = RULE.replace_all(&text, |c: &regex::Captures| {
        format!("rule {}", plus_one(&c[1]))
    });
    // Minutes read as durations: `1440 min` is `1d`.
    static MINUTES: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\b(\d+) min\b").expect("a valid pattern"));
    MINUTES
        .replace_all(&text, |c: &regex::Captures| match c[1].parse::<u64>() {
            Ok(n) => crate::core::format::minutes(n),
            Err(_) => c[0].to_string(),
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_numbered_from_one() {
        assert_eq!(
            numbered_from_one("image_policy.removal[1].image_name"),
            "rule 2, image_name"
        );
        assert_eq!(
            numbered_from_one("shadowed by rule [0] (`*`, 5 min)"),
            "shadowed by rule 1 (`*`, 5m)"
        );
        assert_eq!(numbered_from_one("image_policy"), "image_policy");
        assert_eq!(numbered_from_one("(`*`, 1440 min)"), "(`*`, 1d)");
    }
}

//! The form of the Rules view: a removal rule (three fields), a keep rule (pattern and `last`)
//! or the disk marks (high and low), validated as they are typed with the same messages as
//! `imgreaper policy check`.

use crate::core::policy::{
    DiskMarks, KeepRule, PolicyDocument, Rule, Severity, parse, validate_pattern,
};

/// What the form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Removal,
    Keep,
    Disk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Pattern,
    Minutes,
    AgentOnly,
    Last,
    High,
    Low,
}

impl FormKind {
    pub fn fields(self) -> &'static [Field] {
        match self {
            FormKind::Removal => &[Field::Pattern, Field::Minutes, Field::AgentOnly],
            FormKind::Keep => &[Field::Pattern, Field::Last],
            FormKind::Disk => &[Field::High, Field::Low],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleForm {
    pub policy: usize,
    pub kind: FormKind,
    /// The rule or keep rule being edited; `None` for a new one (inserted at `insert_at`).
    pub editing: Option<usize>,
    pub insert_at: usize,
    pub pattern: String,
    pub minutes: String,
    pub agent_only: bool,
    /// Keep rules: how many versions per repository; empty keeps every match.
    pub last: String,
    pub high: String,
    pub low: String,
    pub field: Field,
    /// Errors that stop the form being accepted.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl RuleForm {
    fn blank(policy: usize, kind: FormKind, insert_at: usize) -> RuleForm {
        RuleForm {
            policy,
            kind,
            editing: None,
            insert_at,
            pattern: String::new(),
            minutes: "60".into(),
            agent_only: true,
            last: String::new(),
            high: "85".into(),
            low: "75".into(),
            field: kind.fields()[0],
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn new_rule(policy: usize, insert_at: usize) -> RuleForm {
        RuleForm::blank(policy, FormKind::Removal, insert_at)
    }

    pub fn edit(policy: usize, index: usize, rule: &Rule) -> RuleForm {
        RuleForm {
            editing: Some(index),
            pattern: rule.image_name.clone(),
            minutes: rule.delete_after_minutes.to_string(),
            agent_only: rule.agent_downloaded_only,
            ..RuleForm::blank(policy, FormKind::Removal, index)
        }
    }

    pub fn new_keep(policy: usize, insert_at: usize) -> RuleForm {
        RuleForm {
            last: "2".into(),
            ..RuleForm::blank(policy, FormKind::Keep, insert_at)
        }
    }

    pub fn edit_keep(policy: usize, index: usize, keep: &KeepRule) -> RuleForm {
        RuleForm {
            editing: Some(index),
            pattern: keep.image_name.clone(),
            last: keep.last.map(|n| n.to_string()).unwrap_or_default(),
            ..RuleForm::blank(policy, FormKind::Keep, index)
        }
    }

    pub fn disk(policy: usize, marks: Option<DiskMarks>) -> RuleForm {
        let blank = RuleForm::blank(policy, FormKind::Disk, 0);
        match marks {
            Some(m) => RuleForm {
                editing: Some(0),
                high: m.high_percent.to_string(),
                low: m.low_percent.to_string(),
                ..blank
            },
            None => blank,
        }
    }

    pub fn next_field(&mut self) {
        self.step_field(1);
    }

    pub fn previous_field(&mut self) {
        self.step_field(-1);
    }

    fn step_field(&mut self, delta: isize) {
        let fields = self.kind.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0);
        self.field = fields[(at as isize + delta).rem_euclid(fields.len() as isize) as usize];
    }

    /// The field being typed into, if it takes text.
    pub fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            Field::Pattern => Some(&mut self.pattern),
            Field::Minutes => Some(&mut self.minutes),
            Field::Last => Some(&mut self.last),
            Field::High => Some(&mut self.high),
            Field::Low => Some(&mut self.low),
            Field::AgentOnly => None,
        }
    }

    /// The removal rule as typed, when both fields read.
    pub fn rule(&self) -> Option<Rule> {
        Some(Rule {
            image_name: self.pattern.clone(),
            delete_after_minutes: self.minutes.trim().parse().ok()?,
            agent_downloaded_only: self.agent_only,
        })
    }

    fn keep(&self) -> Option<KeepRule> {
        let last = match self.last.trim() {
            "" => None,
            n => Some(n.parse().ok()?),
        };
        Some(KeepRule {
            image_name: self.pattern.clone(),
            last,
        })
    }

    fn marks(&self) -> Option<DiskMarks> {
        Some(DiskMarks {
            high_percent: self.high.trim().parse().ok()?,
            low_percent: self.low.trim().parse().ok()?,
        })
    }

    /// The policy's document with this form applied, when its fields read.
    pub fn applied_to(&self, document: &PolicyDocument) -> Option<PolicyDocument> {
        let mut document = document.clone();
        match self.kind {
            FormKind::Removal => place(&mut document.rules, self, self.rule()?),
            FormKind::Keep => place(&mut document.keep, self, self.keep()?),
            FormKind::Disk => document.disk = Some(self.marks()?),
        }
        Some(document)
    }

    /// Validates the fields, then the whole policy as `policy check` would.
    pub fn validate(&mut self, document: &PolicyDocument) {
        self.errors.clear();
        self.warnings.clear();
        if self.kind != FormKind::Disk
            && let Err(message) = validate_pattern(&self.pattern)
        {
            self.errors.push(format!("image_name: {message}"));
        }
        let whole = |text: &str| text.trim().parse::<u64>().is_ok();
        match self.kind {
            FormKind::Removal if !whole(&self.minutes) => self.errors.push(format!(
                "delete_after_minutes: {:?} is not a whole number of minutes ≥ 0, e.g. 60",
                self.minutes
            )),
            FormKind::Keep if !self.last.trim().is_empty() && !whole(&self.last) => {
                self.errors.push(format!(
                    "last: {:?} is not a whole number ≥ 1; leave it empty to keep every match",
                    self.last
                ))
            }
            FormKind::Disk => {
                for (name, text) in [("high_percent", &self.high), ("low_percent", &self.low)] {
                    if text.trim().parse::<u8>().is_err() {
                        self.errors
                            .push(format!("{name}: {text:?} is not a percentage from 1 to 99"));
                    }
                }
            }
            _ => {}
        }
        if !self.errors.is_empty() {
            return;
        }
        if let Some(edited) = self.applied_to(document) {
            let (errors, warnings) = check_document(&edited);
            self.errors = errors;
            self.warnings = warnings;
        }
    }
}

/// Puts `item` where the form says: over the one edited, or inserted as a new one.
fn place<T>(list: &mut Vec<T>, form: &RuleForm, item: T) {
    match form.editing {
        Some(index) if index < list.len() => list[index] = item,
        _ => list.insert(form.insert_at.min(list.len()), item),
    }
}

/// Runs the document through the same parser as `policy check`: (errors, warnings).
pub fn check_document(document: &PolicyDocument) -> (Vec<String>, Vec<String>) {
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
/// keep rules likewise (`keep rule 1, last`); and it reads minutes as durations (`90 min` is
/// `1h 30m`).
pub fn numbered_from_one(text: &str) -> String {
    use std::sync::LazyLock;
    static PATH: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:image_policy\.removal|agentImagePolicy\.imageRemovalPolicies)\[(\d+)\]\.?",
        )
        .expect("a valid pattern")
    });
    static KEEP: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:image_policy\.keep|agentImagePolicy\.imageKeepPolicies)\[(\d+)\]\.?")
            .expect("a valid pattern")
    });
    static DISK: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:image_policy\.disk|agentImagePolicy\.diskPressure)\.?")
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
    let text = KEEP.replace_all(&text, |c: &regex::Captures| {
        let rest = if c[0].ends_with('.') { ", " } else { "" };
        format!("keep rule {}{rest}", plus_one(&c[1]))
    });
    let text = DISK.replace_all(&text, |c: &regex::Captures| {
        if c[0].ends_with('.') {
            "disk marks, ".to_string()
        } else {
            "disk marks".to_string()
        }
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
        assert_eq!(
            numbered_from_one("image_policy.keep[0].last"),
            "keep rule 1, last"
        );
        assert_eq!(
            numbered_from_one("image_policy.disk.low_percent"),
            "disk marks, low_percent"
        );
    }
}

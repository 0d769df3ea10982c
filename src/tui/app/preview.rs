//! The live preview in the Rules view: what a pattern matches here, and what saving the edited
//! policy would change. Pure: computed from the snapshot already loaded.

use crate::core::policy::{Matcher, PolicyDocument};
use crate::core::preview::Summary;
use crate::core::snapshot::Snapshot;

/// How many sample names the preview lists.
const SAMPLES: usize = 6;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatternMatches {
    pub pattern: String,
    pub count: usize,
    pub sample: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preview {
    pub policy: String,
    pub pattern: Option<PatternMatches>,
    /// What saving the policy as edited would change.
    pub summary: Option<Summary>,
}

/// Local references (and dangling images) the pattern matches.
pub fn pattern_matches(snapshot: &Snapshot, pattern: &str) -> PatternMatches {
    let matcher = Matcher::new(&[pattern]);
    let mut hits = Vec::new();
    let mut result = PatternMatches {
        pattern: pattern.to_string(),
        ..PatternMatches::default()
    };
    for row in &snapshot.rows {
        match &row.reference {
            Some(name) => matcher.matches_into(name, &mut hits),
            None => matcher.matches_dangling(&mut hits),
        }
        if !hits.is_empty() {
            result.count += 1;
            if result.sample.len() < SAMPLES {
                result.sample.push(row.key(&snapshot.inventory));
            }
        }
    }
    result
}

/// Compares the plan as it is with the plan after saving `document` under `name`.
pub fn on_save(snapshot: &Snapshot, name: &str, document: &PolicyDocument) -> Summary {
    crate::core::preview::preview_save(snapshot, name, document).summary
}

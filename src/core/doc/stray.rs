//! Keys that are not one of an object's own — in the other spelling, or unknown — reported the
//! same way in a rule, a keep rule and the disk marks, and remembered, so that a key spelt
//! otherwise is not reported again as missing.

use super::report::Report;
use super::suggest::{hint, nearest};
use jsonc_parser::ast::Object;

pub(crate) struct Strays<'k> {
    /// Where the object sits, for the other-spelling error: "this rule is in `image_policy.removal`".
    here: String,
    /// What the object is, for the unknown-key error: "a rule", "`disk`".
    object: String,
    /// Said after the other-spelling error, when it applies to one rule.
    mixing: &'static str,
    known: &'k [&'static str],
    /// Own keys that a stray key stood for.
    spelt_otherwise: Vec<&'static str>,
    seen: bool,
}

impl<'k> Strays<'k> {
    pub(crate) fn new(
        here: String,
        object: impl Into<String>,
        one_rule: bool,
        known: &'k [&'static str],
    ) -> Strays<'k> {
        Strays {
            here,
            object: object.into(),
            mixing: if one_rule {
                " (one rule may not mix the two spellings)"
            } else {
                ""
            },
            known,
            spelt_otherwise: Vec::new(),
            seen: false,
        }
    }

    /// Reports `key`, which is `ours` in the other spelling (`other` names that spelling), or
    /// unknown when `ours` is `None`.
    pub(crate) fn report(
        &mut self,
        report: &mut Report,
        key_path: &str,
        at: usize,
        key: &str,
        ours: Option<&'static str>,
        other: &str,
    ) {
        self.seen = true;
        match ours {
            Some(ours) => {
                report.error(
                    key_path,
                    at,
                    format!(
                        "`{key}` is the {other} spelling, but {}: write `{ours}`{}",
                        self.here, self.mixing
                    ),
                );
                self.spelt_otherwise.push(ours);
            }
            None => {
                report.error(
                    key_path,
                    at,
                    format!(
                        "unknown key `{key}` in {}; {}",
                        self.object,
                        hint(key, self.known)
                    ),
                );
                // A misspelt key is reported once, not again as "missing".
                self.spelt_otherwise.extend(nearest(key, self.known));
            }
        }
    }

    /// Whether any stray key was reported (the object is then incomplete).
    pub(crate) fn any(&self) -> bool {
        self.seen
    }

    /// Whether `key` is in the object, or was reported as spelt otherwise.
    pub(crate) fn present(&self, object: &Object, key: &str) -> bool {
        self.spelt_otherwise.contains(&key)
            || object.properties.iter().any(|p| p.name.as_str() == key)
    }
}

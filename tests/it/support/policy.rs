//! Policy documents in tests: the errors a text gets.

use imgreaper::core::policy::{Diagnostic, Severity, parse};

/// The errors (not the warnings) `text` gets; fails the test if it is accepted.
pub fn errors(text: &str) -> Vec<Diagnostic> {
    match parse(text) {
        Ok(parsed) => panic!("accepted: {text}\n{parsed:?}"),
        Err(all) => all
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

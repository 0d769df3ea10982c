//! Short texts shared by the views and the tick logic: countdowns, counts, and fitting text into
//! a width (by display columns) without losing the part that tells things apart.

pub use crate::core::fit::{fit, fit_end, fit_middle, fit_reference, width};
use crate::core::format::span;
pub use crate::core::format::{clock_time, count};
use crate::core::model::Timestamp;
use crate::core::plan::{RefPlan, RefState};

/// The "removal in" cell: `in 4m 10s` while counting down; `now` when the enforcer removes it
/// on its next pass; `on approval` when it waits for an operator; `-` when nothing is planned.
/// Never the state word again (an approved row read "due due").
pub fn countdown(row: &RefPlan, now: Timestamp) -> String {
    match (row.state, row.deadline) {
        (RefState::AwaitingApproval, _) => "on approval".to_string(),
        (RefState::Due, _) => "now".to_string(),
        (_, Some(deadline)) if deadline > now => format!("in {}", span(deadline - now)),
        (_, Some(_)) => "now".to_string(),
        (_, None) => "-".to_string(),
    }
}

/// How the console names a rule: `edge-default rule 1: nginx:* after 30m`. Rules are numbered
/// from 1 here, as everywhere in the console.
pub fn rule_label(rule: &crate::core::plan::SourcedRule) -> String {
    format!(
        "{} rule {}: {} after {}",
        crate::core::format::escape_controls(&rule.policy),
        rule.index + 1,
        crate::core::format::escape_controls(&rule.rule.image_name),
        crate::core::format::minutes(rule.rule.delete_after_minutes)
    )
}

/// Writes the RFC 3339 times inside a text (an audit result, a message) as the console's one
/// time format, the local clock time: `until 2023-11-15T22:13:20Z` reads `until Nov 15 23:13`.
pub fn local_times(text: &str, now: Timestamp) -> std::borrow::Cow<'_, str> {
    use std::sync::LazyLock;
    static RFC3339: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b")
            .expect("a valid pattern")
    });
    RFC3339.replace_all(text, |c: &regex::Captures| {
        match humantime::parse_rfc3339(&c[0]) {
            Ok(time) => {
                let seconds = time
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                clock_time(Some(seconds), now)
            }
            Err(_) => c[0].to_string(),
        }
    })
}

/// Breaks a text into lines of at most `columns`, at spaces only (never at a name's hyphen, so
/// a command copied from the screen keeps its names whole); a word longer than a line, such as
/// an image ID, is broken where it must be.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let options = textwrap::Options::new(columns.max(1))
        .break_words(true)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|line| line.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_keep_their_tags() {
        let a = "localhost:5000/edge/ml-inference-cpu-optimized:1.2.3";
        let b = "localhost:5000/edge/ml-inference-cpu-optimized:1.2.4";
        let (fa, fb) = (fit_reference(a, 30), fit_reference(b, 30));
        assert_eq!(width(&fa), 30);
        assert!(
            fa.ends_with(":1.2.3") && fb.ends_with(":1.2.4"),
            "{fa} {fb}"
        );
        assert!(fa.starts_with("localhost"), "{fa}");
        assert_ne!(fa, fb);
        assert_eq!(fit_reference("nginx:1.25", 30), "nginx:1.25");
        let digest = "app@sha256:0123456789abcdef0123456789abcdef";
        assert!(fit_reference(digest, 20).contains('…'));
        assert_eq!(width(&fit_reference(digest, 20)), 20);
        // A registry port is not a tag.
        assert_eq!(
            fit_reference("localhost:5000/averyveryverylongname", 20),
            fit_middle("localhost:5000/averyveryverylongname", 20)
        );
    }

    #[test]
    fn fitting_never_exceeds_the_width() {
        for text in ["", "a", "héllo wörld", "日本語のテキスト", "x:y"] {
            for columns in 0..12 {
                for fitted in [
                    fit(text, columns),
                    fit_end(text, columns),
                    fit_middle(text, columns),
                    fit_reference(text, columns),
                ] {
                    assert!(width(&fitted) <= columns, "{fitted:?} > {columns}");
                }
            }
        }
        assert_eq!(fit_end("/a-long-filter", 6), "…ilter");
    }

    #[test]
    fn rfc3339_times_read_as_local_clock_times() {
        let now = 1_700_000_000; // 2023-11-14T22:13:20Z
        let text = local_times("until 2023-11-14T22:43:20Z; ok", now);
        assert_eq!(
            text,
            format!("until {}; ok", clock_time(Some(now + 1_800), now))
        );
        assert_eq!(local_times("no time here", now), "no time here");
    }

    #[test]
    fn counts_read_as_words() {
        assert_eq!(count(1, "reference", "references"), "1 reference");
        assert_eq!(count(2, "policy", "policies"), "2 policies");
    }
}

//! What "newest" means for tags: natural order (numbers compared as numbers, so `w_2024_9`
//! comes before `w_2024_10`) and semantic versions (`v1.2.3`, `r23_0_1`).

use std::cmp::Ordering;

/// Natural order: runs of digits compare as numbers, everything else as text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let (run_a, rest_a) = leading_run(a);
        let (run_b, rest_b) = leading_run(b);
        let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
        let order = if digits(run_a) && digits(run_b) {
            let (x, y) = (run_a.trim_start_matches('0'), run_b.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            run_a.cmp(run_b)
        };
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (rest_a, rest_b);
    }
}

/// The first run of digits, or of non-digits, and the rest.
fn leading_run(text: &str) -> (&str, &str) {
    let digit = text.starts_with(|c: char| c.is_ascii_digit());
    let end = text
        .find(|c: char| c.is_ascii_digit() != digit)
        .unwrap_or(text.len());
    text.split_at(end)
}

/// A version's sort key: (major, minor, patch), then release after any pre-release of it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionKey {
    numbers: [u64; 3],
    /// `None` for a release, which sorts after every pre-release (`Some`) of the same numbers.
    release: Reverse<Option<Vec<Identifier>>>,
}

/// `Option` where `None` sorts last.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reverse<T>(T);

impl PartialOrd for Reverse<Option<Vec<Identifier>>> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Reverse<Option<Vec<Identifier>>> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

/// One dot-separated pre-release identifier: numbers sort before text, as semver says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    Number(u64),
    Text(String),
}

/// The version a tag names: a leading `v` or `r`, one to three numbers separated by `.` or `_`
/// (`r23_0_1` as some projects write it), an optional `-pre.release`, `+build` ignored.
/// `None` when the tag is not a version.
pub fn semver_key(tag: &str) -> Option<VersionKey> {
    let text = tag
        .strip_prefix(['v', 'V', 'r', 'R'])
        .unwrap_or(tag)
        .split('+')
        .next()
        .unwrap_or_default();
    let (core, pre) = match text.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (text, None),
    };
    let parts: Vec<&str> = core.split(['.', '_']).collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut numbers = [0u64; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let pre = match pre {
        None => None,
        Some("") => return None,
        Some(pre) => Some(
            pre.split('.')
                .map(|id| match id.parse() {
                    Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => Identifier::Number(n),
                    _ => Identifier::Text(id.to_string()),
                })
                .collect(),
        ),
    };
    Some(VersionKey {
        numbers,
        release: Reverse(pre),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpadded_week_numbers_sort_as_numbers() {
        let mut tags = vec!["w_2024_10", "w_2024_9", "w_2023_52", "w_2024_1"];
        tags.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(tags, ["w_2023_52", "w_2024_1", "w_2024_9", "w_2024_10"]);
    }

    #[test]
    fn leading_zeros_and_text_runs() {
        assert_eq!(natural_cmp("d_2024_03_05", "d_2024_3_5"), Ordering::Equal);
        assert_eq!(natural_cmp("a10", "b2"), Ordering::Less);
        assert_eq!(natural_cmp("x", "x1"), Ordering::Less);
    }

    #[test]
    fn versions_with_prefixes_separators_and_pre_releases() {
        let key = |t| semver_key(t).unwrap();
        assert!(key("v1.10.0") > key("v1.9.3"));
        assert!(key("r23_0_1") > key("r23_0_0"));
        assert!(key("1.0.0") > key("1.0.0-rc.2"));
        assert!(key("1.0.0-rc.10") > key("1.0.0-rc.2"));
        assert!(key("1.0.0-rc.1") > key("1.0.0-alpha"));
        assert_eq!(key("v2"), key("2.0.0"));
        assert_eq!(key("1.2.3+build.7"), key("1.2.3"));
        assert_eq!(semver_key("latest"), None);
        assert_eq!(semver_key("1.2.3.4"), None);
        assert_eq!(semver_key("1..2"), None);
    }
}

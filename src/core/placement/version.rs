//! Versions and version ranges as the Open Horizon agent compares them (its `semanticversion`
//! package): `1.2.3` or fewer parts (missing ones are 0), an optional `-prerelease`, and ranges
//! `[1.0.0,2.0.0)` whose ends are inclusive `[ ]` or exclusive `( )`, `INFINITY` for no end. A
//! single version used as a range means "at least it".

use std::cmp::Ordering;

const INFINITY: &str = "INFINITY";

/// The agent's test for a version string: one to three dot-separated runs of digits, and an
/// optional prerelease of letters, digits, `-` and `.` after the first `-`; or `INFINITY`.
pub fn is_version(text: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    if text == INFINITY {
        return true;
    }
    let (numbers, prerelease) = text.split_once('-').unwrap_or((text, ""));
    let parts: Vec<&str> = numbers.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && prerelease
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The stricter test the agent applies to a property declared `version`: no prerelease, and no
/// leading zeros (`1.02.1` is refused).
pub fn is_property_version(text: &str) -> bool {
    if text == INFINITY {
        return true;
    }
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() <= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// `1` → `1.0.0`, keeping a prerelease.
fn normalize(version: &str) -> String {
    if version == INFINITY {
        return version.to_string();
    }
    let (numbers, prerelease) = match version.split_once('-') {
        Some((numbers, prerelease)) => (numbers, Some(prerelease)),
        None => (version, None),
    };
    let mut out = numbers.to_string();
    for _ in numbers.split('.').count()..3 {
        out.push_str(".0");
    }
    if let Some(prerelease) = prerelease.filter(|p| !p.is_empty()) {
        out.push('-');
        out.push_str(prerelease);
    }
    out
}

/// Orders two valid versions; `None` when either is not one.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    if !is_version(a) || !is_version(b) {
        return None;
    }
    if a == b {
        return Some(Ordering::Equal);
    }
    if a == INFINITY {
        return Some(Ordering::Greater);
    }
    if b == INFINITY {
        return Some(Ordering::Less);
    }
    let (a, b) = (normalize(a), normalize(b));
    let (a_numbers, a_pre) = a.split_once('-').unwrap_or((&a, ""));
    let (b_numbers, b_pre) = b.split_once('-').unwrap_or((&b, ""));
    for (x, y) in a_numbers.split('.').zip(b_numbers.split('.')) {
        // Digits only (checked above); a number too long for u64 compares as 0, as Atoi's error.
        let (x, y) = (x.parse::<u64>().unwrap_or(0), y.parse::<u64>().unwrap_or(0));
        match x.cmp(&y) {
            Ordering::Equal => continue,
            other => return Some(other),
        }
    }
    Some(compare_prereleases(a_pre, b_pre))
}

/// A release is above its prereleases; numeric parts compare as numbers and below words.
fn compare_prereleases(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Greater;
    }
    if b.is_empty() {
        return Ordering::Less;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (i, x) in a.iter().enumerate() {
        let Some(y) = b.get(i) else {
            return Ordering::Greater;
        };
        if x == y {
            continue;
        }
        match (x.parse::<i64>(), y.parse::<i64>()) {
            (Ok(x), Ok(y)) if x != y => return x.cmp(&y),
            (Ok(_), Ok(_)) => {}
            (Ok(_), Err(_)) => return Ordering::Less,
            (Err(_), Ok(_)) => return Ordering::Greater,
            (Err(_), Err(_)) => return x.cmp(y),
        }
    }
    if a.len() < b.len() {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

/// A version range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    start: String,
    start_inclusive: bool,
    end: String,
    end_inclusive: bool,
}

impl Range {
    /// `[1.0.0,2.0.0)`, `(1.0.0,INFINITY)`, or a single version meaning `[it,INFINITY)`; the
    /// error says what is wrong.
    pub fn parse(text: &str) -> Result<Range, String> {
        if text.is_empty() {
            return Err("an empty string is not a version".into());
        }
        if text.contains(' ') {
            return Err(format!("`{text}`: a version range has no spaces"));
        }
        let single =
            !text.starts_with(['(', '[']) && !text.contains(',') && !text.ends_with([')', ']']);
        let expression = if single {
            if !is_version(text) {
                return Err(format!("`{text}` is not a version such as 1.2.3"));
            }
            format!("[{text},{INFINITY})")
        } else {
            text.to_string()
        };
        let start_inclusive = match expression.as_bytes()[0] {
            b'[' => true,
            b'(' => false,
            _ => return Err(format!("`{text}` does not begin with `[` or `(`")),
        };
        let end_inclusive = match expression.as_bytes()[expression.len() - 1] {
            b']' => true,
            b')' => false,
            _ => return Err(format!("`{text}` does not end with `]` or `)`")),
        };
        let inner = expression
            .get(1..expression.len() - 1)
            .ok_or_else(|| format!("`{text}` is not a version range"))?;
        let ends: Vec<&str> = inner.split(',').collect();
        let [start, end] = ends.as_slice() else {
            return Err(format!(
                "`{text}` needs two versions separated by one comma, e.g. [1.0.0,2.0.0)"
            ));
        };
        for version in [start, end] {
            if !is_version(version) {
                return Err(format!("`{version}` is not a version such as 1.2.3"));
            }
        }
        Ok(Range {
            start: normalize(start),
            start_inclusive,
            end: normalize(end),
            end_inclusive,
        })
    }

    /// Whether `version` lies in the range; false when it is not a version.
    pub fn contains(&self, version: &str) -> bool {
        if !is_version(version) {
            return false;
        }
        let version = normalize(version);
        if (version == self.start && self.start_inclusive)
            || (version == self.end && self.end_inclusive)
        {
            return true;
        }
        if version == self.start || version == self.end {
            return false;
        }
        if compare(&self.start, &version) != Some(Ordering::Less) {
            return false;
        }
        self.end == INFINITY || compare(&self.end, &version) == Some(Ordering::Greater)
    }
}

/// The agent's test for a range written with brackets (a single version is not one).
pub fn is_range_expression(text: &str) -> bool {
    if text.is_empty() || !(text.starts_with(['[', '(']) || text.ends_with([']', ')'])) {
        return false;
    }
    let parts: Vec<&str> = text.split(',').collect();
    let [start, end] = parts.as_slice() else {
        return false;
    };
    !start.is_empty()
        && !end.is_empty()
        && start.get(1..).is_some_and(is_version)
        && end.get(..end.len() - 1).is_some_and(is_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_then_prerelease() {
        assert_eq!(compare("1.10.0", "1.9.0"), Some(Ordering::Greater));
        assert_eq!(compare("1", "1.0.0"), Some(Ordering::Equal));
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Some(Ordering::Less));
        assert_eq!(compare("1.0.0-2", "1.0.0-rc"), Some(Ordering::Less));
        assert_eq!(compare("x", "1"), None);
    }

    #[test]
    fn ranges_honour_their_brackets() {
        let range = Range::parse("[1.0.0,2.0.0)").unwrap();
        assert!(range.contains("1.0.0"));
        assert!(range.contains("1.9.9"));
        assert!(!range.contains("2.0.0"));
        assert!(!range.contains("0.9"));
        let open = Range::parse("(1.0.0,INFINITY)").unwrap();
        assert!(!open.contains("1.0.0"));
        assert!(open.contains("99.0.0"));
        let single = Range::parse("1.2.3").unwrap();
        assert!(single.contains("1.2.3") && single.contains("2.0.0") && !single.contains("1.2.2"));
        assert!(Range::parse("[1.0.0, 2.0.0)").is_err());
        assert!(Range::parse("[1.0.0)").is_err());
    }

    #[test]
    fn property_versions_refuse_leading_zeros() {
        assert!(is_property_version("1.2.3"));
        assert!(!is_property_version("1.02.3"));
        assert!(!is_property_version("1.2.3.4"));
        assert!(is_version("1.2.3-beta.1"));
        assert!(!is_property_version("1.2.3-beta"));
    }
}

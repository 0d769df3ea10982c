//! "Did you mean …?" for misspelt keys.

/// Levenshtein distance over characters, ignoring case differences and
/// treating `_` / `-` alike, since those are the usual slips in key names.
fn distance(a: &str, b: &str) -> usize {
    let fold = |c: char| {
        if c == '-' {
            '_'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let a: Vec<char> = a.chars().map(fold).collect();
    let b: Vec<char> = b.chars().map(fold).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The known key closest to `unknown`, if it is close enough to be a typo.
pub(crate) fn nearest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = (unknown.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (distance(unknown, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The sentence to append to an "unknown key" message.
pub(crate) fn hint(unknown: &str, known: &[&str]) -> String {
    match nearest(unknown, known) {
        Some(k) => format!("did you mean `{k}`?"),
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("known keys: {}", list.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: [&str; 3] = [
        "image_name",
        "delete_after_minutes",
        "agent_downloaded_only",
    ];

    #[test]
    fn suggests_the_key_one_letter_away() {
        assert_eq!(
            nearest("delete_after_minute", &RULE),
            Some("delete_after_minutes")
        );
        assert_eq!(nearest("imagename", &RULE), Some("image_name"));
        assert_eq!(nearest("Image-Name", &RULE), Some("image_name"));
    }

    #[test]
    fn no_suggestion_for_unrelated_keys() {
        assert_eq!(nearest("colour", &RULE), None);
        assert!(hint("colour", &RULE).contains("`image_name`"));
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}

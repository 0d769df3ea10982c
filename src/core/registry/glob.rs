//! Tag and repository patterns: `*` any run of characters, `?` one character, the rest literal,
//! the whole name matched (as image patterns read them, §3).

/// Whether `pattern` matches all of `name`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was, and the name position it currently swallows up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some('?') => {
                p += 1;
                n += 1;
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_question_marks_and_literals() {
        assert!(matches("d_*", "d_2024_03_05"));
        assert!(!matches("d_*", "w_2024_9"));
        assert!(matches("*", ""));
        assert!(matches("r?", "r1"));
        assert!(!matches("r?", "r10"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("lsst-sqre/*", "lsst-sqre/sciplat-lab"));
        assert!(matches("latest", "latest"));
        assert!(!matches("latest", "latest2"));
    }
}

//! Bounds on times, so far-future values are refused up front instead of overflowing or
//! breaking formatting later (DESIGN.md §2, §12).

use std::time::Duration;

/// 100 years of minutes: the largest `delete_after_minutes`.
pub const MAX_MINUTES: u64 = 52_560_000;

/// 100 years of seconds as durations are written (`100y`, humantime's years of 365.25 days):
/// the longest postponement or guard.
pub const MAX_SECONDS: u64 = 3_155_760_000;

/// A duration given on the command line as `flag`, in seconds, or why it is refused.
pub fn checked_duration_secs(flag: &str, duration: Duration) -> Result<i64, String> {
    let seconds = duration.as_secs();
    if seconds > MAX_SECONDS {
        return Err(format!(
            "{flag} {} is longer than 100 years, the longest imgreaper accepts; to keep an \
             image for good, pin it (imgreaper pin REF)",
            humantime::format_duration(duration)
        ));
    }
    Ok(seconds as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_century_is_the_limit() {
        assert_eq!(
            checked_duration_secs("--for", Duration::from_secs(MAX_SECONDS)),
            Ok(MAX_SECONDS as i64)
        );
        let error =
            checked_duration_secs("--for", Duration::from_secs(MAX_SECONDS + 1)).unwrap_err();
        assert!(error.contains("100 years"), "{error}");
        assert!(checked_duration_secs("--for", Duration::MAX).is_err());
    }
}

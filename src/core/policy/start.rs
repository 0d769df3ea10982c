//! NMP `start`: `"now"` or an RFC 3339 time.

use std::time::UNIX_EPOCH;

use super::document::Start;

/// Reads a `start` value; the error says what is accepted.
pub(crate) fn parse_start(text: &str) -> Result<Start, String> {
    if text == "now" {
        return Ok(Start::Now);
    }
    parse_rfc3339(text).map(Start::At).ok_or_else(|| {
        format!(
            "`{text}` is not a start time: write \"now\" or an RFC 3339 time such as \"2025-06-01T02:00:00Z\""
        )
    })
}

/// Unix seconds of an RFC 3339 time. humantime reads only UTC times, so a
/// numeric offset (`+02:00`) is split off and applied here.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let (local, offset_seconds) = split_offset(text)?;
    let time = humantime::parse_rfc3339_weak(local).ok()?;
    let seconds = i64::try_from(time.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    // Only times that can be written back (1970 to 9999) are accepted.
    seconds
        .checked_sub(offset_seconds)
        .filter(|s| (0..=LAST_WRITABLE).contains(s))
}

/// 9999-12-31T23:59:59Z, the last second humantime can format.
const LAST_WRITABLE: i64 = 253_402_300_799;

/// `2025-01-01T00:00:00+02:00` → (`2025-01-01T00:00:00`, 7200).
fn split_offset(text: &str) -> Option<(&str, i64)> {
    // Date part is `YYYY-MM-DD`, so a sign past index 10 belongs to an offset.
    let sign_at = text
        .char_indices()
        .skip(10)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i);
    let Some(i) = sign_at else {
        return Some((text, 0));
    };
    let (local, offset) = text.split_at(i);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset[1..].split_once(':')?;
    let all_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((local, sign * (hours * 3600 + minutes * 60)))
}

/// The text `to_json` writes for a start.
pub(crate) fn format_start(start: Start) -> String {
    match start {
        Start::Now => "now".to_string(),
        Start::At(seconds) => match u64::try_from(seconds) {
            Ok(s) if seconds <= LAST_WRITABLE => {
                humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(s))
                    .to_string()
            }
            // Outside 1970..=9999 humantime cannot write it (its Display would
            // fail); write the number so it is visible rather than panic.
            _ => seconds.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_and_utc_times() {
        assert_eq!(parse_start("now"), Ok(Start::Now));
        assert_eq!(parse_start("1970-01-01T00:01:00Z"), Ok(Start::At(60)));
        assert_eq!(
            parse_start("2025-06-01T02:00:00Z"),
            Ok(Start::At(1_748_743_200))
        );
    }

    #[test]
    fn offsets_are_applied() {
        assert_eq!(
            parse_start("2025-06-01T04:00:00+02:00"),
            Ok(Start::At(1_748_743_200))
        );
        assert_eq!(
            parse_start("2025-06-01T00:30:00-01:30"),
            Ok(Start::At(1_748_743_200))
        );
    }

    #[test]
    fn rejects_other_text() {
        for bad in [
            "",
            "Now",
            "tomorrow",
            "2025-13-01T00:00:00Z",
            "2025-06-01T00:00:00+2",
        ] {
            let message = parse_start(bad).unwrap_err();
            assert!(message.contains("RFC 3339"), "{bad}: {message}");
        }
    }

    #[test]
    fn rejects_times_that_could_not_be_written_back() {
        assert!(parse_start("9999-12-31T23:59:59Z").is_ok());
        assert!(parse_start("9999-12-31T23:59:59-01:00").is_err());
        assert!(parse_start("1970-01-01T00:00:00+01:00").is_err());
    }

    #[test]
    fn format_never_panics_out_of_range() {
        assert_eq!(format_start(Start::At(-1)), "-1");
        assert_eq!(format_start(Start::At(i64::MAX)), i64::MAX.to_string());
    }

    #[test]
    fn format_round_trips() {
        for start in [Start::Now, Start::At(1_748_743_200)] {
            assert_eq!(parse_start(&format_start(start)), Ok(start));
        }
    }
}

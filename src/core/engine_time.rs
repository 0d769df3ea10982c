//! The engine's own time, as its API writes it: RFC 3339 with nanoseconds and a zone offset
//! (`2026-12-05T01:10:33.52400926Z`, `…+02:00`), and the event cursor `secs.nanos`. Pure.

/// Nanoseconds since the Unix epoch of an RFC 3339 time with any offset; `None` if it is not
/// one.
pub fn parse_rfc3339_nanos(text: &str) -> Option<i64> {
    let text = text.trim();
    let (local, offset_secs) = if let Some(local) = text.strip_suffix('Z') {
        (local, 0)
    } else {
        let sign_at = text.len().checked_sub(6)?;
        let (local, zone) = text.split_at(sign_at);
        let sign = match zone.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours: i64 = zone.get(1..3)?.parse().ok()?;
        let minutes: i64 = zone.get(4..6)?.parse().ok()?;
        (local, sign * (hours * 3600 + minutes * 60))
    };
    let utc = humantime::parse_rfc3339_weak(local).ok()?;
    let since_epoch = utc.duration_since(std::time::UNIX_EPOCH).ok()?;
    let nanos = i64::try_from(since_epoch.as_nanos()).ok()?;
    nanos.checked_sub(offset_secs.checked_mul(1_000_000_000)?)
}

/// A point in the engine's event log, as its `since`/`until` parameters take it: `secs.nanos`.
pub fn cursor_at(time_nano: i64) -> String {
    format!(
        "{}.{:09}",
        time_nano.div_euclid(1_000_000_000),
        time_nano.rem_euclid(1_000_000_000)
    )
}

/// The time a cursor names, in nanoseconds; `None` if it is not one.
pub fn cursor_nanos(cursor: &str) -> Option<i64> {
    let (secs, nanos) = cursor.split_once('.').unwrap_or((cursor, "0"));
    let secs: i64 = secs.parse().ok()?;
    let nanos: i64 = format!("{nanos:0<9}").get(..9)?.parse().ok()?;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_times_in_any_zone() {
        let utc = parse_rfc3339_nanos("2026-12-05T01:10:33.52400926Z").unwrap();
        assert_eq!(utc, 1_796_433_033_524_009_260);
        assert_eq!(
            parse_rfc3339_nanos("2026-12-05T03:10:33.52400926+02:00"),
            Some(utc)
        );
        assert_eq!(
            parse_rfc3339_nanos("2026-12-04T23:40:33.52400926-01:30"),
            Some(utc)
        );
        assert_eq!(parse_rfc3339_nanos("yesterday"), None);
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(cursor_at(1_796_433_033_524_009_260), "1796433033.524009260");
        assert_eq!(
            cursor_nanos("1796433033.524009260"),
            Some(1_796_433_033_524_009_260)
        );
        assert_eq!(cursor_nanos("1796433033"), Some(1_796_433_033_000_000_000));
        assert_eq!(
            cursor_nanos("1796433033.5"),
            Some(1_796_433_033_500_000_000)
        );
        assert_eq!(cursor_nanos("soon"), None);
    }
}

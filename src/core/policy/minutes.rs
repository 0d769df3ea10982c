//! `delete_after_minutes`: a whole number ≥ 0 that fits in 64 bits. JSON
//! numbers are read from their exact text (not through f64), so `1.0000000001`
//! is fractional and `18446744073709551616` is one too many. The same reading
//! serves the other whole numbers of a policy (`last`, the disk marks).

use jsonc_parser::ast::Value;

use crate::core::doc::describe;

/// A JSON number as sign, decimal digits and a power of ten.
struct Decimal {
    negative: bool,
    /// No leading or trailing zeros; empty for zero.
    digits: String,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Decimal {
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches(['-', '+']);
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => (m, parse_exponent(e)),
            None => (unsigned, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits = format!("{int}{frac}");
        let mut exponent = exponent.saturating_sub(frac.len() as i64);
        let trailing = digits.len() - digits.trim_end_matches('0').len();
        digits.truncate(digits.len() - trailing);
        exponent = exponent.saturating_add(trailing as i64);
        let digits = digits.trim_start_matches('0').to_string();
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn is_whole(&self) -> bool {
        self.is_zero() || self.exponent >= 0
    }

    /// The value if it is whole and fits; `None` if too large.
    fn to_u64(&self) -> Option<u64> {
        if self.is_zero() {
            return Some(0);
        }
        let zeros = usize::try_from(self.exponent).ok()?;
        if self.digits.len() + zeros > 20 {
            return None;
        }
        format!("{}{}", self.digits, "0".repeat(zeros)).parse().ok()
    }

    /// The whole part of a fractional number, if small enough to suggest.
    fn floor(&self) -> Option<u64> {
        let keep = self.digits.len() as i64 + self.exponent;
        if keep <= 0 {
            return Some(0);
        }
        self.digits.get(..usize::try_from(keep).ok()?)?.parse().ok()
    }
}

/// Saturates absurd exponents (`1e999999999999999999999`) instead of failing.
fn parse_exponent(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let digits = text.trim_start_matches(['-', '+']);
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX / 2);
    if negative { -magnitude } else { magnitude }
}

/// Reads the value of a minutes key; the error says what is wrong and how to write it.
pub(crate) fn read_minutes(key: &str, value: &Value) -> Result<u64, String> {
    match value {
        Value::NumberLit(number) => read_number(key, number.value),
        Value::StringLit(text) => Err(string_minutes(key, &text.value)),
        other => Err(format!(
            "`{key}` is a whole number of minutes such as `60`, not {}",
            describe(other)
        )),
    }
}

fn read_number(key: &str, text: &str) -> Result<u64, String> {
    read_decimal(key, text, &Unit::MINUTES)
}

/// How the messages name what a number counts.
struct Unit {
    /// ` of minutes`, or empty.
    of: &'static str,
    /// Why it cannot be negative.
    negative: &'static str,
    /// The largest value accepted, if any below `u64::MAX`.
    max: Option<u64>,
}

impl Unit {
    const MINUTES: Unit = Unit {
        of: " of minutes",
        negative: "counts minutes after last use, so it is 0 or more",
        max: Some(super::limits::MAX_MINUTES),
    };
    const PLAIN: Unit = Unit {
        of: "",
        negative: "is a whole number, 0 or more",
        max: None,
    };
}

fn read_decimal(key: &str, text: &str, unit: &Unit) -> Result<u64, String> {
    let decimal = Decimal::parse(text);
    if decimal.negative && !decimal.is_zero() {
        return Err(format!("`{text}` is negative: `{key}` {}", unit.negative));
    }
    let of = unit.of;
    if !decimal.is_whole() {
        return Err(match decimal.floor() {
            Some(floor) if floor < u64::MAX => format!(
                "`{text}` is not a whole number{of}: write `{floor}` or `{}`",
                floor + 1
            ),
            _ => format!("`{text}` is not a whole number{of}"),
        });
    }
    let too_large = |max: u64| {
        format!(
            "`{text}` minutes is more than 100 years: `{key}` is at most {max} (100 years); to \
             keep an image for good, pin it or leave it out of the rule"
        )
    };
    let Some(number) = decimal.to_u64() else {
        return Err(match unit.max {
            Some(max) => too_large(max),
            None => format!("`{text}` is too large: `{key}` is at most {}", u64::MAX),
        });
    };
    if let Some(max) = unit.max
        && number > max
    {
        return Err(too_large(max));
    }
    if number.to_string() != text {
        // `1e3`, `60.0`, `-0`: whole, but other readers (Go's int) reject them.
        return Err(format!(
            "`{text}` must be written as a plain whole number: `{number}`"
        ));
    }
    Ok(number)
}

/// Reads a whole number that is not a duration (`last`, `high_percent`); `example` shows a
/// typical value in the messages, `least` the smallest one the key takes (a negative number is
/// refused with the same words as one below it). Upper bounds are the caller's to check.
pub(crate) fn read_whole(
    key: &str,
    value: &Value,
    example: u64,
    least: u64,
) -> Result<u64, String> {
    match value {
        Value::NumberLit(number) if number.value.trim_start().starts_with('-') => Err(format!(
            "`{}` is negative: `{key}` is at least {least}",
            number.value
        )),
        Value::NumberLit(number) => read_decimal(key, number.value, &Unit::PLAIN),
        Value::StringLit(text) => Err(match text.value.trim().parse::<u64>() {
            Ok(n) => format!("`{key}` is a number, not a string: write `{n}` without quotes"),
            Err(_) => format!(
                "`{key}` is a whole number such as `{example}`, not the string \"{}\"",
                text.value
            ),
        }),
        other => Err(format!(
            "`{key}` is a whole number such as `{example}`, not {}",
            describe(other)
        )),
    }
}

fn string_minutes(key: &str, text: &str) -> String {
    if let Ok(n) = text.trim().parse::<u64>() {
        return format!("`{key}` is a number, not a string: write `{n}` without quotes");
    }
    if let Ok(duration) = humantime::parse_duration(text.trim()) {
        let seconds = duration.as_secs();
        if seconds % 60 == 0 && duration.subsec_nanos() == 0 {
            return format!(
                "`{key}` is a number of minutes, not a string: write `{}` for \"{text}\"",
                seconds / 60
            );
        }
    }
    format!("`{key}` is a whole number of minutes such as `60`, not the string \"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Result<u64, String> {
        read_number("delete_after_minutes", text)
    }

    #[test]
    fn plain_whole_numbers() {
        assert_eq!(number("0"), Ok(0));
        assert_eq!(number("30"), Ok(30));
        assert_eq!(number("52560000"), Ok(52_560_000));
        assert!(number("52560001").unwrap_err().contains("100 years"));
        assert!(
            number("18446744073709551615")
                .unwrap_err()
                .contains("100 years")
        );
    }

    #[test]
    fn negative() {
        assert!(number("-5").unwrap_err().contains("negative"));
        assert!(number("-0.5").unwrap_err().contains("negative"));
        assert!(number("-1e3").unwrap_err().contains("negative"));
    }

    #[test]
    fn fractional_suggests_neighbours() {
        assert_eq!(
            number("1.5").unwrap_err(),
            "`1.5` is not a whole number of minutes: write `1` or `2`"
        );
        assert!(
            number("1.0000000000000000001")
                .unwrap_err()
                .contains("not a whole")
        );
        assert!(number("25e-1").unwrap_err().contains("write `2` or `3`"));
        assert!(number("1e-400").unwrap_err().contains("write `0` or `1`"));
    }

    #[test]
    fn too_large_names_the_hundred_year_limit_however_large() {
        for text in [
            "52560001",
            "18446744073709551616",
            "99999999999999999999999",
            "1e30",
            "1e99999999999999999999",
        ] {
            let error = number(text).unwrap_err();
            assert!(
                error.contains("more than 100 years") && error.contains("52560000"),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn whole_but_not_plain() {
        assert_eq!(
            number("1e3").unwrap_err(),
            "`1e3` must be written as a plain whole number: `1000`"
        );
        assert!(number("60.0").unwrap_err().contains("`60`"));
        assert!(number("-0").unwrap_err().contains("`0`"));
        assert!(number("1.5e1").unwrap_err().contains("`15`"));
    }

    #[test]
    fn strings_get_a_suggestion() {
        assert!(string_minutes("k", "30").contains("write `30` without quotes"));
        assert!(string_minutes("k", "2h").contains("write `120`"));
        assert!(string_minutes("k", "soon").contains("not the string \"soon\""));
    }
}

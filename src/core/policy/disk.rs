//! The disk-pressure object (§11): two watermarks in percent, `1 ≤ low < high ≤ 99`.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::document::{DiskMarks, Spelling};
use super::keys::{keys, other};
use super::minutes::read_whole;
use crate::core::doc::Report;
use crate::core::doc::Strays;
use crate::core::doc::child;
use crate::core::doc::describe;
use crate::core::doc::unique_props;

/// Reads the disk object, reporting every problem; `None` if anything is wrong.
pub(crate) fn read_disk(
    report: &mut Report,
    value: &Value,
    path: &str,
    spelling: Spelling,
) -> Option<DiskMarks> {
    let own = keys(spelling);
    let foreign = keys(other(spelling));
    let example = format!("{{\"{}\": 85, \"{}\": 75}}", own.high, own.low);
    let Value::Object(object) = value else {
        report.error(
            path,
            value.start(),
            format!(
                "`{}` is an object such as {example}, not {}",
                own.disk,
                describe(value)
            ),
        );
        return None;
    };
    let mut high = None;
    let mut low = None;
    let known = own.disk_keys();
    let here = format!("this is `{}.{}`", own.policy, own.disk);
    let mut strays = Strays::new(here, format!("`{}`", own.disk), false, &known);
    for prop in unique_props(report, object, path) {
        let key = prop.name.as_str();
        let key_path = child(path, key);
        let at = prop.value.start();
        if key == own.high || key == own.low {
            let read = read_percent(key, &prop.value)
                .map_err(|message| report.error(&key_path, at, message))
                .ok()
                .map(|percent| (percent, key_path, at));
            if key == own.high {
                high = read;
            } else {
                low = read;
            }
        } else {
            let ours = own.translate_disk(foreign, key);
            strays.report(
                report,
                &key_path,
                prop.name.start(),
                key,
                ours,
                foreign.policy,
            );
        }
    }
    let present = |key: &str| strays.present(object, key);
    for (key, what) in [
        (
            own.high,
            "the usage in percent at which space is freed, e.g. 85",
        ),
        (own.low, "the usage in percent it is freed down to, e.g. 75"),
    ] {
        if !present(key) {
            report.error(path, object.start(), format!("missing `{key}`: {what}"));
        }
    }
    let ((high, _, _), (low, low_path, low_at)) = (high?, low?);
    if low >= high {
        report.error(
            &low_path,
            low_at,
            format!(
                "`{}` ({low}) must be below `{}` ({high}): space is freed from the high mark down to the low one, e.g. {example}",
                own.low, own.high
            ),
        );
        return None;
    }
    (!strays.any()).then_some(DiskMarks {
        high_percent: high,
        low_percent: low,
    })
}

fn read_percent(key: &str, value: &Value) -> Result<u8, String> {
    match read_whole(key, value, 85, 1)? {
        n @ 1..=99 => Ok(n as u8),
        n => Err(format!(
            "`{n}` is out of range: `{key}` is a percentage of the disk from 1 to 99"
        )),
    }
}

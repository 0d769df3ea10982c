//! Warnings about rules that are valid but probably not what was meant.

use super::document::Rule;
use super::overlap::warn_duplicates_and_shadows;
use super::reach::warn_reaches_further;
use super::report::Report;
use super::rule::RuleSite;

pub(crate) fn lint(report: &mut Report, rules: &[(Rule, RuleSite)]) {
    warn_duplicates_and_shadows(report, rules);
    for (rule, site) in rules {
        if let Some(message) = warn_reaches_further(&rule.image_name) {
            report.warning(&site.name_path, site.name_offset, message);
        }
    }
}

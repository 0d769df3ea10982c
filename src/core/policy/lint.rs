//! Warnings about rules that are valid but probably not what was meant.

use super::image_policy::ImagePolicy;
use super::kept_reach::warn_kept_out_of_reach;
use super::overlap::warn_duplicates_and_shadows;
use super::reach::warn_reaches_further;
use crate::core::doc::Report;

pub(crate) fn lint(report: &mut Report, read: &ImagePolicy) {
    warn_duplicates_and_shadows(report, &read.rules);
    warn_kept_out_of_reach(report, &read.rules, &read.keep);
    for (rule, site) in &read.rules {
        if let Some(message) = warn_reaches_further(&rule.image_name) {
            report.warning(&site.name_path, site.name_offset, message);
        }
    }
}

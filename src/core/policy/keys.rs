//! The key names of each spelling, in one place.

use super::document::Spelling;

/// Keys of one spelling of the image policy.
pub(crate) struct Keys {
    /// Top-level key holding the image policy object.
    pub policy: &'static str,
    /// Key of the removal rule list inside the image policy object.
    pub list: &'static str,
    pub name: &'static str,
    pub minutes: &'static str,
    pub downloaded_only: &'static str,
    /// Key of the keep rule list inside the image policy object, and its count key.
    pub keep_list: &'static str,
    pub last: &'static str,
    /// Key of the disk-pressure object inside the image policy object, and its two marks.
    pub disk: &'static str,
    pub high: &'static str,
    pub low: &'static str,
}

pub(crate) const SEED: Keys = Keys {
    policy: "image_policy",
    list: "removal",
    name: "image_name",
    minutes: "delete_after_minutes",
    downloaded_only: "agent_downloaded_only",
    keep_list: "keep",
    last: "last",
    disk: "disk",
    high: "high_percent",
    low: "low_percent",
};

pub(crate) const ANAX: Keys = Keys {
    policy: "agentImagePolicy",
    list: "imageRemovalPolicies",
    name: "imageId",
    minutes: "deleteAfterMinutes",
    downloaded_only: "agentDownloadedOnly",
    keep_list: "imageKeepPolicies",
    last: "last",
    disk: "diskPressure",
    high: "highPercent",
    low: "lowPercent",
};

/// Top-level NMP keys of an upgrade policy, which excludes an image policy.
pub(crate) const UPGRADE_KEYS: [&str; 2] = ["upgrade", "agentUpgradePolicy"];

pub(crate) fn keys(spelling: Spelling) -> &'static Keys {
    match spelling {
        Spelling::Seed => &SEED,
        Spelling::Anax => &ANAX,
    }
}

pub(crate) fn other(spelling: Spelling) -> Spelling {
    match spelling {
        Spelling::Seed => Spelling::Anax,
        Spelling::Anax => Spelling::Seed,
    }
}

impl Keys {
    pub(crate) fn rule_keys(&self) -> [&'static str; 3] {
        [self.name, self.minutes, self.downloaded_only]
    }

    /// The keys of the image policy object itself.
    pub(crate) fn section_keys(&self) -> [&'static str; 3] {
        [self.list, self.keep_list, self.disk]
    }

    pub(crate) fn keep_keys(&self) -> [&'static str; 2] {
        [self.name, self.last]
    }

    pub(crate) fn disk_keys(&self) -> [&'static str; 2] {
        [self.high, self.low]
    }

    /// The same field in this spelling, given its name in the other one.
    pub(crate) fn translate(&self, from: &Keys, key: &str) -> Option<&'static str> {
        translate(&from.rule_keys(), &self.rule_keys(), key)
    }

    /// `translate` for the keys of one keep rule.
    pub(crate) fn translate_keep(&self, from: &Keys, key: &str) -> Option<&'static str> {
        translate(&from.keep_keys(), &self.keep_keys(), key)
    }

    /// `translate` for the keys of the disk object.
    pub(crate) fn translate_disk(&self, from: &Keys, key: &str) -> Option<&'static str> {
        translate(&from.disk_keys(), &self.disk_keys(), key)
    }

    /// `translate` for the keys of the image policy object.
    pub(crate) fn translate_section(&self, from: &Keys, key: &str) -> Option<&'static str> {
        translate(&from.section_keys(), &self.section_keys(), key)
    }
}

/// A key of one spelling's list, as the same position in the other's; `None` when the key is
/// spelt the same in both (`last`) or is not in the list.
fn translate<const N: usize>(
    from: &[&'static str; N],
    to: &[&'static str; N],
    key: &str,
) -> Option<&'static str> {
    let i = from.iter().position(|k| *k == key)?;
    (to[i] != key).then_some(to[i])
}

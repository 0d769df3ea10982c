//! The key names of each spelling, in one place.

use super::document::Spelling;

/// Keys of one spelling of the image policy.
pub(crate) struct Keys {
    /// Top-level key holding the image policy object.
    pub policy: &'static str,
    /// Key of the rule list inside the image policy object.
    pub list: &'static str,
    pub name: &'static str,
    pub minutes: &'static str,
    pub downloaded_only: &'static str,
}

pub(crate) const SEED: Keys = Keys {
    policy: "image_policy",
    list: "removal",
    name: "image_name",
    minutes: "delete_after_minutes",
    downloaded_only: "agent_downloaded_only",
};

pub(crate) const ANAX: Keys = Keys {
    policy: "agentImagePolicy",
    list: "imageRemovalPolicies",
    name: "imageId",
    minutes: "deleteAfterMinutes",
    downloaded_only: "agentDownloadedOnly",
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

    /// The same field in this spelling, given its name in the other one.
    pub(crate) fn translate(&self, from: &Keys, key: &str) -> Option<&'static str> {
        from.rule_keys()
            .iter()
            .position(|k| *k == key)
            .map(|i| self.rule_keys()[i])
    }
}

//! A registry policy: which tags of which repositories a registry keeps.

use serde::Serialize;

/// `registry_policy` of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryPolicy {
    /// `host[:port]`, as in an image name: `registry.example.org`, `127.0.0.1:5000`.
    pub registry: String,
    pub repositories: Vec<RepositoryRule>,
}

/// What one repository (or every repository a pattern matches) keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepositoryRule {
    /// A repository path, or a pattern (`*`, `?`) over repository paths.
    pub repository: String,
    /// Tags (or tag patterns) always kept.
    pub keep: Vec<String>,
    /// A tag belongs to the first category whose pattern matches it.
    pub categories: Vec<Category>,
}

/// A category of tags, and how many of them (or how recent) are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Category {
    pub name: String,
    /// Pattern over tags.
    pub tags: String,
    pub order: Order,
    /// Keep the newest `last` by `order`.
    pub last: Option<u64>,
    /// Keep those whose image was created less than this many days ago.
    pub max_age_days: Option<u64>,
}

impl Category {
    /// Whether deciding needs each image's creation date (read from its config).
    pub fn needs_dates(&self) -> bool {
        self.order == Order::Created || self.max_age_days.is_some()
    }
}

/// What "newest" means in a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Natural order of the tag text, numbers compared as numbers.
    Tag,
    /// Semantic versions, a leading `v` or `r` allowed.
    Semver,
    /// The image config's `created` date.
    Created,
}

impl Order {
    pub const NAMES: [&'static str; 3] = ["tag", "semver", "created"];

    pub fn parse(text: &str) -> Option<Order> {
        match text {
            "tag" => Some(Order::Tag),
            "semver" => Some(Order::Semver),
            "created" => Some(Order::Created),
            _ => None,
        }
    }
}

//! Registries (§15), the pure part: registry policy documents, the retention plan over a
//! repository's tags, tag orders, and how a reference names a registry and repository.

mod document;
mod glob;
mod name;
mod order;
mod read;
mod retention;

pub use document::{Category, Order, RegistryPolicy, RepositoryRule};
pub use glob::matches;
pub use name::{RegistryName, api_host, digest_of, update_stands};
pub use order::{natural_cmp, semver_key};
pub use read::{is_registry_policy, parse_registry_policy};
pub use retention::{Deletion, Held, RepositoryPlan, TagDecision, TagFacts, plan_repository};

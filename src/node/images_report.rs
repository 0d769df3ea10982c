//! The rows of `imgreaper images --json` (assets/schema/images.schema.json): the core's report
//! of each reference, with what the last registry check found. The same for the node's command
//! line and for `rpc` (the fleet).

use crate::core::plan::RefPlan;
use crate::core::registry::update_stands;
use crate::core::report::reports;
use crate::core::snapshot::Snapshot;
use crate::node::store::Store;
use anyhow::Result;
use std::collections::HashMap;

/// A row per reference, as `images --json` prints them.
pub fn images_json(snapshot: &Snapshot, store: &Store) -> Result<Vec<serde_json::Value>> {
    let updates = registry_updates(snapshot, store)?;
    let mut rows = Vec::with_capacity(snapshot.rows.len());
    for (row, report) in snapshot.rows.iter().zip(reports(snapshot)) {
        let mut value = serde_json::to_value(report)?;
        let found = updates(row);
        value["update_available"] = found.is_some().into();
        value["registry_digest"] = found.into();
        rows.push(value);
    }
    Ok(rows)
}

/// What the last `check` found for a row: the registry's digest, while the image still carries
/// the digest it was found with.
pub fn registry_updates<'s>(
    snapshot: &'s Snapshot,
    store: &Store,
) -> Result<impl Fn(&RefPlan) -> Option<String> + 's> {
    let standing = updates_standing(snapshot, store)?;
    Ok(move |row: &RefPlan| standing.get(row.reference.as_ref()?).cloned())
}

/// Each tag the last `check` found moved, with the registry's digest, for as long as its image
/// still carries the digest it was found with (a tag names one image).
pub fn updates_standing(snapshot: &Snapshot, store: &Store) -> Result<HashMap<String, String>> {
    let mut standing = HashMap::new();
    for (reference, found) in store.updates_found()? {
        let stands = snapshot.inventory.images.iter().any(|image| {
            image.references.contains(&reference)
                && update_stands(&image.repo_digests, &reference, &found.local_digest)
        });
        if stands {
            standing.insert(reference, found.registry_digest);
        }
    }
    Ok(standing)
}

/// Whether any saved policy sets disk marks: only then is the disk read for a reading that
/// would not show it otherwise (finding the data root costs the engine a `docker info`).
pub fn wants_disk(store: &Store) -> Result<bool> {
    Ok(store.policies()?.iter().any(|p| p.document.disk.is_some()))
}

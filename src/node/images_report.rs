//! The rows of `imgreaper images --json` (assets/schema/images.schema.json): the core's report
//! of each reference, with what the last registry check found. The same for the node's command
//! line and for `rpc` (the fleet).

use crate::core::plan::RefPlan;
use crate::core::registry::update_stands;
use crate::core::report::reports;
use crate::core::snapshot::Snapshot;
use crate::node::store::Store;
use anyhow::Result;

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
    let updates = store.updates_found()?;
    Ok(move |row: &RefPlan| {
        let reference = row.reference.as_ref()?;
        let found = updates.get(reference)?;
        let image = &snapshot.inventory.images[row.image];
        update_stands(&image.repo_digests, reference, &found.local_digest)
            .then_some(found.registry_digest.clone())
    })
}

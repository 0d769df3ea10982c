//! What a name given by an operator means on this node: the reference it resolves to, the pin
//! or keep rule that covers it, what `pin` stores for it. Reads a snapshot only.

use crate::core::model::Image;
use crate::core::plan::{RefState, current_names};
use crate::core::policy::{Matcher, qualified_form, short_form, validate_pattern};
use crate::core::snapshot::Snapshot;
use crate::core::why::Why;
use crate::node::manual::names_now;
use crate::node::removal::Target;
use crate::node::usage::UsageError;

/// Why a name does not resolve to one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// No local image carries it (the message says so).
    NotHere(String),
    /// It names several references or images (the message says how to choose).
    Ambiguous(String),
}

impl Unresolved {
    pub fn message(&self) -> &str {
        match self {
            Unresolved::NotHere(text) | Unresolved::Ambiguous(text) => text,
        }
    }
}

impl From<Unresolved> for anyhow::Error {
    fn from(unresolved: Unresolved) -> anyhow::Error {
        UsageError(unresolved.message().to_string()).into()
    }
}

/// Finds the image a command-line name means: a reference in any of its forms, a digest name
/// (`repo@sha256:…`, `repo:tag@sha256:…`) of the one reference that carries it, or an image ID
/// (full or a unique prefix) of a dangling image or of an image with a single name.
pub fn resolve(snapshot: &Snapshot, name: &str) -> Result<Target, Unresolved> {
    let wanted = [name.to_string(), short_form(name), qualified_form(name)];
    let target = |image: &Image, reference: String| {
        // Used only if it is removed: then by hand, with the plan's rule for the record.
        let why = snapshot
            .rows
            .iter()
            .find(|row| {
                snapshot.inventory.images[row.image].id == image.id
                    && row.key(&snapshot.inventory) == reference
            })
            .map(|row| Why::by_hand(snapshot, row));
        Target {
            reference,
            image_id: image.id.clone(),
            size: image.size,
            why,
        }
    };
    for image in &snapshot.inventory.images {
        if let Some(found) = image.references.iter().find(|r| wanted.contains(r)) {
            return Ok(target(image, found.clone()));
        }
    }
    if name.contains('@') {
        let carriers: Vec<(&Image, &String)> = snapshot
            .inventory
            .images
            .iter()
            .flat_map(|image| image.references.iter().map(move |r| (image, r)))
            .filter(|(image, reference)| {
                current_names(image, reference)
                    .iter()
                    .any(|n| qualified_form(n) == wanted[2])
            })
            .collect();
        match carriers.as_slice() {
            [] => {}
            [(image, reference)] => return Ok(target(image, (*reference).clone())),
            several => {
                let names: Vec<&str> = several.iter().map(|(_, r)| r.as_str()).collect();
                return Err(Unresolved::Ambiguous(format!(
                    "{name} is carried by {}; name the one you mean",
                    names.join(", ")
                )));
            }
        }
    }
    match image_by_id(snapshot, name)? {
        Some(image) => match image.references.as_slice() {
            [] => Ok(target(image, image.id.clone())),
            [only] => Ok(target(image, only.clone())),
            several => Err(Unresolved::Ambiguous(format!(
                "image {name} has several names ({}); name the one to remove",
                several.join(", ")
            ))),
        },
        None => Err(Unresolved::NotHere(format!(
            "no local image is named {name}; `imgreaper images` lists them"
        ))),
    }
}

/// The one image whose ID is `name` (full, with or without `sha256:`, or a unique prefix of at
/// least 4 hex digits); `None` when no image ID begins so.
fn image_by_id<'s>(snapshot: &'s Snapshot, name: &str) -> Result<Option<&'s Image>, Unresolved> {
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    if hex.len() < 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let by_id: Vec<&Image> = snapshot
        .inventory
        .images
        .iter()
        .filter(|i| i.id.trim_start_matches("sha256:").starts_with(hex))
        .collect();
    match by_id.as_slice() {
        [] => Ok(None),
        [image] => Ok(Some(image)),
        _ => Err(Unresolved::Ambiguous(format!(
            "{name} matches several image IDs; give more of the ID"
        ))),
    }
}

/// The keep rule that keeps a target, as the tables name it.
pub fn kept_by(snapshot: &Snapshot, target: &Target) -> Option<String> {
    snapshot
        .rows
        .iter()
        .find(|row| {
            row.state == RefState::Kept
                && snapshot.inventory.images[row.image].id == target.image_id
                && row.key(&snapshot.inventory) == target.reference
        })
        .and_then(|row| row.kept_by)
        .map(|k| snapshot.rules.keeps[k].label())
}

/// How many local references a pattern (or name) matches now.
pub fn matching_now(snapshot: &Snapshot, pattern: &str) -> usize {
    let matcher = Matcher::new(&[pattern]);
    let mut hits = Vec::new();
    snapshot
        .inventory
        .images
        .iter()
        .flat_map(|image| image.references.iter())
        .filter(|reference| {
            names_now(snapshot, reference).iter().any(|name| {
                matcher.matches_into(name, &mut hits);
                !hits.is_empty()
            })
        })
        .count()
}

/// What `pin` and `unpin` store: a pattern as written, a digest name (it follows the content),
/// the local reference a name resolves to (or the ID of a dangling image), or a valid name not
/// here yet. A pin follows its name (§12).
pub fn pin_key(snapshot: &Snapshot, name: &str) -> anyhow::Result<(String, Option<Target>)> {
    let name = name.trim();
    if name.contains(['*', '?']) {
        validate_pattern(name).map_err(|e| UsageError(format!("cannot pin {name}: {e}")))?;
        return Ok((name.to_string(), None));
    }
    if name.contains('@') && validate_pattern(name).is_ok() {
        return Ok((short_form(name), resolve(snapshot, name).ok()));
    }
    // An image ID pins that image, whatever its names come to be (§12).
    let is_a_name = snapshot.inventory.images.iter().any(|image| {
        image.references.iter().any(|r| {
            r == name || short_form(r) == name || qualified_form(r) == qualified_form(name)
        })
    });
    if !is_a_name && let Some(image) = image_by_id(snapshot, name)? {
        let target = Target {
            reference: image.id.clone(),
            image_id: image.id.clone(),
            size: image.size,
            why: None,
        };
        return Ok((image.id.clone(), Some(target)));
    }
    match resolve(snapshot, name) {
        Ok(target) => Ok((target.reference.clone(), Some(target))),
        Err(not_here) => match validate_pattern(name) {
            Ok(()) => Ok((short_form(name), None)),
            Err(_) => Err(not_here.into()),
        },
    }
}

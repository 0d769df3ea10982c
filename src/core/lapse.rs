//! Which operator decisions no longer hold (DESIGN.md §12). Pure.
//!
//! An approval answers one due removal of one image under one name: it lapses when the name
//! comes to point at another image or is gone, and when the image is used again (a container
//! made from it, even one that lived a second). A postponement holds one image: it stays with
//! that image when the name moves on, and lapses only when the image is gone.

use crate::core::model::{Inventory, Overrides, Timestamp, reference_key};
use std::collections::HashMap;

/// Which kind of decision lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Approval,
    Postponement,
}

impl DecisionKind {
    pub fn noun(self) -> &'static str {
        match self {
            DecisionKind::Approval => "approval",
            DecisionKind::Postponement => "postponement",
        }
    }
}

/// One decision that no longer holds, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapse {
    pub kind: DecisionKind,
    pub reference: String,
    pub image_id: String,
    pub why: String,
}

/// The decisions that lapsed, given the engine as it is, when each approval was given
/// (reference -> (image ID, approved at)) and the latest use of each image seen since the last
/// look (image ID -> when a container was created from it or destroyed).
pub fn lapsed(
    inventory: &Inventory,
    overrides: &Overrides,
    approved_at: &HashMap<String, (String, Timestamp)>,
    used_at: &HashMap<String, Timestamp>,
) -> Vec<Lapse> {
    let mut carried: HashMap<String, &str> = HashMap::new();
    for image in &inventory.images {
        if image.references.is_empty() {
            carried.insert(image.id.clone(), &image.id);
        }
        for reference in &image.references {
            carried.insert(reference_key(image, Some(reference)), &image.id);
        }
    }
    let present = |id: &str| inventory.images.iter().find(|i| i.id == id);
    let mut lapses = Vec::new();
    for (reference, image_id) in &overrides.approvals {
        let why = match carried.get(reference).copied() {
            None => Some(format!("{reference} is gone")),
            Some(other) if other != image_id => Some(format!("{reference} now points at {other}")),
            Some(_) => {
                let image = present(image_id);
                let given = approved_at.get(reference).map(|(_, at)| *at);
                if image.is_some_and(|i| i.in_use()) {
                    Some(format!("{image_id} is in use again"))
                } else {
                    used_at
                        .get(image_id.as_str())
                        .filter(|used| given.is_none_or(|given| **used >= given))
                        .map(|_| format!("{image_id} was used again after the approval"))
                }
            }
        };
        if let Some(why) = why {
            lapses.push(Lapse {
                kind: DecisionKind::Approval,
                reference: reference.clone(),
                image_id: image_id.clone(),
                why,
            });
        }
    }
    for (reference, image_id) in overrides.postponements.keys() {
        if present(image_id).is_none() {
            lapses.push(Lapse {
                kind: DecisionKind::Postponement,
                reference: reference.clone(),
                image_id: image_id.clone(),
                why: format!("{image_id} is gone"),
            });
        }
    }
    lapses.sort_by(|a, b| (&a.reference, &a.image_id).cmp(&(&b.reference, &b.image_id)));
    lapses
}

//! Last-used and first-seen bookkeeping: (what we remembered, what the engine holds now, now)
//! -> what to remember. Pure. Where it cannot know (we were not watching), it errs toward
//! keeping images longer: an image found no longer in use is taken to have stopped just now.

use crate::model::{ImageRecord, Inventory, Timestamp};
use std::collections::HashMap;

pub fn reconcile(
    previous: &HashMap<String, ImageRecord>,
    inventory: &Inventory,
    now: Timestamp,
) -> HashMap<String, ImageRecord> {
    inventory
        .images
        .iter()
        .map(|image| {
            let record = match previous.get(&image.id) {
                Some(old) => ImageRecord {
                    last_used: match (image.in_use(), old.last_used) {
                        (true, _) => 0,
                        (false, 0) => now,
                        (false, last) => last,
                    },
                    ..*old
                },
                None => ImageRecord {
                    first_seen: now,
                    last_used: if image.in_use() { 0 } else { now },
                    pulled_at: None,
                    agent_downloaded: false,
                },
            };
            (image.id.clone(), record)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Container, Image};

    fn image(id: &str, in_use: bool) -> Image {
        Image {
            id: id.into(),
            references: vec![format!("{id}:1")],
            repo_digests: vec![],
            size: 1,
            created: 0,
            containers: if in_use {
                vec![Container {
                    id: "c".into(),
                    name: "c".into(),
                    state: "created".into(),
                }]
            } else {
                vec![]
            },
        }
    }

    fn record(first_seen: i64, last_used: i64) -> ImageRecord {
        ImageRecord {
            first_seen,
            last_used,
            pulled_at: None,
            agent_downloaded: false,
        }
    }

    #[test]
    fn new_images_count_from_first_seen_and_in_use_is_zero() {
        let inventory = Inventory {
            images: vec![image("a", false), image("b", true)],
        };
        let records = reconcile(&HashMap::new(), &inventory, 100);
        assert_eq!(records["a"], record(100, 100));
        assert_eq!(records["b"], record(100, 0));
    }

    #[test]
    fn last_used_is_set_when_the_last_container_goes_and_kept_otherwise() {
        let previous = HashMap::from([
            ("a".to_string(), record(10, 0)),
            ("b".to_string(), record(10, 50)),
        ]);
        let inventory = Inventory {
            images: vec![image("a", false), image("b", false)],
        };
        let records = reconcile(&previous, &inventory, 200);
        assert_eq!(records["a"].last_used, 200);
        assert_eq!(records["b"].last_used, 50);
        assert_eq!(records["a"].first_seen, 10);
    }

    #[test]
    fn images_gone_from_the_engine_are_forgotten() {
        let previous = HashMap::from([("gone".to_string(), record(10, 20))]);
        let records = reconcile(&previous, &Inventory::default(), 200);
        assert!(records.is_empty());
    }
}

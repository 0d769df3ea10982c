//! Last-used, first-seen and pulled bookkeeping: (what we remembered, what the engine holds now,
//! the engine events seen since, now) -> what to remember. Pure.
//!
//! Events fill what an inventory alone cannot know: a pull made while nobody watched (replayed
//! from the engine's event log) makes an image agent-downloaded, and a container that was created
//! and destroyed between two inventories still counts as use, at the time it was destroyed.
//! Where nothing says otherwise it errs toward keeping images longer: an image found no longer in
//! use, with no event to date it, is taken to have stopped just now.

use crate::core::model::{Image, Inventory, Stamp, Timestamp, TrackedImage};
use crate::core::policy::{qualified_form, repository_of, short_form};
use crate::core::time::Moment;
use std::collections::HashMap;

/// What the engine's events said happened since the last reconcile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// (the name pulled, when).
    pub pulls: Vec<(String, Timestamp)>,
    /// (the image as a container named it — a name or an ID —, when it was created or destroyed).
    pub uses: Vec<(String, Timestamp)>,
    /// The previous look at the events, in this boot: its time since boot (each of these
    /// happened after it) and the boot's wall-clock offset then (what dated them, unless the
    /// clock stepped since).
    pub previous: Option<(i64, Timestamp)>,
}

impl Observed {
    pub fn is_empty(&self) -> bool {
        self.pulls.is_empty() && self.uses.is_empty()
    }
}

pub fn reconcile(
    previous: &HashMap<String, TrackedImage>,
    inventory: &Inventory,
    observed: &Observed,
    known_names: &HashMap<String, Vec<String>>,
    moment: &Moment,
) -> HashMap<String, TrackedImage> {
    let now = Stamp::at(moment);
    let mut tracked: HashMap<String, TrackedImage> = inventory
        .images
        .iter()
        .map(|image| {
            let record = match previous.get(&image.id).map(|old| old.rebase(moment)) {
                Some(old) => TrackedImage {
                    last_used: if image.in_use() {
                        None
                    } else {
                        old.last_used.or(Some(now))
                    },
                    ..old
                },
                None => TrackedImage {
                    boot: Some(moment.boot),
                    boot_offset: Some(moment.offset()),
                    first_seen: now,
                    last_used: (!image.in_use()).then_some(now),
                    pulled: None,
                    agent_downloaded: false,
                },
            };
            (image.id.clone(), record)
        })
        .collect();

    // Uses seen in events: the latest one dates the image's last use (never later than now).
    for (id, at) in uses_by_image(inventory, observed, known_names) {
        let Some(record) = tracked.get_mut(&id) else {
            continue;
        };
        let was_in_use = previous.get(&id).is_some_and(|old| old.last_used.is_none());
        let event = Stamp::from_wall(at, moment, observed.previous);
        record.last_used = match record.last_used {
            None => None,
            // It stopped being used between two inventories: the event says when.
            Some(_) if was_in_use => Some(event),
            Some(current) if event.wall > record_wall(record, current, moment) => Some(event),
            keep => keep,
        };
    }

    for (name, at) in &observed.pulls {
        for image in pulled_images(inventory, name) {
            if let Some(record) = tracked.get_mut(&image.id) {
                record.agent_downloaded = true;
                let pulled = Stamp::from_wall(*at, moment, observed.previous);
                if record.pulled.is_none_or(|p| p.wall < pulled.wall) {
                    record.pulled = Some(pulled);
                }
            }
        }
    }
    tracked
}

/// image ID -> the latest use of it the events tell of (a container created from it or
/// destroyed), as the engine's clock dated it.
pub fn uses_by_image(
    inventory: &Inventory,
    observed: &Observed,
    known_names: &HashMap<String, Vec<String>>,
) -> HashMap<String, Timestamp> {
    let mut last_use: HashMap<String, Timestamp> = HashMap::new();
    for (named, at) in &observed.uses {
        for image in images_named(inventory, known_names, named) {
            let entry = last_use.entry(image.id.clone()).or_insert(*at);
            *entry = (*entry).max(*at);
        }
    }
    last_use
}

/// A stamp's wall time as the record places it now.
fn record_wall(record: &TrackedImage, stamp: Stamp, moment: &Moment) -> Timestamp {
    match stamp.up {
        Some(up) if record.boot == Some(moment.boot) => moment.wall_at(up),
        Some(up) => record
            .boot_offset
            .map_or(stamp.wall, |o| o.saturating_add(up)),
        None => stamp.wall,
    }
}

/// The images a name (or an ID, as a container or an event names them) means: the image carrying
/// it now, and any that carried it before (a moved tag: the old image was the one in use).
fn images_named<'a>(
    inventory: &'a Inventory,
    known_names: &HashMap<String, Vec<String>>,
    named: &str,
) -> Vec<&'a Image> {
    let hex = named.strip_prefix("sha256:").unwrap_or(named);
    let by_id = hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit());
    let forms = [named.to_string(), short_form(named), qualified_form(named)];
    let carries = |name: &String| forms.contains(name);
    inventory
        .images
        .iter()
        .filter(|image| {
            (by_id && image.id.trim_start_matches("sha256:").starts_with(hex))
                || image.references.iter().any(carries)
                || known_names
                    .get(&image.id)
                    .is_some_and(|names| names.iter().any(carries))
        })
        .collect()
}

/// The images a pull event names (§12): the ones that carry the registry's digest for the
/// repository pulled, never merely whatever carries the name when the event is read (a local
/// build may have taken the name since).
/// - `repo@sha256:…`: the image carrying that digest.
/// - `repo:tag`: the image carrying the tag, if it carries a digest of `repo`; else the one
///   image with a digest of `repo` that carries no tag of it (the pulled image, whose tag a
///   local build took). When that is not one image, none: an image nobody can tie to the pull
///   is not credited (the safe reading keeps it).
/// - `repo` (every tag pulled): each image carrying a tag of `repo` and a digest of it.
pub fn pulled_images<'a>(inventory: &'a Inventory, pulled: &str) -> Vec<&'a Image> {
    let repository = qualified_form(repository_of(pulled));
    let in_repository = |name: &String| qualified_form(repository_of(name)) == repository;
    let has_digest = |image: &&Image| image.repo_digests.iter().any(in_repository);
    let tags_of_repository = |image: &&Image| {
        image
            .references
            .iter()
            .any(|r| !r.contains('@') && in_repository(r))
    };
    let pulled_q = qualified_form(pulled);
    if pulled.contains('@') {
        return inventory
            .images
            .iter()
            .filter(|image| {
                image
                    .repo_digests
                    .iter()
                    .any(|d| qualified_form(d) == pulled_q)
            })
            .collect();
    }
    let tagged = repository_of(pulled).len() < pulled.len();
    if !tagged {
        return inventory
            .images
            .iter()
            .filter(|image| has_digest(image) && tags_of_repository(image))
            .collect();
    }
    let carrier = inventory.images.iter().find(|image| {
        image
            .references
            .iter()
            .any(|r| qualified_form(r) == pulled_q)
    });
    if let Some(carrier) = carrier.filter(has_digest) {
        return vec![carrier];
    }
    let untagged: Vec<&Image> = inventory
        .images
        .iter()
        .filter(|image| has_digest(image) && !tags_of_repository(image))
        .collect();
    if untagged.len() == 1 {
        untagged
    } else {
        Vec::new()
    }
}

/// image ID -> the names it carries now, for the store to remember.
pub fn current_names(inventory: &Inventory) -> HashMap<String, Vec<String>> {
    inventory
        .images
        .iter()
        .filter(|image| !image.references.is_empty())
        .map(|image| (image.id.clone(), image.references.clone()))
        .collect()
}

/// image ID -> names it carried and carries no longer (a tag that moved away, a name removed).
pub fn former_names(
    inventory: &Inventory,
    known_names: &HashMap<String, Vec<String>>,
) -> HashMap<String, Vec<String>> {
    inventory
        .images
        .iter()
        .filter_map(|image| {
            let former: Vec<String> = known_names
                .get(&image.id)?
                .iter()
                .filter(|name| !image.references.contains(name))
                .cloned()
                .collect();
            (!former.is_empty()).then(|| (image.id.clone(), former))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Container;

    const BOOT: u128 = 7;

    fn moment(wall: Timestamp, up: i64) -> Moment {
        Moment {
            wall,
            up,
            boot: BOOT,
        }
    }

    fn image(id: &str, in_use: bool) -> Image {
        Image {
            id: id.into(),
            references: vec![format!("{id}:1")],
            repo_digests: vec![],
            size: 1,
            created: 0,
            children: Vec::new(),
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

    fn inventory(images: Vec<Image>) -> Inventory {
        Inventory { images }
    }

    fn effective(
        tracked: &HashMap<String, TrackedImage>,
        id: &str,
        at: &Moment,
    ) -> crate::core::model::ImageRecord {
        tracked[id].effective(at)
    }

    #[test]
    fn new_images_count_from_first_seen_and_in_use_is_zero() {
        let at = moment(100, 50);
        let tracked = reconcile(
            &HashMap::new(),
            &inventory(vec![image("a", false), image("b", true)]),
            &Observed::default(),
            &HashMap::new(),
            &at,
        );
        assert_eq!(effective(&tracked, "a", &at).first_seen, 100);
        assert_eq!(effective(&tracked, "a", &at).last_used, 100);
        assert_eq!(effective(&tracked, "b", &at).last_used, 0);
    }

    #[test]
    fn last_used_is_set_when_the_last_container_goes_and_kept_otherwise() {
        let first = moment(10, 10);
        let previous = reconcile(
            &HashMap::new(),
            &inventory(vec![image("a", true), image("b", false)]),
            &Observed::default(),
            &HashMap::new(),
            &first,
        );
        let later = moment(200, 200);
        let tracked = reconcile(
            &previous,
            &inventory(vec![image("a", false), image("b", false)]),
            &Observed::default(),
            &HashMap::new(),
            &later,
        );
        assert_eq!(effective(&tracked, "a", &later).last_used, 200);
        assert_eq!(effective(&tracked, "b", &later).last_used, 10);
        assert_eq!(effective(&tracked, "a", &later).first_seen, 10);
    }

    #[test]
    fn a_wall_clock_step_moves_nothing_recorded_during_this_boot() {
        let first = moment(1_000, 100);
        let tracked = reconcile(
            &HashMap::new(),
            &inventory(vec![image("a", false)]),
            &Observed::default(),
            &HashMap::new(),
            &first,
        );
        // A year's step of the wall clock, thirty real seconds later.
        let stepped = moment(1_000 + 31_536_000 + 30, 130);
        let record = effective(&tracked, "a", &stepped);
        assert_eq!(record.last_used, stepped.wall - 30);
        assert_eq!(record.first_seen, stepped.wall - 30);
    }

    #[test]
    fn a_short_lived_container_dates_the_last_use() {
        let first = moment(1_000, 1_000);
        let previous = reconcile(
            &HashMap::new(),
            &inventory(vec![image("a", false)]),
            &Observed::default(),
            &HashMap::new(),
            &first,
        );
        let later = moment(4_000, 4_000);
        let observed = Observed {
            pulls: vec![],
            uses: vec![("a:1".into(), 3_000), ("a:1".into(), 3_001)],
            // The previous look, with the clock as it is now (no step since).
            previous: Some((first.up, first.offset())),
        };
        let tracked = reconcile(
            &previous,
            &inventory(vec![image("a", false)]),
            &observed,
            &HashMap::new(),
            &later,
        );
        assert_eq!(effective(&tracked, "a", &later).last_used, 3_001);
    }

    #[test]
    fn a_pull_seen_in_events_makes_the_image_agent_downloaded() {
        let at = moment(500, 500);
        let observed = Observed {
            pulls: vec![("a:1".into(), 450)],
            uses: vec![],
            previous: Some((400, at.offset())),
        };
        let mut pulled = image("a", false);
        pulled.repo_digests = vec![format!("a@sha256:{}", "1".repeat(64))];
        let tracked = reconcile(
            &HashMap::new(),
            &inventory(vec![pulled, image("b", false)]),
            &observed,
            &HashMap::new(),
            &at,
        );
        let record = effective(&tracked, "a", &at);
        assert!(record.agent_downloaded);
        assert_eq!(record.pulled_at, Some(450));
        assert!(!effective(&tracked, "b", &at).agent_downloaded);
    }

    fn pulled(id: &str, tags: &[&str], repository: &str) -> Image {
        let mut image = image(id, false);
        image.references = tags.iter().map(|t| t.to_string()).collect();
        image.repo_digests = vec![format!("{repository}@sha256:{}", id.repeat(64))];
        image
    }

    #[test]
    fn a_pull_is_credited_to_the_image_carrying_the_registrys_digest() {
        // `app:2` was pulled, then a local build took the name: the pulled image kept only its
        // digest name; the local one carries the tag and no digest.
        let mut local = image("l", false);
        local.references = vec!["app:2".into()];
        let mut taken = pulled("p", &[], "app");
        taken.references = taken.repo_digests.clone();
        let other = pulled("o", &["app:1"], "app");
        let held = inventory(vec![local, taken, other]);
        let names = |images: Vec<&Image>| images.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(names(pulled_images(&held, "app:2")), ["p"]);
        assert_eq!(
            names(pulled_images(&held, "docker.io/library/app:2")),
            ["p"]
        );
        // Every tag of the repository: the tagged images with its digest.
        assert_eq!(names(pulled_images(&held, "app")), ["o"]);
        // By digest: the image carrying it, whatever its tags.
        let digest = format!("app@sha256:{}", "o".repeat(64));
        assert_eq!(names(pulled_images(&held, &digest)), ["o"]);
        // Two untagged candidates: nobody can tell which was pulled, so neither is credited.
        let mut second = pulled("q", &[], "app");
        second.references = second.repo_digests.clone();
        let mut ambiguous = held.clone();
        ambiguous.images.push(second);
        assert!(pulled_images(&ambiguous, "app:2").is_empty());
    }

    #[test]
    fn an_event_dated_by_a_clock_of_unknown_step_is_placed_on_the_safe_side() {
        let at = moment(10_000, 5_000);
        // With no previous look in this boot, the clock that dated it is unknown: now.
        assert_eq!(Stamp::from_wall(9_000, &at, None).up, Some(5_000));
        // The clock stepped an hour ahead since the previous look: of the two readings, the later.
        let before_the_step = (4_000, at.offset() - 3_600);
        assert_eq!(
            Stamp::from_wall(9_000, &at, Some(before_the_step)).up,
            Some(5_000)
        );
        // Never before the previous look.
        assert_eq!(
            Stamp::from_wall(1, &at, Some((4_500, at.offset()))).up,
            Some(4_500)
        );
    }

    #[test]
    fn images_gone_from_the_engine_are_forgotten() {
        let at = moment(200, 200);
        let previous = reconcile(
            &HashMap::new(),
            &inventory(vec![image("gone", false)]),
            &Observed::default(),
            &HashMap::new(),
            &moment(10, 10),
        );
        let tracked = reconcile(
            &previous,
            &Inventory::default(),
            &Observed::default(),
            &HashMap::new(),
            &at,
        );
        assert!(tracked.is_empty());
    }

    #[test]
    fn former_names_are_the_names_an_image_lost() {
        let known = HashMap::from([(
            "a".to_string(),
            vec!["a:1".to_string(), "app:1".to_string()],
        )]);
        let former = former_names(&inventory(vec![image("a", false)]), &known);
        assert_eq!(former["a"], vec!["app:1".to_string()]);
    }
}

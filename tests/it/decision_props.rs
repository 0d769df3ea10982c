//! A property test of the decisions (DESIGN.md §4, §11, §12), on the pure core the enforcer runs:
//! random histories of pulls and local builds under one name, tags moving (`latest` under a keep
//! rule with `last`), containers created and destroyed, child images built on others,
//! approvals, postponements and pins by name and by image ID across moves, disk pressure, clock
//! steps, engine restarts, reconnections and reboots, with an enforcer cycle (reconcile, lapse,
//! plan, remove) after each step. Every removal is checked against the world's own record of
//! what happened, never against the plan that chose it:
//! - nothing in use (a container, or a child image) is removed;
//! - no held image is removed: pinned (by name or by ID), postponed (under the name it was
//!   given for, or a name it carried), kept by a keep rule matching a tag it carries now;
//! - nothing inside a guard is removed (the start-up delay since boot, the engine's start and
//!   the enforcer's reconnection; the minimum age for images first seen during this boot);
//! - in approve mode, nothing goes without an approval for that very image, and never on one
//!   given before the image was used again;
//! - an image counts as agent-downloaded only if a pull event and the registry's digest tie it
//!   to a pull;
//! - no untagged image takes a keep place;
//! - disk pressure frees bytes with every action (it takes all names of an image or none).

use imgreaper::core::disk::DiskUse;
use imgreaper::core::lapse::{DecisionKind, lapsed};
use imgreaper::core::model::{Container, Guards, Image, Inventory, Mode, Overrides, TrackedImage};
use imgreaper::core::plan::{
    PlanInput, RefPlan, RefState, RuleBook, SourcedKeep, SourcedRule, plan,
};
use imgreaper::core::policy::{DiskMarks, Rule};
use imgreaper::core::time::Moment;
use imgreaper::core::tracking::{Observed, former_names, reconcile, uses_by_image};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

const NAMES: [&str; 5] = ["app:1", "app:2", "app:latest", "tool:1", "db:5"];
const STARTUP_DELAY: i64 = 300;
const MIN_AGE: i64 = 600;
const IMAGE_SIZE: u64 = 100;

#[derive(Debug, Clone)]
enum Op {
    /// A pull: the name now points at a new image carrying the registry's digest.
    Pull(usize),
    /// A local build or import under the name: a new image, no digest, no pull event.
    Import(usize),
    /// Tag an existing image (by its rank among those present) with a name.
    Tag(usize, usize),
    Untag(usize),
    /// A local build on an existing image: a child image (with a name of its own).
    Build(usize),
    Create(usize),
    Destroy(usize),
    /// A container made from the image a name points at, gone again (it lived a second).
    UseBriefly(usize),
    Approve(usize),
    Postpone(usize, i64),
    Pin(usize),
    Unpin(usize),
    /// Pin an image by its ID.
    PinImage(usize),
    /// The data root's filesystem fills to this percent.
    Disk(u64),
    /// Real time passes.
    Wait(i64),
    /// The wall clock is stepped (an operator, NTP); no real time passes.
    Step(i64),
    /// NTP synchronises the wall clock: it reads real time again.
    Sync,
    EngineRestart,
    Reconnect,
    /// The host reboots, its wall clock this far from real time (no real-time clock: the clock
    /// of the last shutdown, or 1970).
    Reboot(i64),
    Mode(bool),
    /// The enforcer wakes: reconcile, lapse, plan, remove what is due.
    Cycle,
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        3 => name.clone().prop_map(Op::Pull),
        2 => name.clone().prop_map(Op::Import),
        2 => (0..8usize, name.clone()).prop_map(|(i, n)| Op::Tag(i, n)),
        1 => name.clone().prop_map(Op::Untag),
        1 => (0..8usize).prop_map(Op::Build),
        2 => (0..8usize).prop_map(Op::Create),
        2 => (0..8usize).prop_map(Op::Destroy),
        2 => name.clone().prop_map(Op::UseBriefly),
        2 => name.clone().prop_map(Op::Approve),
        1 => (name.clone(), 1..7_200i64).prop_map(|(n, s)| Op::Postpone(n, s)),
        1 => name.clone().prop_map(Op::Pin),
        1 => name.prop_map(Op::Unpin),
        1 => (0..8usize).prop_map(Op::PinImage),
        1 => prop_oneof![0..80u64, 80..100u64].prop_map(Op::Disk),
        6 => prop_oneof![1..120i64, 120..3_600i64, 3_600..200_000i64].prop_map(Op::Wait),
        2 => prop_oneof![-400_000_000..-1i64, 1..400_000_000i64].prop_map(Op::Step),
        2 => Just(Op::Sync),
        1 => Just(Op::EngineRestart),
        1 => Just(Op::Reconnect),
        1 => prop_oneof![Just(0i64), -1_800_000_000..-31_536_000i64, 31_536_000..400_000_000i64]
            .prop_map(Op::Reboot),
        1 => any::<bool>().prop_map(Op::Mode),
        6 => Just(Op::Cycle),
    ]
}

/// One image as the world holds it.
#[derive(Debug, Clone, Default)]
struct WorldImage {
    containers: usize,
    /// The registry's digest name, for a pulled image.
    digest: Option<String>,
    /// The image it was built on.
    parent: Option<String>,
    /// Its own name, for a child image (not one of `NAMES`).
    own_name: Option<String>,
}

/// The engine, the host's clocks, the operator's decisions, and what really happened.
struct World {
    next_id: usize,
    /// Present images only.
    images: BTreeMap<String, WorldImage>,
    names: HashMap<&'static str, String>,
    /// Real time, which no clock step changes; the wall clock reads it plus the host's error.
    real: i64,
    wall: i64,
    /// Whether this boot's clock was synchronised: the service waits for it (the systemd unit
    /// wants time-sync.target), so no cycle runs before.
    synced: bool,
    up: i64,
    boot: u128,
    engine_start: i64,
    reconnected: i64,
    disk_percent: u64,
    /// image ID -> (boot, up) when the enforcer first saw it.
    first_seen: HashMap<String, (u128, i64)>,
    overrides: Overrides,
    /// reference -> (image ID, when approved), as the store keeps them.
    approved_at: HashMap<String, (String, i64)>,
    mode: Mode,
    /// The enforcer's memory.
    tracked: HashMap<String, TrackedImage>,
    known_names: HashMap<String, Vec<String>>,
    observed: Observed,
    /// (boot, time since boot, the boot's offset then) of the enforcer's previous look.
    last_look: Option<(u128, i64, i64)>,
    // ---- what really happened, for the checks ----
    /// image ID -> real time since which it has been idle (first seen, or its last container
    /// gone); absent while in use.
    idle_since: HashMap<String, i64>,
    /// Images pulled (not imported or built).
    pulled: HashSet<String>,
    /// (reference, image) approvals after which the image was used again.
    used_after_approval: HashSet<(String, String)>,
    /// (reference, image) -> until when, in real time: postponements the operator gave.
    postponed: HashMap<(String, String), i64>,
    /// (reference, image) -> (boot, time since boot) when each ends, as the store keeps it.
    postponed_up: HashMap<(String, String), (u128, i64)>,
    /// Images pinned by ID.
    pinned_images: HashSet<String>,
}

impl World {
    fn new() -> World {
        World {
            next_id: 0,
            images: BTreeMap::new(),
            names: HashMap::new(),
            real: 1_800_000_000,
            wall: 1_800_000_000,
            synced: true,
            up: 10_000,
            boot: 1,
            engine_start: 100,
            reconnected: 0,
            disk_percent: 0,
            first_seen: HashMap::new(),
            overrides: Overrides::default(),
            approved_at: HashMap::new(),
            mode: Mode::Auto,
            tracked: HashMap::new(),
            known_names: HashMap::new(),
            observed: Observed::default(),
            last_look: None,
            pulled: HashSet::new(),
            used_after_approval: HashSet::new(),
            postponed: HashMap::new(),
            postponed_up: HashMap::new(),
            pinned_images: HashSet::new(),
            idle_since: HashMap::new(),
        }
    }

    fn moment(&self) -> Moment {
        Moment {
            wall: self.wall,
            up: self.up,
            boot: self.boot,
        }
    }

    fn present(&self, rank: usize) -> Option<String> {
        let ids: Vec<&String> = self.images.keys().collect();
        (!ids.is_empty()).then(|| ids[rank % ids.len()].clone())
    }

    fn new_image(&mut self, image: WorldImage) -> String {
        self.next_id += 1;
        let id = format!("sha256:{:064x}", self.next_id);
        self.images.insert(id.clone(), image);
        id
    }

    fn repository(name: &str) -> &str {
        name.split(':').next().unwrap()
    }

    fn inventory(&self) -> Inventory {
        let images = self
            .images
            .iter()
            .map(|(id, image)| {
                let mut references: Vec<String> = self
                    .names
                    .iter()
                    .filter(|(_, target)| *target == id)
                    .map(|(name, _)| name.to_string())
                    .chain(image.own_name.clone())
                    .collect();
                references.sort();
                // A pulled image keeps its digest name; with no tag left it is its name.
                let repo_digests: Vec<String> = image.digest.iter().cloned().collect();
                if references.is_empty() {
                    references = repo_digests.clone();
                }
                Image {
                    id: id.clone(),
                    references,
                    repo_digests,
                    size: IMAGE_SIZE,
                    created: 0,
                    children: self
                        .images
                        .iter()
                        .filter(|(_, child)| child.parent.as_deref() == Some(id))
                        .map(|(child, _)| child.clone())
                        .collect(),
                    containers: (0..image.containers)
                        .map(|c| Container {
                            id: format!("{id}-{c}"),
                            name: format!("{id}-{c}"),
                            state: "exited".into(),
                        })
                        .collect(),
                }
            })
            .collect();
        Inventory { images }
    }

    /// The image a container is made from changes use: every approval on it is spent.
    fn used(&mut self, id: &str) {
        for (reference, (image, _)) in &self.approved_at {
            if image == id {
                self.used_after_approval
                    .insert((reference.clone(), image.clone()));
            }
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Pull(n) => {
                let digest = format!(
                    "{}@sha256:{:064x}",
                    World::repository(NAMES[n]),
                    self.next_id + 1
                );
                let id = self.new_image(WorldImage {
                    digest: Some(digest),
                    ..WorldImage::default()
                });
                self.names.insert(NAMES[n], id.clone());
                self.pulled.insert(id);
                self.observed.pulls.push((NAMES[n].to_string(), self.wall));
            }
            Op::Import(n) => {
                let id = self.new_image(WorldImage::default());
                self.names.insert(NAMES[n], id);
            }
            Op::Tag(rank, n) => {
                if let Some(id) = self.present(rank) {
                    self.names.insert(NAMES[n], id);
                }
            }
            Op::Untag(n) => {
                self.names.remove(NAMES[n]);
            }
            Op::Build(rank) => {
                if let Some(parent) = self.present(rank) {
                    let own_name = format!("built:{}", self.next_id + 1);
                    self.new_image(WorldImage {
                        parent: Some(parent),
                        own_name: Some(own_name),
                        ..WorldImage::default()
                    });
                }
            }
            Op::Create(rank) => {
                if let Some(id) = self.present(rank) {
                    self.images.get_mut(&id).unwrap().containers += 1;
                    self.observed.uses.push((id.clone(), self.wall));
                    self.idle_since.remove(&id);
                    self.used(&id);
                }
            }
            Op::Destroy(rank) => {
                if let Some(id) = self.present(rank) {
                    let image = self.images.get_mut(&id).unwrap();
                    if image.containers > 0 {
                        image.containers -= 1;
                        if image.containers == 0 {
                            self.idle_since.insert(id.clone(), self.real);
                        }
                        self.observed.uses.push((id.clone(), self.wall));
                        self.used(&id);
                    }
                }
            }
            Op::UseBriefly(n) => {
                if let Some(id) = self.names.get(NAMES[n]).cloned() {
                    self.observed.uses.push((id.clone(), self.wall));
                    if self.images[&id].containers == 0 {
                        self.idle_since.insert(id.clone(), self.real);
                    }
                    self.used(&id);
                }
            }
            Op::Approve(n) => {
                // As `imgreaper approve` does: only a name awaiting approval, bound to its image.
                let rows = self.plan();
                let inventory = self.inventory();
                if let Some(row) = rows
                    .iter()
                    .find(|r| r.reference.as_deref() == Some(NAMES[n]))
                    && row.state == RefState::AwaitingApproval
                {
                    let id = inventory.images[row.image].id.clone();
                    self.overrides.approvals.insert(NAMES[n].into(), id.clone());
                    self.used_after_approval
                        .remove(&(NAMES[n].to_string(), id.clone()));
                    self.approved_at.insert(NAMES[n].into(), (id, self.wall));
                }
            }
            Op::Postpone(n, seconds) => {
                if let Some(id) = self.names.get(NAMES[n]).cloned() {
                    let key = (NAMES[n].to_string(), id.clone());
                    self.overrides.postpone(NAMES[n], &id, self.wall + seconds);
                    self.postponed_up
                        .insert(key.clone(), (self.boot, self.up + seconds));
                    self.postponed.insert(key, self.real + seconds);
                }
            }
            Op::Pin(n) => {
                self.overrides.pins.insert(NAMES[n].into());
            }
            Op::Unpin(n) => {
                self.overrides.pins.remove(NAMES[n]);
            }
            Op::PinImage(rank) => {
                if let Some(id) = self.present(rank) {
                    self.overrides.pins.insert(id.clone());
                    self.pinned_images.insert(id);
                }
            }
            Op::Disk(percent) => self.disk_percent = percent,
            Op::Wait(seconds) => {
                self.real += seconds;
                self.wall += seconds;
                self.up += seconds;
            }
            Op::Step(seconds) => self.wall += seconds,
            Op::Sync => {
                self.wall = self.real;
                self.synced = true;
            }
            Op::EngineRestart => self.engine_start = self.up,
            Op::Reconnect => self.reconnected = self.up,
            Op::Reboot(error) => {
                self.boot += 1;
                self.up = 20;
                self.engine_start = 15;
                self.reconnected = 0;
                self.real += 60;
                self.wall = self.real + error;
                self.synced = error == 0;
            }
            Op::Mode(approve) => {
                self.mode = if approve { Mode::Approve } else { Mode::Auto };
            }
            Op::Cycle => {}
        }
    }

    fn guards(&self) -> Guards {
        Guards::at(
            &self.moment(),
            self.engine_start.max(self.reconnected),
            STARTUP_DELAY,
            MIN_AGE,
        )
    }

    fn rules() -> RuleBook {
        let rule = |pattern: &str, minutes: u64, agent_downloaded_only: bool| SourcedRule {
            policy: "p".into(),
            index: 0,
            rule: Rule {
                image_name: pattern.into(),
                delete_after_minutes: minutes,
                agent_downloaded_only,
            },
        };
        let keep = |index: usize, pattern: &str, last: Option<u64>| SourcedKeep {
            policy: "p".into(),
            index,
            image_name: pattern.into(),
            last,
        };
        RuleBook::with_retention(
            vec![
                rule("*", 60, false),
                rule("app:*", 5, false),
                rule("tool:*", 1, true),
            ],
            vec![keep(0, "app:*", Some(2)), keep(1, "db:*", None)],
            Some(DiskMarks {
                high_percent: 85,
                low_percent: 75,
            }),
        )
    }

    fn disk(&self, inventory: &Inventory) -> DiskUse {
        let total = (inventory.images.len() as u64 * IMAGE_SIZE).max(IMAGE_SIZE) * 100 / 80;
        DiskUse {
            used: total * self.disk_percent / 100,
            total,
            size: total,
        }
    }

    fn plan_with(&self, tracked: &HashMap<String, TrackedImage>) -> Vec<RefPlan> {
        let moment = self.moment();
        let inventory = self.inventory();
        let records = tracked
            .iter()
            .map(|(id, t)| (id.clone(), t.effective(&moment)))
            .collect();
        plan(&PlanInput {
            inventory: &inventory,
            rules: &World::rules(),
            records: &records,
            overrides: &self.overrides,
            guards: self.guards(),
            mode: self.mode,
            now: self.wall,
            former_names: &former_names(&inventory, &self.known_names),
            disk: Some(self.disk(&inventory)),
        })
    }

    /// What a reading process computes: the records brought up to date in memory.
    fn plan(&self) -> Vec<RefPlan> {
        let tracked = reconcile(
            &self.tracked,
            &self.inventory(),
            &Observed::default(),
            &self.known_names,
            &self.moment(),
        );
        self.plan_with(&tracked)
    }

    /// One enforcer cycle, as `Enforcer::cycle` runs it: reconcile, drop what lapsed, plan,
    /// remove what is due; each removal is checked against what really happened.
    fn cycle(&mut self) -> Result<(), String> {
        if !self.synced {
            return Ok(());
        }
        let moment = self.moment();
        let inventory = self.inventory();
        let mut observed = std::mem::take(&mut self.observed);
        // As the enforcer knows it: every event it reads now happened after its previous look.
        observed.previous = self
            .last_look
            .filter(|(boot, _, _)| *boot == self.boot)
            .map(|(_, up, offset)| (up, offset));
        self.last_look = Some((self.boot, self.up, moment.offset()));
        self.tracked = reconcile(
            &self.tracked,
            &inventory,
            &observed,
            &self.known_names,
            &moment,
        );
        for image in &inventory.images {
            if !self.first_seen.contains_key(&image.id) && image.containers.is_empty() {
                self.idle_since.entry(image.id.clone()).or_insert(self.real);
            }
            self.first_seen
                .entry(image.id.clone())
                .or_insert((self.boot, self.up));
            let known = self.known_names.entry(image.id.clone()).or_default();
            for name in &image.references {
                if !known.contains(name) {
                    known.push(name.clone());
                }
            }
        }
        for (id, record) in &self.tracked {
            if record.agent_downloaded && !self.pulled.contains(id) {
                return Err(format!(
                    "{id} counts as agent-downloaded but was never pulled"
                ));
            }
        }
        let used_at = uses_by_image(&inventory, &observed, &self.known_names);
        for lapse in lapsed(&inventory, &self.overrides, &self.approved_at, &used_at) {
            match lapse.kind {
                DecisionKind::Approval => {
                    self.overrides.approvals.remove(&lapse.reference);
                    self.approved_at.remove(&lapse.reference);
                }
                DecisionKind::Postponement => {
                    self.overrides
                        .postponements
                        .remove(&(lapse.reference, lapse.image_id));
                }
            }
        }
        // As the store keeps them: a postponement given during this boot ends on the monotonic
        // clock; one of an earlier boot when the wall clock passes it.
        for (key, (boot, up)) in self.postponed_up.iter_mut() {
            let Some(until) = self.overrides.postponements.get_mut(key) else {
                continue;
            };
            if *boot == self.boot {
                *until = moment.wall_of(*up);
            } else {
                // Carried into this boot's clock from its last wall time.
                *boot = self.boot;
                *up = *until - moment.offset();
            }
        }
        self.overrides
            .postponements
            .retain(|_, until| *until > self.wall);
        self.postponed.retain(|_, until| *until > self.real);
        let rows = self.plan_with(&self.tracked.clone());
        self.check_plan(&inventory, &rows)?;
        let mut removed: Vec<(String, String)> = Vec::new();
        for row in rows.iter().filter(|r| r.state == RefState::Due) {
            let image = &inventory.images[row.image];
            let key = row.key(&inventory);
            self.check_removal(image, row, &key)?;
            removed.push((key, image.id.clone()));
        }
        // The engine removes each due name; an image that loses its last name goes.
        for (key, id) in removed {
            if key == id || key.contains('@') {
                self.images.remove(&id);
            } else {
                self.names.remove(key.as_str());
                if let Some(image) = self.images.get_mut(&id)
                    && image.own_name.as_deref() == Some(key.as_str())
                {
                    image.own_name = None;
                }
                let still_named = self.names.values().any(|target| *target == id)
                    || self.images.get(&id).is_some_and(|i| i.own_name.is_some());
                if !still_named {
                    self.images.remove(&id);
                }
            }
            if !self.images.contains_key(&id) {
                // The engine cleans up the digest names with the image.
                self.overrides
                    .postponements
                    .retain(|(_, image), _| *image != id);
            }
            self.overrides.approvals.remove(&key);
            self.approved_at.remove(&key);
            self.overrides
                .postponements
                .retain(|(reference, image), _| !(*reference == key && *image == id));
        }
        Ok(())
    }

    fn clock_changed_since_look(&self) -> bool {
        self.last_look
            .is_some_and(|(boot, _, offset)| boot == self.boot && offset != self.moment().offset())
    }

    /// Enforcement never stops: with the clock right, a month later and in auto mode, every
    /// image left is one nothing may remove (in use, pinned, kept).
    fn finish(&mut self) -> Result<(), String> {
        if self.clock_changed_since_look() {
            self.cycle()?;
        }
        self.apply(&Op::Sync);
        self.apply(&Op::Mode(false));
        self.apply(&Op::Disk(0));
        // An image built on another goes first; its parent then starts its own countdown.
        loop {
            let before = self.images.len();
            self.cycle()?;
            self.apply(&Op::Wait(31 * 86_400));
            self.cycle()?;
            if self.images.len() == before {
                break;
            }
        }
        let inventory = self.inventory();
        let rows = self.plan();
        for row in &rows {
            let image = &inventory.images[row.image];
            let held = matches!(
                row.state,
                RefState::InUse | RefState::Pinned | RefState::Kept
            );
            if !held {
                return Err(format!(
                    "{} ({}) is still here a month later, {:?}",
                    row.key(&inventory),
                    image.id,
                    row.state
                ));
            }
        }
        Ok(())
    }

    /// What a plan may never say, whatever is removed.
    fn check_plan(&self, inventory: &Inventory, rows: &[RefPlan]) -> Result<(), String> {
        let goes = |r: &RefPlan| matches!(r.state, RefState::Due | RefState::AwaitingApproval);
        for row in rows {
            if row.kept_by.is_some()
                && row
                    .reference
                    .as_deref()
                    .is_none_or(|name| name.contains('@'))
            {
                return Err(format!(
                    "{} has no tag but takes a keep place",
                    row.key(inventory)
                ));
            }
            if row.pressure.is_some()
                && rows
                    .iter()
                    .any(|other| other.image == row.image && !goes(other))
            {
                return Err(format!(
                    "disk pressure takes {} while another name keeps its image: nothing freed",
                    row.key(inventory)
                ));
            }
        }
        Ok(())
    }

    fn check_removal(&self, image: &Image, row: &RefPlan, key: &str) -> Result<(), String> {
        let containers = self.images.get(&image.id).map_or(0, |i| i.containers);
        let children = self
            .images
            .values()
            .filter(|i| i.parent.as_deref() == Some(image.id.as_str()))
            .count();
        if containers > 0 || children > 0 {
            return Err(format!(
                "removed {key} of {} while in use ({containers} containers, {children} child images)",
                image.id
            ));
        }
        if self.overrides.pins.contains(key) {
            return Err(format!("removed pinned {key}"));
        }
        if self.pinned_images.contains(&image.id) {
            return Err(format!("removed {key} of {}, pinned by its ID", image.id));
        }
        let held_names: Vec<&str> = std::iter::once(key)
            .chain(row.formerly.iter().map(String::as_str))
            .collect();
        for ((reference, id), until) in &self.postponed {
            if *id == image.id && *until > self.real && held_names.contains(&reference.as_str()) {
                return Err(format!(
                    "removed {key} of {id}, postponed under {reference} until {until}"
                ));
            }
        }
        if key.starts_with("db:") && !key.contains('@') {
            return Err(format!("removed {key}, a tag a keep rule keeps"));
        }
        // No removal before its deadline measured in real time, however the clocks stepped
        // (disk pressure takes what it needs earlier, by design).
        if let (Some(winner), None) = (row.winner, row.pressure) {
            let minutes = World::rules().rules[winner].rule.delete_after_minutes as i64;
            if let Some(since) = self.idle_since.get(&image.id)
                && self.real - since < minutes * 60
            {
                return Err(format!(
                    "removed {key} {} s after it became idle under a rule of {minutes} min",
                    self.real - since
                ));
            }
        }
        let since_start = self.up - self.engine_start.max(self.reconnected);
        if since_start < STARTUP_DELAY {
            return Err(format!(
                "removed {key} {since_start} s after the engine's start or reconnection"
            ));
        }
        if let Some((boot, up)) = self.first_seen.get(&image.id)
            && *boot == self.boot
            && self.up - up < MIN_AGE
        {
            return Err(format!(
                "removed {key} {} s after it was first seen",
                self.up - up
            ));
        }
        if self.mode == Mode::Approve && row.pressure.is_none() {
            if self.overrides.approvals.get(key) != Some(&image.id) {
                return Err(format!(
                    "removed {key} ({}) on an approval for {:?}",
                    image.id,
                    self.overrides.approvals.get(key)
                ));
            }
            if self
                .used_after_approval
                .contains(&(key.to_string(), image.id.clone()))
            {
                return Err(format!(
                    "removed {key} ({}) on an approval given before the image was used again",
                    image.id
                ));
            }
        }
        Ok(())
    }
}

fn run(ops: &[Op]) -> Result<(), String> {
    let mut world = World::new();
    for op in ops {
        // The wall clock changes at most once between two looks of the enforcer (it wakes every
        // interval): an event dated by a clock stepped out and back before anyone looked
        // cannot be placed, by anyone.
        if matches!(op, Op::Step(_) | Op::Sync) && world.clock_changed_since_look() {
            world.cycle()?;
        }
        if let Op::Reboot(_) = op {
            if world.clock_changed_since_look() {
                world.cycle()?;
            }
            // Each boot's last offset is observed with the clock right: the service waits for
            // time synchronisation and then looks at least once before the host goes down.
            // (A boot whose clock was never right places its stamps as wrongly as it read them.)
            world.apply(&Op::Sync);
            world.cycle()?;
        }
        world.apply(op);
        let first_look_of_a_boot = world.synced
            && world
                .last_look
                .is_none_or(|(boot, _, _)| boot != world.boot);
        // The service starts once the clock is synchronised, and looks at once.
        if matches!(op, Op::Cycle)
            || (matches!(op, Op::Sync | Op::Reboot(_)) && first_look_of_a_boot)
        {
            world.cycle()?;
        }
    }
    world.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn no_removal_breaks_a_decision(ops in prop::collection::vec(op(), 1..80)) {
        if let Err(violation) = run(&ops) {
            prop_assert!(false, "{violation}");
        }
    }
}

#[test]
fn a_name_moved_after_its_approval_is_not_removed_on_it() {
    let mut world = World::new();
    world.mode = Mode::Approve;
    for op in [
        Op::Pull(0),
        Op::Cycle,
        Op::Wait(STARTUP_DELAY + MIN_AGE + 3_600),
        Op::Cycle,
        Op::Approve(0),
        // The name moves before the enforcer acts on the approval.
        Op::Pull(0),
        Op::Cycle,
        Op::Wait(MIN_AGE + 3_600),
        Op::Cycle,
    ] {
        world.apply(&op);
        if let Op::Cycle = op {
            world.cycle().unwrap();
        }
    }
    assert!(world.names.contains_key("app:1"), "the new image went");
}

#[test]
fn an_approval_given_before_the_image_was_used_again_is_not_removed_on() {
    let mut world = World::new();
    world.mode = Mode::Approve;
    for op in [
        Op::Pull(0),
        Op::Cycle,
        Op::Wait(STARTUP_DELAY + MIN_AGE + 3_600),
        Op::Cycle,
        Op::Approve(0),
        // The image is used again before the enforcer acts on the approval.
        Op::UseBriefly(0),
        Op::Wait(3_600),
        Op::Cycle,
    ] {
        world.apply(&op);
        if let Op::Cycle = op {
            world.cycle().unwrap();
        }
    }
    assert!(
        world.names.contains_key("app:1"),
        "removed on a spent approval"
    );
}

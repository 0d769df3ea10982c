//! A property test of the decisions (DESIGN.md §12), on the pure core the enforcer runs: random
//! sequences of tag moves, containers created and destroyed, approvals, postponements, pins, clock
//! steps, engine restarts, reconnections and reboots, with an enforcer cycle after each step. No
//! removal may ever hit an image that is in use, a pinned name, an image inside a guard, or (in
//! approve mode) an image approved only under another image ID.
//!
//! The guards are checked on real elapsed time: the start-up delay since boot, the engine's start
//! and the enforcer's reconnection; the minimum age for images first seen during this boot (for
//! older ones only the wall clock links two boots, and the start-up delay covers the reboot).

use imgreaper::core::model::{Container, Guards, Image, Inventory, Mode, Overrides, TrackedImage};
use imgreaper::core::plan::{PlanInput, RefState, RuleBook, SourcedRule, plan};
use imgreaper::core::policy::Rule;
use imgreaper::core::time::Moment;
use imgreaper::core::tracking::{Observed, former_names, reconcile};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

const NAMES: [&str; 4] = ["app:1", "app:2", "tool:1", "db:5"];
const STARTUP_DELAY: i64 = 300;
const MIN_AGE: i64 = 600;

#[derive(Debug, Clone)]
enum Op {
    /// Pull or tag: the name now points at a new image.
    Pull(usize),
    /// Tag an existing image (by its rank among those present) with a name.
    Tag(usize, usize),
    Untag(usize),
    Create(usize),
    Destroy(usize),
    Approve(usize),
    Postpone(usize, i64),
    Pin(usize),
    Unpin(usize),
    /// Real time passes.
    Wait(i64),
    /// The wall clock is stepped (NTP, an operator); no real time passes.
    Step(i64),
    EngineRestart,
    Reconnect,
    Reboot,
    Mode(bool),
    /// The enforcer wakes: reconcile, plan, remove what is due.
    Cycle,
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        3 => name.clone().prop_map(Op::Pull),
        2 => (0..6usize, name.clone()).prop_map(|(i, n)| Op::Tag(i, n)),
        1 => name.clone().prop_map(Op::Untag),
        2 => (0..6usize).prop_map(Op::Create),
        2 => (0..6usize).prop_map(Op::Destroy),
        2 => name.clone().prop_map(Op::Approve),
        1 => (name.clone(), 1..7_200i64).prop_map(|(n, s)| Op::Postpone(n, s)),
        1 => name.clone().prop_map(Op::Pin),
        1 => name.prop_map(Op::Unpin),
        6 => prop_oneof![1..120i64, 120..3_600i64, 3_600..200_000i64].prop_map(Op::Wait),
        2 => prop_oneof![-400_000_000..-1i64, 1..400_000_000i64].prop_map(Op::Step),
        1 => Just(Op::EngineRestart),
        1 => Just(Op::Reconnect),
        1 => Just(Op::Reboot),
        1 => any::<bool>().prop_map(Op::Mode),
        6 => Just(Op::Cycle),
    ]
}

/// The engine, the host's clocks and the operator's decisions.
struct World {
    next_id: usize,
    /// image ID -> container count; present images only.
    images: BTreeMap<String, usize>,
    names: HashMap<&'static str, String>,
    wall: i64,
    up: i64,
    boot: u128,
    engine_start: i64,
    reconnected: i64,
    /// image ID -> (boot, up) when the enforcer first saw it.
    first_seen: HashMap<String, (u128, i64)>,
    overrides: Overrides,
    mode: Mode,
    /// The enforcer's memory.
    tracked: HashMap<String, TrackedImage>,
    known_names: HashMap<String, Vec<String>>,
    observed: Observed,
}

impl World {
    fn new() -> World {
        World {
            next_id: 0,
            images: BTreeMap::new(),
            names: HashMap::new(),
            wall: 1_800_000_000,
            up: 10_000,
            boot: 1,
            engine_start: 100,
            reconnected: 0,
            first_seen: HashMap::new(),
            overrides: Overrides::default(),
            mode: Mode::Auto,
            tracked: HashMap::new(),
            known_names: HashMap::new(),
            observed: Observed::default(),
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

    fn inventory(&self) -> Inventory {
        let images = self
            .images
            .iter()
            .map(|(id, containers)| {
                let mut references: Vec<String> = self
                    .names
                    .iter()
                    .filter(|(_, target)| *target == id)
                    .map(|(name, _)| name.to_string())
                    .collect();
                references.sort();
                Image {
                    id: id.clone(),
                    references,
                    repo_digests: vec![],
                    size: 1,
                    created: 0,
                    children: Vec::new(),
                    containers: (0..*containers)
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

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Pull(n) => {
                self.next_id += 1;
                let id = format!("sha256:{:064x}", self.next_id);
                self.images.insert(id.clone(), 0);
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
            Op::Create(rank) => {
                if let Some(id) = self.present(rank) {
                    *self.images.get_mut(&id).unwrap() += 1;
                }
            }
            Op::Destroy(rank) => {
                if let Some(id) = self.present(rank) {
                    let count = self.images.get_mut(&id).unwrap();
                    if *count > 0 {
                        *count -= 1;
                        self.observed.uses.push((id, self.wall));
                    }
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
                    self.overrides.approvals.insert(NAMES[n].into(), id);
                }
            }
            Op::Postpone(n, seconds) => {
                if let Some(id) = self.names.get(NAMES[n]) {
                    self.overrides.postpone(NAMES[n], id, self.wall + seconds);
                }
            }
            Op::Pin(n) => {
                self.overrides.pins.insert(NAMES[n].into());
            }
            Op::Unpin(n) => {
                self.overrides.pins.remove(NAMES[n]);
            }
            Op::Wait(seconds) => {
                self.wall += seconds;
                self.up += seconds;
            }
            Op::Step(seconds) => self.wall += seconds,
            Op::EngineRestart => self.engine_start = self.up,
            Op::Reconnect => self.reconnected = self.up,
            Op::Reboot => {
                self.boot += 1;
                self.up = 20;
                self.engine_start = 15;
                self.reconnected = 0;
                self.wall += 60;
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
        let rule = |pattern: &str, minutes: u64| SourcedRule {
            policy: "p".into(),
            index: 0,
            rule: Rule {
                image_name: pattern.into(),
                delete_after_minutes: minutes,
                agent_downloaded_only: false,
            },
        };
        RuleBook::new(vec![rule("*", 60), rule("app:*", 5)])
    }

    fn plan(&self) -> Vec<imgreaper::core::plan::RefPlan> {
        let moment = self.moment();
        let inventory = self.inventory();
        // What a reading process computes: the records brought up to date in memory.
        let tracked = reconcile(
            &self.tracked,
            &inventory,
            &Observed::default(),
            &self.known_names,
            &moment,
        );
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
            disk: None,
        })
    }

    /// One enforcer cycle: reconcile, plan, remove what is due, checking each removal.
    fn cycle(&mut self) -> Result<(), String> {
        let moment = self.moment();
        let inventory = self.inventory();
        let observed = std::mem::take(&mut self.observed);
        self.tracked = reconcile(
            &self.tracked,
            &inventory,
            &observed,
            &self.known_names,
            &moment,
        );
        for image in &inventory.images {
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
        let rows = self.plan();
        let mut removed_names = HashSet::new();
        for row in rows.iter().filter(|r| r.state == RefState::Due) {
            let image = &inventory.images[row.image];
            let key = row.key(&inventory);
            if image.in_use() {
                return Err(format!("removed {key} of {} while in use", image.id));
            }
            if self.overrides.pins.contains(&key) {
                return Err(format!("removed pinned {key}"));
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
            if self.mode == Mode::Approve && self.overrides.approvals.get(&key) != Some(&image.id) {
                return Err(format!(
                    "removed {key} ({}) on an approval for {:?}",
                    image.id,
                    self.overrides.approvals.get(&key)
                ));
            }
            removed_names.insert((key, image.id.clone()));
        }
        for (key, id) in removed_names {
            if key == id {
                self.images.remove(&id);
            } else {
                self.names.remove(key.as_str());
                if !self.names.values().any(|target| *target == id) {
                    self.images.remove(&id);
                }
            }
            self.overrides.approvals.remove(&key);
            self.overrides
                .postponements
                .retain(|(reference, image), _| !(*reference == key && *image == id));
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn no_removal_hits_an_image_in_use_pinned_guarded_or_approved_as_another(
        ops in prop::collection::vec(op(), 1..80)
    ) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            if let Op::Cycle = op
                && let Err(violation) = world.cycle()
            {
                prop_assert!(false, "{violation}");
            }
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

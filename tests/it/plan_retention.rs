//! The planner's retention (DESIGN.md §11): keep rules and keep-last, pins as patterns, digest
//! names and moved tags, and disk pressure — unit cases and property tests.

use imgreaper::core::disk::DiskUse;
use imgreaper::core::model::{Container, Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{
    PlanInput, RefPlan, RefState, RuleBook, SourcedKeep, SourcedRule, plan,
};
use imgreaper::core::policy::DiskMarks;
use imgreaper::core::policy::Rule;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const NOW: i64 = 1_800_000_000;
const MB: u64 = 1_000_000;

fn rule(pattern: &str, minutes: u64) -> SourcedRule {
    SourcedRule {
        policy: "p".into(),
        index: 0,
        rule: Rule {
            image_name: pattern.into(),
            delete_after_minutes: minutes,
            agent_downloaded_only: false,
        },
    }
}

fn keep(pattern: &str, last: Option<u64>) -> SourcedKeep {
    SourcedKeep {
        policy: "p".into(),
        index: 0,
        image_name: pattern.into(),
        last,
    }
}

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// One image: `last_used` 0 means in use (it gets a container).
struct Img {
    id: String,
    references: Vec<String>,
    digests: Vec<String>,
    size: u64,
    last_used: i64,
}

fn img(id: &str, references: &[&str], last_used: i64) -> Img {
    Img {
        id: id.into(),
        references: references.iter().map(|r| r.to_string()).collect(),
        digests: Vec::new(),
        size: 10 * MB,
        last_used,
    }
}

struct Case {
    inventory: Inventory,
    records: HashMap<String, ImageRecord>,
    rules: Vec<SourcedRule>,
    keeps: Vec<SourcedKeep>,
    marks: Option<DiskMarks>,
    overrides: Overrides,
    guards: Guards,
    mode: Mode,
    former_names: HashMap<String, Vec<String>>,
    disk: Option<DiskUse>,
}

impl Case {
    fn new(images: Vec<Img>) -> Case {
        let mut records = HashMap::new();
        let images = images
            .into_iter()
            .map(|i| {
                records.insert(
                    i.id.clone(),
                    ImageRecord {
                        first_seen: NOW - 30 * 86_400,
                        last_used: i.last_used,
                        pulled_at: None,
                        agent_downloaded: false,
                    },
                );
                Image {
                    children: Vec::new(),
                    containers: if i.last_used == 0 {
                        vec![Container {
                            id: format!("c-{}", i.id),
                            name: format!("c-{}", i.id),
                            state: "running".into(),
                        }]
                    } else {
                        vec![]
                    },
                    id: i.id,
                    references: i.references,
                    repo_digests: i.digests,
                    size: i.size,
                    created: 0,
                }
            })
            .collect();
        Case {
            inventory: Inventory { images },
            records,
            rules: Vec::new(),
            keeps: Vec::new(),
            marks: None,
            overrides: Overrides::default(),
            guards: Guards::none(),
            mode: Mode::Auto,
            former_names: HashMap::new(),
            disk: None,
        }
    }

    fn plan(&self) -> Vec<RefPlan> {
        let book = RuleBook::with_retention(self.rules.clone(), self.keeps.clone(), self.marks);
        plan(&PlanInput {
            inventory: &self.inventory,
            rules: &book,
            records: &self.records,
            overrides: &self.overrides,
            guards: self.guards,
            mode: self.mode,
            now: NOW,
            former_names: &self.former_names,
            disk: self.disk,
        })
    }

    /// The state of the row named `name`.
    fn state(&self, rows: &[RefPlan], name: &str) -> RefState {
        self.row(rows, name).state
    }

    fn row<'r>(&self, rows: &'r [RefPlan], name: &str) -> &'r RefPlan {
        rows.iter()
            .find(|r| r.key(&self.inventory) == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    }
}

// ---- keep rules --------------------------------------------------------------

#[test]
fn a_keep_rule_without_last_keeps_every_match_with_itself_as_reason() {
    let mut case = Case::new(vec![
        img("a", &["base:1"], NOW - 86_400),
        img("b", &["app:1"], NOW - 86_400),
    ]);
    case.rules = vec![rule("*", 60)];
    case.keeps = vec![keep("other:*", None), keep("base:*", None)];
    let rows = case.plan();
    let kept = case.row(&rows, "base:1");
    assert_eq!(kept.state, RefState::Kept);
    assert_eq!(kept.kept_by, Some(1));
    assert_eq!(kept.deadline, None);
    assert_eq!(case.state(&rows, "app:1"), RefState::Due);
}

#[test]
fn keep_last_two_of_five_versions_with_the_newest_in_use() {
    // Used one after another: v1 longest ago, v5 in use now.
    let mut case = Case::new(vec![
        img("v1", &["app:1"], NOW - 5000),
        img("v2", &["app:2"], NOW - 4000),
        img("v3", &["app:3"], NOW - 3000),
        img("v4", &["app:4"], NOW - 2000),
        img("v5", &["app:5"], 0),
        img("o1", &["other:1"], NOW - 9000),
    ]);
    case.rules = vec![rule("*", 1)];
    case.keeps = vec![keep("app:*", Some(2))];
    let rows = case.plan();
    assert_eq!(case.state(&rows, "app:5"), RefState::InUse);
    assert_eq!(case.state(&rows, "app:4"), RefState::Kept);
    for gone in ["app:1", "app:2", "app:3", "other:1"] {
        assert_eq!(case.state(&rows, gone), RefState::Due, "{gone}");
    }
}

#[test]
fn keep_last_counts_per_repository_and_one_image_counts_once() {
    let mut case = Case::new(vec![
        img("a1", &["myorg/a:1"], NOW - 300),
        img("a2", &["myorg/a:2", "myorg/a:latest"], NOW - 100),
        img("b1", &["myorg/b:1"], NOW - 900),
        img("b2", &["myorg/b:2"], NOW - 800),
        // Never used: counts from when it was first seen (its record's last use).
        img("b3", &["myorg/b:3"], NOW - 50),
    ]);
    case.rules = vec![rule("*", 0)];
    case.keeps = vec![keep("myorg/*", Some(1))];
    let rows = case.plan();
    let states: Vec<(String, RefState)> = rows
        .iter()
        .map(|r| (r.key(&case.inventory), r.state))
        .collect();
    assert_eq!(
        states,
        [
            ("myorg/a:1".into(), RefState::Due),
            ("myorg/a:2".into(), RefState::Kept),
            ("myorg/a:latest".into(), RefState::Kept),
            ("myorg/b:1".into(), RefState::Due),
            ("myorg/b:2".into(), RefState::Due),
            ("myorg/b:3".into(), RefState::Kept),
        ]
    );
}

#[test]
fn keep_rules_see_docker_hub_spellings_and_digest_names() {
    let mut pulled = img("n", &["nginx:1.25"], NOW - 100);
    pulled.digests = vec![format!("nginx@{}", digest('a'))];
    let mut case = Case::new(vec![pulled, img("r", &["redis:7"], NOW - 100)]);
    case.rules = vec![rule("*", 0)];
    case.keeps = vec![keep(&format!("nginx@{}", digest('a')), None)];
    let rows = case.plan();
    assert_eq!(case.state(&rows, "nginx:1.25"), RefState::Kept);
    case.keeps = vec![keep("index.docker.io/library/redis:*", None)];
    let rows = case.plan();
    assert_eq!(case.state(&rows, "redis:7"), RefState::Kept);
    assert_eq!(case.state(&rows, "nginx:1.25"), RefState::Due);
}

// ---- pins are patterns -----------------------------------------------------

#[test]
fn pins_are_patterns_and_follow_names() {
    let mut case = Case::new(vec![
        img("a", &["app:1"], NOW - 100),
        img("b", &["app:2"], NOW - 100),
        img("c", &["web:1"], NOW - 100),
        img("d", &[], NOW - 100),
    ]);
    case.rules = vec![rule("*", 0)];
    case.overrides.pins.insert("app:*".into());
    case.overrides.pins.insert("d".into()); // an image ID pins a dangling image
    let rows = case.plan();
    assert_eq!(case.state(&rows, "app:1"), RefState::Pinned);
    assert_eq!(case.state(&rows, "app:2"), RefState::Pinned);
    assert_eq!(case.state(&rows, "web:1"), RefState::Due);
    assert_eq!(case.state(&rows, "d"), RefState::Pinned);
    // A pin on a former name does not follow the old image.
    let mut case = Case::new(vec![img("old", &[], NOW - 100)]);
    case.rules = vec![rule("*", 0)];
    case.former_names.insert("old".into(), vec!["app:1".into()]);
    case.overrides.pins.insert("app:1".into());
    assert_eq!(case.state(&case.plan(), "old"), RefState::Due);
}

#[test]
fn a_pin_by_digest_name_pins_the_tag_carrying_it() {
    let mut image = img("a", &["app:1"], NOW - 100);
    image.digests = vec![format!("app@{}", digest('a'))];
    let mut case = Case::new(vec![image]);
    case.rules = vec![rule("*", 0)];
    case.overrides.pins.insert(format!("app@{}", digest('a')));
    assert_eq!(case.state(&case.plan(), "app:1"), RefState::Pinned);
}

// ---- digests and moved tags -----------------------------------------------

#[test]
fn digest_rules_match_the_tagged_image_carrying_the_digest() {
    let mut carrying = img("a", &["127.0.0.1:5000/app:1"], NOW - 100);
    carrying.digests = vec![format!("127.0.0.1:5000/app@{}", digest('a'))];
    let mut other = img("b", &["127.0.0.1:5000/app:2"], NOW - 100);
    other.digests = vec![format!("127.0.0.1:5000/app@{}", digest('b'))];
    let mut case = Case::new(vec![carrying, other]);
    case.rules = vec![rule(&format!("127.0.0.1:5000/app@{}", digest('a')), 0)];
    let rows = case.plan();
    assert_eq!(case.state(&rows, "127.0.0.1:5000/app:1"), RefState::Due);
    assert_eq!(case.state(&rows, "127.0.0.1:5000/app:2"), RefState::NoRule);
    // `repo:tag@digest` names both.
    case.rules = vec![rule(&format!("127.0.0.1:5000/app:2@{}", digest('b')), 0)];
    let rows = case.plan();
    assert_eq!(case.state(&rows, "127.0.0.1:5000/app:2"), RefState::Due);
    assert_eq!(case.state(&rows, "127.0.0.1:5000/app:1"), RefState::NoRule);
    // A digest of another repository does not reach a tag.
    case.rules = vec![rule(&format!("127.0.0.1:5000/other@{}", digest('a')), 0)];
    assert_eq!(
        case.state(&case.plan(), "127.0.0.1:5000/app:1"),
        RefState::NoRule
    );
}

#[test]
fn a_digest_only_name_is_a_version_of_its_repository() {
    let name = format!("app@{}", digest('c'));
    let mut left = img("old", &[&name], NOW - 100);
    left.digests = vec![name.clone()];
    let mut case = Case::new(vec![left]);
    case.rules = vec![rule("app:*", 1)];
    let rows = case.plan();
    assert_eq!(case.state(&rows, &name), RefState::Due);
}

#[test]
fn a_moved_tags_old_image_stays_matched_by_its_former_names() {
    let mut case = Case::new(vec![img("new", &["app:1"], 0), img("old", &[], NOW - 3600)]);
    case.rules = vec![rule("app:*", 30), rule("*", 100_000)];
    let rows = case.plan();
    let old = case.row(&rows, "old");
    assert_eq!(
        (old.state, old.winner),
        (RefState::Scheduled, Some(1)),
        "without former names only `*` reaches it"
    );
    case.former_names.insert("old".into(), vec!["app:1".into()]);
    let rows = case.plan();
    let old = case.row(&rows, "old");
    assert_eq!(old.state, RefState::Due);
    assert_eq!(old.winner, Some(0));
    assert_eq!(old.formerly, ["app:1"]);
    assert_eq!(case.state(&rows, "app:1"), RefState::InUse);
    // An image that still has a tag is matched by that tag only.
    let mut case = Case::new(vec![img("keeps", &["web:2"], NOW - 3600)]);
    case.rules = vec![rule("app:*", 0)];
    case.former_names
        .insert("keeps".into(), vec!["app:1".into()]);
    assert_eq!(case.state(&case.plan(), "web:2"), RefState::NoRule);
}

// ---- disk pressure ---------------------------------------------------------

fn pressure_case(count: usize) -> Case {
    // Image i last used i hours ago: the higher i, the less recently used.
    let images = (0..count)
        .map(|i| {
            img(
                &format!("i{i}"),
                &[&format!("app:{i}")],
                NOW - 3600 * (i as i64 + 1),
            )
        })
        .collect();
    let mut case = Case::new(images);
    case.rules = vec![rule("*", 1_000_000)];
    case.marks = Some(DiskMarks {
        high_percent: 85,
        low_percent: 75,
    });
    case
}

/// The references disk pressure made due, in inventory order.
fn pressure_due(case: &Case, rows: &[RefPlan]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.pressure.is_some())
        .map(|r| r.key(&case.inventory))
        .collect()
}

#[test]
fn above_the_high_mark_the_least_recently_used_go_until_the_low_mark() {
    let mut case = pressure_case(6);
    for image in &mut case.inventory.images {
        image.size = 50 * MB;
    }
    case.disk = Some(DiskUse {
        used: 900 * MB,
        total: 1000 * MB,
        size: 1000 * MB,
    });
    let rows = case.plan();
    // 900 - 3 × 50 = 750 = 75%: the three least recently used.
    assert_eq!(pressure_due(&case, &rows), ["app:3", "app:4", "app:5"]);
    let row = case.row(&rows, "app:5");
    assert_eq!(row.state, RefState::Due);
    assert_eq!(row.deadline, Some(NOW));
    assert_eq!(row.state_text(), "due (disk 90% ≥ 85%)");
    assert_eq!(case.state(&rows, "app:0"), RefState::Scheduled);
    // Below the high mark nothing is chosen, however close.
    case.disk = Some(DiskUse {
        used: 849 * MB,
        total: 1000 * MB,
        size: 1000 * MB,
    });
    assert!(pressure_due(&case, &case.plan()).is_empty());
    // Unknown usage: pressure is off.
    case.disk = None;
    assert!(pressure_due(&case, &case.plan()).is_empty());
}

#[test]
fn pressure_never_takes_what_is_in_use_pinned_kept_postponed_or_guarded() {
    let mut case = pressure_case(8);
    for image in &mut case.inventory.images {
        image.size = 100 * MB;
    }
    // app:7 (least recently used) in use, app:6 pinned, app:5 kept, app:4 postponed,
    // app:3 first seen a minute ago (minimum age), app:2 matched by no rule.
    case.inventory.images[7].containers = vec![Container {
        id: "c".into(),
        name: "c".into(),
        state: "exited".into(),
    }];
    case.records.get_mut("i7").unwrap().last_used = 0;
    case.overrides.pins.insert("app:6".into());
    case.keeps = vec![keep("app:5", None)];
    case.overrides.postpone("app:4", "i4", NOW + 60);
    case.records.get_mut("i3").unwrap().first_seen = NOW - 60;
    case.guards = Guards {
        startup_until: i64::MIN,
        min_age_secs: 600,
    };
    case.inventory.images[2].references = vec!["unmatched:2".into()];
    case.rules = vec![rule("app:*", 1_000_000)];
    case.disk = Some(DiskUse {
        used: 990 * MB,
        total: 1000 * MB,
        size: 1000 * MB,
    });
    let rows = case.plan();
    assert_eq!(pressure_due(&case, &rows), ["app:0", "app:1"]);
}

#[test]
fn pressure_takes_an_image_with_all_its_names_or_not_at_all() {
    let mut case = pressure_case(4);
    for image in &mut case.inventory.images {
        image.size = 100 * MB;
    }
    // i3 (least recently used) has a second, pinned name: untagging app:3 would free nothing,
    // so the image is no candidate at all.
    case.inventory.images[3].references = vec!["app:3".into(), "keep:3".into()];
    case.overrides.pins.insert("keep:3".into());
    // i2 has two names, both candidates: they go together.
    case.inventory.images[2].references = vec!["app:2".into(), "app:two".into()];
    // i1 is overdue by its own rule already.
    case.rules = vec![rule("app:1", 0), rule("*", 1_000_000)];
    case.disk = Some(DiskUse {
        used: 950 * MB,
        total: 1000 * MB,
        size: 1000 * MB,
    });
    let rows = case.plan();
    assert_eq!(case.state(&rows, "app:1"), RefState::Due);
    assert_eq!(case.state(&rows, "app:3"), RefState::Scheduled);
    // 950 - 100 (app:1, due anyway) = 850 > 750: i2 with both names frees 100, and it is done.
    assert_eq!(pressure_due(&case, &rows), ["app:2", "app:two"]);
}

#[test]
fn pressure_awaits_approval_in_approve_mode() {
    let mut case = pressure_case(2);
    case.mode = Mode::Approve;
    case.disk = Some(DiskUse {
        used: 99,
        total: 100,
        size: 100,
    });
    let rows = case.plan();
    let row = case.row(&rows, "app:1");
    assert_eq!(row.state, RefState::AwaitingApproval);
    assert_eq!(row.state_text(), "awaiting approval (disk 99% ≥ 85%)");
    case.overrides.approvals.insert("app:1".into(), "i1".into());
    assert_eq!(case.state(&case.plan(), "app:1"), RefState::Due);
}

// ---- properties ---------------------------------------------------------------

/// A random image: its repository, size, last use (0 = in use), and whether it is pinned, kept,
/// postponed or young.
#[derive(Clone, Debug)]
struct Arb {
    repo: u8,
    size_mb: u64,
    in_use: bool,
    idle: i64,
    pinned: bool,
    kept: bool,
    postponed: bool,
    young: bool,
    names: u8,
}

fn arb() -> impl Strategy<Value = Arb> {
    (
        (0u8..4, 1u64..200, prop::bool::weighted(0.2), 1i64..100_000),
        (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.1),
            1u8..3,
        ),
    )
        .prop_map(
            |((repo, size_mb, in_use, idle), (pinned, kept, postponed, young, names))| Arb {
                repo,
                size_mb,
                in_use,
                idle,
                pinned,
                kept,
                postponed,
                young,
                names,
            },
        )
}

fn arb_case(images: &[Arb], used_percent: u64, keep_last: Option<u64>) -> Case {
    let imgs = images
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let names: Vec<String> = (0..a.names)
                .map(|n| format!("r{}:{i}-{n}", a.repo))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut image = img(
                &format!("id{i}"),
                &names,
                if a.in_use { 0 } else { NOW - a.idle },
            );
            image.size = a.size_mb * MB;
            image
        })
        .collect();
    let mut case = Case::new(imgs);
    case.rules = vec![rule("*", 10_000_000)];
    case.marks = Some(DiskMarks {
        high_percent: 80,
        low_percent: 50,
    });
    case.guards = Guards {
        startup_until: i64::MIN,
        min_age_secs: 600,
    };
    for (i, a) in images.iter().enumerate() {
        let first = format!("r{}:{i}-0", a.repo);
        if a.pinned {
            case.overrides.pins.insert(first.clone());
        }
        if a.kept {
            case.keeps.push(keep(&first, None));
        }
        if a.postponed {
            case.overrides.postpone(&first, &format!("id{i}"), NOW + 60);
        }
        if a.young {
            case.records.get_mut(&format!("id{i}")).unwrap().first_seen = NOW - 10;
        }
    }
    if let Some(last) = keep_last {
        case.keeps.push(keep("r0:*", Some(last)));
    }
    let total: u64 = 10_000 * MB;
    case.disk = Some(DiskUse {
        used: total * used_percent / 100,
        total,
        size: total,
    });
    case
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Nothing kept, pinned or in use is ever chosen by disk pressure; an image goes with all its
    /// names or not at all, so every action frees bytes; and the chosen images are a
    /// least-recently-used prefix of the candidate images.
    #[test]
    fn pressure_chooses_a_least_recently_used_prefix_of_the_candidate_images(
        images in prop::collection::vec(arb(), 1..30),
        used_percent in 0u64..=100,
        keep_last in prop::option::of(1u64..3),
    ) {
        let case = arb_case(&images, used_percent, keep_last);
        let rows = case.plan();
        let goes = |r: &RefPlan| matches!(r.state, RefState::Due | RefState::AwaitingApproval);
        let chosen: HashSet<usize> = rows
            .iter()
            .filter(|r| r.pressure.is_some())
            .map(|r| r.image)
            .collect();
        for row in rows.iter().filter(|r| r.pressure.is_some()) {
            let image = &case.inventory.images[row.image];
            prop_assert!(!image.in_use(), "in use: {:?}", row);
            prop_assert!(row.kept_by.is_none(), "kept: {:?}", row);
            let name = row.key(&case.inventory);
            prop_assert!(!case.overrides.pins.contains(&name), "pinned: {}", name);
            prop_assert!(!case.overrides.postponements.keys().any(|(r, _)| *r == name), "postponed: {}", name);
            let record = &case.records[&image.id];
            prop_assert!(record.first_seen <= NOW - 600, "young: {}", name);
        }
        // Every action frees bytes: each name of a chosen image goes in the same sweep.
        for row in rows.iter().filter(|r| chosen.contains(&r.image)) {
            prop_assert!(goes(row), "{} stays while disk pressure takes its image", row.key(&case.inventory));
        }
        // A name may go for the disk when §11 lets it; an image, when every name goes anyway
        // or may go, and one may.
        let may_go = |r: &RefPlan| {
            let image = &case.inventory.images[r.image];
            let name = r.key(&case.inventory);
            !image.in_use()
                && r.kept_by.is_none()
                && !case.overrides.pins.contains(&name)
                && !case.overrides.postponements.keys().any(|(r, _)| *r == name)
                && case.records[&image.id].first_seen <= NOW - 600
        };
        let rows_of = |image: usize| rows.iter().filter(move |r| r.image == image);
        let mut candidates: Vec<usize> = (0..case.inventory.images.len())
            .filter(|&image| {
                rows_of(image).any(|r| {
                    may_go(r) && (r.state == RefState::Scheduled || r.pressure.is_some())
                })
                    && rows_of(image).all(|r| may_go(r) || goes(r))
            })
            .collect();
        let last_used = |image: usize| case.records[&case.inventory.images[image].id].last_used;
        candidates.sort_by_key(|&image| (last_used(image), image));
        let prefix: HashSet<usize> = candidates.iter().copied().take(chosen.len()).collect();
        prop_assert_eq!(&chosen, &prefix);
        // And it stops as soon as the low mark is reached, or takes every candidate.
        let disk = case.disk.unwrap();
        let above_high = disk.used * 100 >= 80 * disk.total;
        if !above_high {
            prop_assert!(chosen.is_empty());
        } else if chosen.len() < candidates.len() {
            let freed: u64 = (0..case.inventory.images.len())
                .filter(|&image| rows_of(image).all(goes))
                .map(|image| case.inventory.images[image].size)
                .sum();
            prop_assert!((disk.used - freed) * 100 <= 50 * disk.total, "stopped above the low mark");
        }
    }

    /// Keep-last keeps exactly the `last` most recently used images of each repository among its
    /// matches (in use counting as now).
    #[test]
    fn keep_last_keeps_the_most_recently_used_images_of_each_repository(
        images in prop::collection::vec(arb(), 1..20),
        last in 1u64..4,
    ) {
        let mut case = arb_case(&images, 0, None);
        case.overrides = Overrides::default();
        case.keeps = vec![keep("r*", Some(last))];
        let rows = case.plan();
        for repo in 0..4u8 {
            let mut ids: Vec<(i64, usize)> = case
                .inventory
                .images
                .iter()
                .enumerate()
                .filter(|(_, i)| i.references[0].starts_with(&format!("r{repo}:")))
                .map(|(n, i)| {
                    let used = if i.in_use() { NOW } else { case.records[&i.id].last_used };
                    (used, n)
                })
                .collect();
            ids.sort_by_key(|&(used, n)| (std::cmp::Reverse(used), n));
            let kept: HashSet<usize> = ids.iter().take(last as usize).map(|&(_, n)| n).collect();
            for row in rows.iter().filter(|r| ids.iter().any(|&(_, n)| n == r.image)) {
                prop_assert_eq!(row.kept_by.is_some(), kept.contains(&row.image), "{:?}", row);
            }
        }
    }
}

// ---- the save preview ----------------------------------------------------------

#[test]
fn the_save_preview_says_what_disk_pressure_would_free_now() {
    use imgreaper::core::disk::DiskReading;
    use imgreaper::core::preview::preview_save;
    use imgreaper::core::settings::Settings;
    use imgreaper::core::snapshot::Snapshot;

    let mut case = pressure_case(3);
    for image in &mut case.inventory.images {
        image.size = 100 * MB;
    }
    let mut snapshot = Snapshot {
        inventory: case.inventory,
        records: case.records,
        former_names: HashMap::new(),
        disk: DiskReading::Known {
            path: "/var/lib/docker".into(),
            usage: DiskUse {
                used: 900 * MB,
                total: 1000 * MB,
                size: 1000 * MB,
            },
        },
        policies: Vec::new(),
        node: Default::default(),
        rules: RuleBook::empty(),
        overrides: Overrides::default(),
        settings: Settings::default(),
        guards: Guards::none(),
        now: NOW,
        rows: Vec::new(),
    };
    snapshot.replan(NOW);
    let document = imgreaper::core::policy::parse(
        r#"{"image_policy": {
            "removal": [{"image_name": "*", "delete_after_minutes": 1000000, "agent_downloaded_only": false}],
            "disk": {"high_percent": 85, "low_percent": 75}}}"#,
    )
    .unwrap()
    .document;
    let preview = preview_save(&snapshot, "edge", &document);
    let pressure = preview.summary.disk_pressure.expect("over the mark");
    // 900 MB of 1000: the two least recently used (app:2, app:1) bring it to 700 MB ≤ 750 MB.
    assert_eq!((pressure.references, pressure.bytes_now), (2, 200 * MB));
    assert!(
        pressure
            .sentence()
            .starts_with("disk 90% ≥ 85%: saving frees "),
        "{}",
        pressure.sentence()
    );
    assert!(pressure.sentence().ends_with("(2 references), toward 75%"));
    assert_eq!(preview.summary.newly_scheduled, 3);
    // Below the mark there is nothing to say.
    snapshot.disk = DiskReading::Known {
        path: "/var/lib/docker".into(),
        usage: DiskUse {
            used: 500 * MB,
            total: 1000 * MB,
            size: 1000 * MB,
        },
    };
    assert_eq!(
        preview_save(&snapshot, "edge", &document)
            .summary
            .disk_pressure,
        None
    );
}

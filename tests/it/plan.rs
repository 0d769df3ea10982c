//! The removal plan (DESIGN.md §4): unit cases and a property test against an independent
//! computation with a naive wildcard matcher.

use imgreaper::core::model::{Container, Guards, Image, ImageRecord, Inventory, Mode, Overrides};
use imgreaper::core::plan::{PlanInput, RefPlan, RefState, RuleBook, SourcedRule, plan};
use imgreaper::core::policy::Rule;
use proptest::prelude::*;
use std::collections::HashMap;

const NOW: i64 = 1_800_000_000;

fn rule(pattern: &str, minutes: u64, agent_only: bool) -> SourcedRule {
    SourcedRule {
        policy: "p".into(),
        index: 0,
        rule: Rule {
            image_name: pattern.into(),
            delete_after_minutes: minutes,
            agent_downloaded_only: agent_only,
        },
    }
}

fn image(id: &str, references: &[&str], in_use: bool) -> Image {
    Image {
        id: id.into(),
        references: references.iter().map(|r| r.to_string()).collect(),
        repo_digests: vec![],
        size: 1000,
        created: 0,
        children: Vec::new(),
        containers: if in_use {
            vec![Container {
                id: "c1".into(),
                name: "web".into(),
                state: "running".into(),
            }]
        } else {
            vec![]
        },
    }
}

fn record(last_used: i64, agent_downloaded: bool) -> ImageRecord {
    ImageRecord {
        first_seen: last_used.min(NOW - 86_400),
        last_used,
        pulled_at: None,
        agent_downloaded,
    }
}

struct Case {
    inventory: Inventory,
    rules: RuleBook,
    records: HashMap<String, ImageRecord>,
    overrides: Overrides,
    guards: Guards,
    mode: Mode,
    former_names: HashMap<String, Vec<String>>,
}

impl Case {
    fn new(
        images: Vec<Image>,
        rules: Vec<SourcedRule>,
        last_used: i64,
        agent_downloaded: bool,
    ) -> Case {
        let records = images
            .iter()
            .map(|i| {
                (
                    i.id.clone(),
                    record(if i.in_use() { 0 } else { last_used }, agent_downloaded),
                )
            })
            .collect();
        Case {
            inventory: Inventory {
                images,
                podman: false,
            },
            rules: RuleBook::new(rules),
            records,
            overrides: Overrides::default(),
            guards: Guards::none(),
            mode: Mode::Auto,
            former_names: HashMap::new(),
        }
    }

    fn plan(&self, now: i64) -> Vec<RefPlan> {
        plan(&PlanInput {
            inventory: &self.inventory,
            rules: &self.rules,
            records: &self.records,
            overrides: &self.overrides,
            guards: self.guards,
            mode: self.mode,
            now,
            former_names: &self.former_names,
            disk: None,
        })
    }
}

#[test]
fn the_most_aggressive_applicable_rule_wins_and_ties_go_to_the_first() {
    let case = Case::new(
        vec![image("i1", &["myorg/image1:0.0.1"], false)],
        vec![
            rule("*", 60, false),
            rule("myorg/image1:0.0.1", 30, false),
            rule("myorg/*", 30, false),
        ],
        NOW - 100,
        false,
    );
    let rows = case.plan(NOW);
    assert_eq!(rows[0].winner, Some(1));
    assert_eq!(rows[0].deadline, Some(NOW - 100 + 30 * 60));
    assert_eq!(rows[0].matching, vec![0, 1, 2]);
    assert_eq!(rows[0].state, RefState::Scheduled);
}

#[test]
fn agent_downloaded_only_rules_apply_only_to_agent_downloaded_images() {
    let rules = vec![rule("app:*", 5, true), rule("*", 120, false)];
    let pulled = Case::new(
        vec![image("i1", &["app:1"], false)],
        rules.clone(),
        NOW,
        true,
    );
    assert_eq!(pulled.plan(NOW)[0].deadline, Some(NOW + 5 * 60));
    let present = Case::new(vec![image("i1", &["app:1"], false)], rules, NOW, false);
    assert_eq!(present.plan(NOW)[0].deadline, Some(NOW + 120 * 60));
    let only_agent = Case::new(
        vec![image("i1", &["app:1"], false)],
        vec![rule("app:*", 5, true)],
        NOW,
        false,
    );
    let row = &only_agent.plan(NOW)[0];
    assert_eq!(row.state, RefState::Spared);
    assert_eq!(row.deadline, None);
}

#[test]
fn in_use_pinned_and_unmatched_references_have_no_deadline() {
    let mut case = Case::new(
        vec![
            image("used", &["a:1"], true),
            image("pinned", &["b:1"], false),
            image("other", &["c:1"], false),
        ],
        vec![rule("a:*", 0, false), rule("b:*", 0, false)],
        NOW - 10_000,
        false,
    );
    case.overrides.pins.insert("b:1".into());
    let rows = case.plan(NOW);
    assert_eq!((rows[0].state, rows[0].deadline), (RefState::InUse, None));
    assert_eq!((rows[1].state, rows[1].deadline), (RefState::Pinned, None));
    assert_eq!((rows[2].state, rows[2].deadline), (RefState::NoRule, None));
}

#[test]
fn a_postponement_moves_the_deadline_to_the_later_of_the_two() {
    let mut case = Case::new(
        vec![image("i", &["a:1", "a:2"], false)],
        vec![rule("a:*", 10, false)],
        NOW,
        false,
    );
    case.overrides.postpone("a:1", "i", NOW + 3600);
    case.overrides.postpone("a:2", "i", NOW + 60);
    let rows = case.plan(NOW);
    assert_eq!(rows[0].state, RefState::Postponed { until: NOW + 3600 });
    assert_eq!(rows[0].deadline, Some(NOW + 3600));
    assert_eq!(
        rows[1].state,
        RefState::Scheduled,
        "an earlier postponement changes nothing"
    );
    assert_eq!(rows[1].deadline, Some(NOW + 600));
    assert!(
        !rows[0].removes_image,
        "two names: removing one only untags"
    );
}

#[test]
fn guards_hold_removals_after_start_up_and_for_young_images() {
    let mut case = Case::new(
        vec![image("i", &["a:1"], false)],
        vec![rule("*", 0, false)],
        NOW - 7200,
        false,
    );
    case.guards = Guards {
        startup_until: NOW - 60 + 300,
        min_age_secs: 600,
    };
    assert_eq!(case.plan(NOW)[0].deadline, Some(NOW - 60 + 300));
    assert_eq!(case.plan(NOW)[0].state, RefState::Scheduled);
    assert_eq!(case.plan(NOW + 240)[0].state, RefState::Due);
    // A freshly pulled image waits out the minimum age.
    case.records.get_mut("i").unwrap().pulled_at = Some(NOW);
    assert_eq!(case.plan(NOW + 240)[0].deadline, Some(NOW + 600));
}

#[test]
fn due_references_await_approval_in_approve_mode_until_approved() {
    let mut case = Case::new(
        vec![image("i", &["a:1"], false)],
        vec![rule("*", 0, false)],
        NOW - 60,
        false,
    );
    case.mode = Mode::Approve;
    assert_eq!(case.plan(NOW)[0].state, RefState::AwaitingApproval);
    case.overrides.approvals.insert("a:1".into(), "i".into());
    assert_eq!(case.plan(NOW)[0].state, RefState::Due);
}

#[test]
fn decisions_bound_to_another_image_change_nothing() {
    let mut case = Case::new(
        vec![image("new", &["a:1"], false)],
        vec![rule("*", 0, false)],
        NOW - 60,
        false,
    );
    case.mode = Mode::Approve;
    case.overrides.approvals.insert("a:1".into(), "old".into());
    case.overrides.postpone("a:1", "old", NOW + 3600);
    let row = &case.plan(NOW)[0];
    assert_eq!(row.state, RefState::AwaitingApproval);
    assert_eq!(row.deadline, Some(NOW - 60));
}

#[test]
fn an_operators_adoption_overrides_what_was_observed() {
    let mut case = Case::new(
        vec![image("i", &["a:1"], false)],
        vec![rule("*", 0, true)],
        NOW - 60,
        false,
    );
    assert_eq!(case.plan(NOW)[0].state, RefState::Spared);
    case.overrides.ownership.insert("i".into(), true);
    assert_eq!(case.plan(NOW)[0].state, RefState::Due);
}

#[test]
fn dangling_images_are_matched_only_by_the_bare_star() {
    let case = Case::new(
        vec![image("sha256:dead", &[], false)],
        vec![
            rule("*:*", 1, false),
            rule("*", 7, false),
            rule("?*", 1, false),
        ],
        NOW,
        false,
    );
    let rows = case.plan(NOW);
    assert_eq!(rows[0].reference, None);
    assert_eq!(rows[0].matching, vec![1]);
    assert_eq!(rows[0].deadline, Some(NOW + 7 * 60));
    assert_eq!(rows[0].key(&case.inventory), "sha256:dead");
}

#[test]
fn fully_qualified_and_short_forms_both_match() {
    let case = Case::new(
        vec![image("i", &["nginx:1.25"], false)],
        vec![rule("docker.io/library/nginx:*", 3, false)],
        NOW,
        false,
    );
    assert_eq!(case.plan(NOW)[0].deadline, Some(NOW + 180));
}

#[test]
fn huge_minutes_saturate_instead_of_overflowing() {
    let case = Case::new(
        vec![image("i", &["a:1"], false)],
        vec![rule("*", u64::MAX, false)],
        NOW,
        false,
    );
    assert_eq!(case.plan(NOW)[0].deadline, Some(i64::MAX));
    assert_eq!(case.plan(NOW)[0].state, RefState::Scheduled);
}

/// Whole-name wildcard match, written independently of the crate: `*` any run, `?` one char.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn qualified(reference: &str) -> String {
    let first = reference.split('/').next().unwrap();
    if reference.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost")
    {
        reference.to_string()
    } else if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    }
}

fn reference_strategy() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "myorg/", "docker.io/myorg/", "127.0.0.1:5000/"]),
        prop::sample::select(vec!["app", "app1", "app10", "web", "db"]),
        prop::sample::select(vec!["1", "1.2", "latest", "10"]),
    )
        .prop_map(|(registry, name, tag)| format!("{registry}{name}:{tag}"))
}

fn pattern_strategy() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "app:*",
        "app?:*",
        "myorg/*",
        "*:latest",
        "*/app:1",
        "web:1.2",
        "docker.io/library/db:*",
        "127.0.0.1:5000/*",
        "myorg/app1:?",
        "*app*",
        "docker.io/myorg/web:*",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #[test]
    fn the_deadline_is_last_used_plus_the_smallest_applicable_minutes(
        rules in prop::collection::vec((pattern_strategy(), 0u64..500, any::<bool>()), 0..8),
        references in prop::collection::vec(reference_strategy(), 1..6),
        agent_downloaded in any::<bool>(),
        idle_for in 0i64..100_000,
    ) {
        let last_used = NOW - idle_for;
        let images: Vec<Image> = references
            .iter()
            .enumerate()
            .map(|(i, r)| image(&format!("id{i}"), &[r.as_str()], false))
            .collect();
        let sourced: Vec<SourcedRule> = rules.iter().map(|(p, m, a)| rule(p, *m, *a)).collect();
        let case = Case::new(images, sourced, last_used, agent_downloaded);
        let rows = case.plan(NOW);
        prop_assert_eq!(rows.len(), references.len());
        for (row, reference) in rows.iter().zip(&references) {
            let short = reference.strip_prefix("docker.io/library/").or_else(|| reference.strip_prefix("docker.io/")).unwrap_or(reference);
            let forms = [short.to_string(), qualified(short)];
            let expected = rules
                .iter()
                .filter(|(pattern, _, agent_only)| {
                    (!agent_only || agent_downloaded)
                        && forms.iter().any(|f| glob(pattern.as_bytes(), f.as_bytes()))
                })
                .map(|(_, minutes, _)| *minutes)
                .min()
                .map(|minutes| last_used + minutes as i64 * 60);
            prop_assert_eq!(row.deadline, expected, "reference {} rules {:?}", reference, rules);
        }
    }
}

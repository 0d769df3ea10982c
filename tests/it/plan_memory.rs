//! At the rule limit the plan must stay small: 10,000 `*` rules match every reference, and a
//! list of 10,000 indices per reference took 92 MB at 1,000 references (the service may use
//! 64 MB). Rows with the same matching rules share one list.

use imgreaper::core::model::{Guards, Image, Inventory, Mode, Overrides};
use imgreaper::core::plan::{PlanInput, RuleBook, SourcedRule, plan};
use imgreaper::core::policy::MAX_RULES;
use imgreaper::core::policy::Rule;
use std::collections::HashMap;

#[test]
fn references_matched_by_the_same_rules_share_one_list() {
    let rules: Vec<SourcedRule> = (0..MAX_RULES)
        .map(|index| SourcedRule {
            policy: "p".into(),
            index,
            rule: Rule {
                image_name: "*".into(),
                delete_after_minutes: 60 + index as u64,
                agent_downloaded_only: false,
            },
        })
        .collect();
    let images: Vec<Image> = (0..1_000)
        .map(|i| Image {
            id: format!("sha256:{i:064x}"),
            references: vec![format!("app{i}:1")],
            repo_digests: vec![],
            size: 1,
            created: 0,
            children: Vec::new(),
            containers: vec![],
        })
        .collect();
    let rows = plan(&PlanInput {
        inventory: &Inventory {
            images,
            podman: false,
        },
        rules: &RuleBook::new(rules),
        records: &HashMap::new(),
        overrides: &Overrides::default(),
        guards: Guards {
            startup_until: 0,
            min_age_secs: 0,
        },
        mode: Mode::Auto,
        now: 1_800_000_000,
        former_names: &HashMap::new(),
        disk: None,
    });
    assert_eq!(rows.len(), 1_000);
    assert_eq!(rows[0].matching.len(), MAX_RULES);
    let first = rows[0].matching.as_slice().as_ptr();
    assert!(
        rows.iter()
            .all(|row| row.matching.as_slice().as_ptr() == first)
    );
}

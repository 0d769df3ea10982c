//! Placement (§13) pinned by golden tables kept as data (tests/it/golden/): constraint
//! expressions × property sets, and NMPs × nodes. Each group names the Open Horizon agent source
//! or test its expected results come from.

use imgreaper::core::placement::{Node, Property, parse_constraint, parse_node_policy};
use imgreaper::core::policy::parse;
use imgreaper::core::saved::StoredPolicy;
use serde_json::Value;

const NOW: i64 = 1_700_000_000; // 2023-11-14

fn golden(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/it/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Properties as a node policy declares them (read and checked by the node policy reader).
fn properties(list: &Value) -> Vec<Property> {
    let text = serde_json::json!({ "properties": list }).to_string();
    parse_node_policy(&text)
        .unwrap_or_else(|e| panic!("{text}: {e:#?}"))
        .0
        .properties
}

#[test]
fn constraint_expressions_against_property_sets() {
    let mut checked = 0;
    for group in golden("constraints.json") {
        let from = group["from"].as_str().unwrap();
        if let Some(cases) = group["cases"].as_array() {
            let props = properties(&group["properties"]);
            for case in cases {
                let (list, expected) = (&case[0], case[1].as_bool().unwrap());
                let holds = list.as_array().unwrap().iter().all(|c| {
                    let text = c.as_str().unwrap();
                    parse_constraint(text)
                        .unwrap_or_else(|e| panic!("{from}\n{text}: {e:?}"))
                        .holds(&props)
                });
                assert_eq!(holds, expected, "{from}\n{list}");
                checked += 1;
            }
        }
        for text in group["parses"].as_array().into_iter().flatten() {
            let text = text.as_str().unwrap();
            assert!(
                parse_constraint(text).is_ok(),
                "{from}\n{text}: {:?}",
                parse_constraint(text)
            );
            checked += 1;
        }
        for case in group["errors"].as_array().into_iter().flatten() {
            let text = case[0].as_str().unwrap();
            let column = case[1].as_u64().unwrap() as usize;
            let says = case[2].as_str().unwrap();
            let error = parse_constraint(text)
                .err()
                .unwrap_or_else(|| panic!("{from}\n{text} parsed"));
            assert_eq!(
                (error.column(text), error.message.contains(says)),
                (column, true),
                "{from}\n{text}: {error:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "{checked} cases");
}

#[test]
fn nmps_against_nodes() {
    for group in golden("placement.json") {
        let from = group["from"].as_str().unwrap();
        let (policy, _) = parse_node_policy(&group["node"].to_string())
            .unwrap_or_else(|e| panic!("{from}: {e:#?}"));
        // No built-ins: the tables must not depend on the host they run on.
        let node = Node::new(&policy, Vec::new());
        for case in group["cases"].as_array().unwrap() {
            let what = case["what"].as_str().unwrap();
            let mut nmp = case["nmp"].as_object().unwrap().clone();
            nmp.insert(
                "image_policy".into(),
                serde_json::json!({"removal": [{"image_name": "*", "delete_after_minutes": 1}]}),
            );
            let document = parse(&Value::Object(nmp).to_string())
                .unwrap_or_else(|e| panic!("{from}\n{what}: {e:#?}"))
                .document;
            let stored = StoredPolicy {
                name: "nmp".into(),
                document,
                saved_at: NOW,
                version: 1,
            };
            let status = stored.status(&node, NOW);
            assert_eq!(
                status.word(),
                case["status"].as_str().unwrap(),
                "{from}\n{what}: {status}"
            );
            if let Some(why) = case["why"].as_str() {
                assert!(status.to_string().contains(why), "{from}\n{what}: {status}");
            }
        }
    }
}

//! A document back to JSON, for export and publishing.

use serde_json::{Map, Value, json};

use super::document::{PolicyDocument, Spelling};
use super::keys::{ANAX, SEED, keys};
use super::start::{format_start, parse_start};

impl PolicyDocument {
    /// The whole document: the other NMP fields as they were, and the rules
    /// in `spelling` only. `enabled` and `start` are written as originally
    /// unless the fields were changed since, in which case the new values win.
    pub fn to_json(&self, spelling: Spelling) -> Value {
        let mut map = self.extra.clone();
        map.shift_remove(SEED.policy);
        map.shift_remove(ANAX.policy);
        sync_enabled(&mut map, self.enabled);
        sync_start(self, &mut map);

        let k = keys(spelling);
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|rule| {
                let mut object = Map::new();
                object.insert(k.name.into(), json!(rule.image_name));
                object.insert(k.minutes.into(), json!(rule.delete_after_minutes));
                object.insert(k.downloaded_only.into(), json!(rule.agent_downloaded_only));
                Value::Object(object)
            })
            .collect();
        let mut policy = Map::new();
        policy.insert(k.list.into(), Value::Array(rules));
        // Written only when present, so a document without them exports as it was read.
        if !self.keep.is_empty() {
            let keep = self
                .keep
                .iter()
                .map(|keep| {
                    let mut object = Map::new();
                    object.insert(k.name.into(), json!(keep.image_name));
                    if let Some(last) = keep.last {
                        object.insert(k.last.into(), json!(last));
                    }
                    Value::Object(object)
                })
                .collect();
            policy.insert(k.keep_list.into(), Value::Array(keep));
        }
        if let Some(disk) = self.disk {
            policy.insert(
                k.disk.into(),
                json!({ k.high: disk.high_percent, k.low: disk.low_percent }),
            );
        }
        // Where it stood in the document as read; last otherwise.
        let at = self.policy_at.unwrap_or(map.len()).min(map.len());
        map.shift_insert(at, k.policy.into(), Value::Object(policy));
        Value::Object(map)
    }
}

fn sync_enabled(map: &mut Map<String, Value>, enabled: bool) {
    let as_written = match map.get("enabled") {
        None => enabled, // absent reads as true: only write `false`
        Some(value) => value.as_bool() == Some(enabled),
    };
    if !as_written || (map.get("enabled").is_none() && !enabled) {
        map.insert("enabled".into(), Value::Bool(enabled));
    }
}

fn sync_start(document: &PolicyDocument, map: &mut Map<String, Value>) {
    let written = map
        .get("start")
        .and_then(Value::as_str)
        .and_then(|s| parse_start(s).ok());
    if written == document.start && (written.is_some() || !map.contains_key("start")) {
        return;
    }
    match document.start {
        Some(start) => {
            map.insert("start".into(), Value::String(format_start(start)));
        }
        None => {
            map.shift_remove("start");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::{DiskMarks, KeepRule, Rule, Start};
    use super::*;

    fn rule() -> Rule {
        Rule {
            image_name: "nginx:*".into(),
            delete_after_minutes: 5,
            agent_downloaded_only: false,
        }
    }

    #[test]
    fn bare_document_in_each_spelling() {
        let doc = PolicyDocument::rules_only(vec![rule()]);
        assert_eq!(
            doc.to_json(Spelling::Seed),
            json!({"image_policy": {"removal": [{"image_name": "nginx:*", "delete_after_minutes": 5, "agent_downloaded_only": false}]}})
        );
        assert_eq!(
            doc.to_json(Spelling::Anax),
            json!({"agentImagePolicy": {"imageRemovalPolicies": [{"imageId": "nginx:*", "deleteAfterMinutes": 5, "agentDownloadedOnly": false}]}})
        );
    }

    #[test]
    fn keep_rules_and_disk_marks_in_each_spelling() {
        let mut doc = PolicyDocument::rules_only(vec![]);
        doc.keep = vec![
            KeepRule {
                image_name: "myorg/*".into(),
                last: Some(2),
            },
            KeepRule {
                image_name: "base:*".into(),
                last: None,
            },
        ];
        doc.disk = Some(DiskMarks {
            high_percent: 85,
            low_percent: 75,
        });
        assert_eq!(
            doc.to_json(Spelling::Seed),
            json!({"image_policy": {"removal": [],
                "keep": [{"image_name": "myorg/*", "last": 2}, {"image_name": "base:*"}],
                "disk": {"high_percent": 85, "low_percent": 75}}})
        );
        assert_eq!(
            doc.to_json(Spelling::Anax),
            json!({"agentImagePolicy": {"imageRemovalPolicies": [],
                "imageKeepPolicies": [{"imageId": "myorg/*", "last": 2}, {"imageId": "base:*"}],
                "diskPressure": {"highPercent": 85, "lowPercent": 75}}})
        );
    }

    #[test]
    fn changed_enabled_and_start_are_written() {
        let mut doc = PolicyDocument::rules_only(vec![]);
        doc.extra.insert("enabled".into(), json!(true));
        doc.extra.insert("start".into(), json!("now"));
        doc.enabled = false;
        doc.start = Some(Start::At(60));
        let out = doc.to_json(Spelling::Seed);
        assert_eq!(out["enabled"], json!(false));
        assert_eq!(out["start"], json!("1970-01-01T00:01:00Z"));
        doc.start = None;
        assert!(doc.to_json(Spelling::Seed).get("start").is_none());
    }

    #[test]
    fn unchanged_fields_stay_as_written() {
        let mut doc = PolicyDocument::rules_only(vec![]);
        doc.extra
            .insert("start".into(), json!("2025-06-01T04:00:00+02:00"));
        doc.start = parse_start("2025-06-01T04:00:00+02:00").ok();
        let out = doc.to_json(Spelling::Seed);
        assert_eq!(out["start"], json!("2025-06-01T04:00:00+02:00"));
        assert!(out.get("enabled").is_none());
    }

    #[test]
    fn only_the_requested_spelling_is_written() {
        let mut doc = PolicyDocument::rules_only(vec![rule()]);
        doc.extra.insert("agentImagePolicy".into(), json!({}));
        let out = doc.to_json(Spelling::Seed);
        assert!(out.get("agentImagePolicy").is_none());
        assert!(out.get("image_policy").is_some());
    }
}

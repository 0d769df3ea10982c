//! Issue 20: export writes a policy back as it was read: in its spelling (unless asked for the
//! other), its keys in the document's order, and `"start": "now"` as written.

use crate::support;

use support::Sandbox;

const NMP: &str = r#"{
  "label": "sensors",
  "description": "written by hand",
  "agentImagePolicy": {
    "imageRemovalPolicies": [
      { "imageId": "myorg/sensor:*", "deleteAfterMinutes": 60, "agentDownloadedOnly": false }
    ]
  },
  "properties": [],
  "enabled": true,
  "start": "now",
  "constraints": []
}"#;

/// The top-level keys of a JSON text, in the order written.
fn keys(text: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let object = value.as_object().expect("an object");
    // serde_json keeps order here (the preserve_order feature); the text is checked too.
    let keys: Vec<String> = object.keys().cloned().collect();
    let mut at: Vec<(usize, String)> = keys
        .iter()
        .map(|k| (text.find(&format!("\"{k}\"")).unwrap(), k.clone()))
        .collect();
    at.sort();
    at.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn export_keeps_the_spelling_the_key_order_and_start_now() {
    let sandbox = Sandbox::new("export");
    let file = sandbox.write("sensors.json", NMP);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let exported = sandbox.ok(&["policy", "export", "sensors"]);
    assert_eq!(
        keys(&exported),
        keys(NMP),
        "the document's order:\n{exported}"
    );
    let value: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert!(value.get("agentImagePolicy").is_some(), "{exported}");
    assert_eq!(value["start"], "now", "{exported}");
    // The other spelling when asked, in the same place.
    let seed = sandbox.ok(&["policy", "export", "sensors", "--format", "seed"]);
    let mut expected = keys(NMP);
    expected[2] = "image_policy".into();
    assert_eq!(keys(&seed), expected, "{seed}");
}

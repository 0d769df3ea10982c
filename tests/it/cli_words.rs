//! Issue 20 (small things): the command line writes counts in words, `1 rule`, `2 references`,
//! never `rule(s)`.

use crate::support;

use support::Sandbox;
use support::images::import;

#[test]
fn counts_are_written_in_words() {
    let sandbox = Sandbox::new("words");
    import(&sandbox.repo("a:1"));
    import(&sandbox.repo("a:2"));
    let p = &sandbox.prefix;
    let one = sandbox.write(
        "one.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{p}/*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]}}}}"#
        ),
    );
    let two = sandbox.write(
        "two.json",
        &format!(
            r#"{{"image_policy": {{"removal": [
                {{"image_name": "{p}/a:1", "delete_after_minutes": 60, "agent_downloaded_only": false}},
                {{"image_name": "{p}/*", "delete_after_minutes": 90, "agent_downloaded_only": false}}]}}}}"#
        ),
    );
    let mut said = Vec::new();
    said.push(sandbox.ok(&["policy", "apply", one.to_str().unwrap()]));
    assert!(said[0].contains("with 1 rule"), "{said:?}");
    said.push(sandbox.ok(&["policy", "apply", two.to_str().unwrap()]));
    assert!(said[1].contains("with 2 rules"), "{said:?}");
    said.push(sandbox.ok(&["policy", "preview", two.to_str().unwrap()]));
    assert!(said[2].contains("2 references matched"), "{said:?}");
    said.push(sandbox.ok(&["pin", &format!("{p}/a:*")]));
    assert!(
        said[3].contains("2 local references match it now"),
        "{said:?}"
    );
    said.push(sandbox.ok(&["log"]));
    for text in &said {
        assert!(!text.contains("(s)"), "{text}");
    }
}

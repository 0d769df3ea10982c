//! Issue 20: `imgreaper approve` with no reference lists what awaits approval (it was a usage
//! error), and says how to approve.

use crate::support;

use support::Sandbox;
use support::images::import;

#[test]
fn approve_alone_lists_what_awaits_approval() {
    let sandbox = Sandbox::new("approve-list");
    let (waiting, later) = (sandbox.repo("old:1"), sandbox.repo("new:1"));
    import(&waiting);
    import(&later);
    let file = sandbox.write(
        "p.json",
        &format!(
            r#"{{"image_policy": {{"removal": [
                {{"image_name": "{}", "delete_after_minutes": 0, "agent_downloaded_only": false}},
                {{"image_name": "{}", "delete_after_minutes": 600, "agent_downloaded_only": false}}]}}}}"#,
            waiting, later
        ),
    );
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let output = sandbox.imgreaper(&["approve"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("nothing awaits approval"), "{stdout}");

    sandbox.ok(&[
        "settings",
        "--mode",
        "approve",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
    ]);
    let listed = sandbox.ok(&["approve"]);
    assert!(listed.contains(&waiting), "{listed}");
    assert!(!listed.contains(&later), "{listed}");
    assert!(listed.contains("imgreaper approve --all"), "{listed}");
    // Listing approves nothing.
    let rows = sandbox.images_json();
    let row = rows
        .iter()
        .find(|r| r["reference"] == waiting.as_str())
        .unwrap();
    assert_eq!(row["state"], "awaiting_approval");
}

//! `imgreaper policy new [--format seed|anax] [--nmp]` prints an annotated starting document that
//! `policy check` accepts as it is, in the spelling asked for.

use crate::support;

use imgreaper::core::policy::{Spelling, parse};
use support::Sandbox;

const VARIANTS: [(&[&str], Spelling, bool); 4] = [
    (&[], Spelling::Seed, false),
    (&["--nmp"], Spelling::Seed, true),
    (&["--format", "anax"], Spelling::Anax, false),
    (&["--format", "anax", "--nmp"], Spelling::Anax, true),
];

fn new_policy(sandbox: &Sandbox, flags: &[&str]) -> String {
    let mut args = vec!["policy", "new"];
    args.extend(flags);
    sandbox.ok(&args)
}

#[test]
fn every_template_passes_policy_check_without_a_warning() {
    let sandbox = Sandbox::new("policy-new-check");
    for (flags, _, _) in VARIANTS {
        let text = new_policy(&sandbox, flags);
        let file = sandbox.write("new.json", &text);
        let output = sandbox.imgreaper(&["policy", "check", file.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{flags:?}: {}\n{text}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "{flags:?} warns: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn templates_are_annotated_in_the_spelling_asked_for() {
    let sandbox = Sandbox::new("policy-new-spelling");
    for (flags, spelling, nmp) in VARIANTS {
        let text = new_policy(&sandbox, flags);
        let comments = text
            .lines()
            .filter(|l| l.trim_start().starts_with("//"))
            .count();
        assert!(comments >= 5, "{flags:?} is hardly annotated:\n{text}");
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{flags:?}: {e:#?}"));
        let document = parsed.document;
        assert_eq!(document.spelling, spelling, "{flags:?}");
        assert!(!document.rules.is_empty(), "{flags:?}");
        assert!(document.enabled);
        for field in ["label", "description", "constraints", "enabled", "start"] {
            assert_eq!(
                document.extra.contains_key(field),
                nmp,
                "{flags:?}: {field}\n{text}"
            );
        }
        let policy_key = match spelling {
            Spelling::Seed => "\"image_policy\"",
            Spelling::Anax => "\"agentImagePolicy\"",
        };
        assert!(text.contains(policy_key), "{flags:?}");
    }
}

#[test]
fn a_template_can_be_applied_as_it_is() {
    let sandbox = Sandbox::new("policy-new-apply");
    let file = sandbox.write("starter.json", &new_policy(&sandbox, &["--nmp"]));
    sandbox.ok(&["policy", "apply", file.to_str().unwrap()]);
    let listed = sandbox.ok(&["policy", "list"]);
    assert!(listed.contains("starter"), "{listed}");
}

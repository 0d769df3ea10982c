//! Annotated starting documents (`imgreaper policy new`, and the console's import of a file that
//! does not exist yet). One text per spelling, built from the spelling's key names so the two
//! can never say different things.

use super::document::Spelling;
use super::keys::keys;

/// A starting policy that `policy check` accepts without a warning: two example rules, each
/// field explained in a comment. With `nmp`, the node management policy fields around it too.
pub fn template(spelling: Spelling, nmp: bool) -> String {
    let k = keys(spelling);
    let (policy, list, name, minutes, only) =
        (k.policy, k.list, k.name, k.minutes, k.downloaded_only);
    let mut text = String::from(HEADER);
    text.push_str("{\n");
    if nmp {
        text.push_str(NMP_FIELDS);
    }
    text.push_str(&format!(
        r#"  "{policy}": {{
    "{list}": [
      // One entry per rule. For each name of an image, the applicable rule with the smallest
      // {minutes} wins (ties: the first). No rule: the image stays.
      {{
        // A Docker reference, complete (`app:1.2`, `app@sha256:…`) or with wildcards: `*` is
        // any run of characters (`/ : @` included), `?` one character. A name needs a tag:
        // `myorg/app:*` is every tag of myorg/app.
        "{name}": "myorg/app:*",
        // Whole minutes after the image was last used (its last container went away); 1440 is
        // a day. An image a container uses, running or stopped, is never removed.
        "{minutes}": 1440,
        // true (also when left out): only images pulled while imgreaper was watching the
        // engine. Images already here, built, imported or loaded are spared by this rule.
        "{only}": true
      }},
      {{
        // Everything else the agent pulled, a week after its last use. A bare `*` also matches
        // images with no name (dangling).
        "{name}": "*",
        "{minutes}": 10080,
        "{only}": true
      }}
    ]
  }}
}}
"#
    ));
    text
}

const HEADER: &str = "\
// A starting image policy for imgreaper: which images go, and how long after their last use.
//   imgreaper policy check FILE     validate it (every problem with its line and column)
//   imgreaper policy preview FILE   what it would match on this node, and when each would go
//   imgreaper policy apply FILE     save it (named after the file); the enforcer picks it up
// Guards: nothing is removed within 5 minutes of the enforcer starting, nor within 10 minutes
// of an image being first seen or pulled. Comments are allowed; saving does not keep them.
";

const NMP_FIELDS: &str = r#"  // A node management policy (NMP), as the management hub publishes it. imgreaper keeps every
  // field as written and gives it back on `imgreaper policy export NAME`.
  "label": "image-cleanup",
  "description": "Versions of myorg/app go a day after their last use; anything else the agent pulled, a week after.",
  // Which nodes it applies on (placement). Each constraint must hold for this node's properties
  // (its node policy, /etc/imgreaper/node.policy.json, plus built-ins such as openhorizon.arch;
  // `imgreaper node` shows them): `==` `!=` `<` `>` `<=` `>=`, `in "a,b"`, `in [1.0.0,2.0.0)`,
  // AND before OR, parentheses. A node policy such as
  //   {"properties": [{"name": "purpose", "value": "edge-gateway"}]}
  // places this one with ["purpose == edge-gateway"]. Empty: every node. A node with a pattern
  // takes only policies whose "patterns" name it. Where it is not placed, it applies nothing,
  // and `policy list`, `policy preview` and the console say why.
  "constraints": [],
  // What this policy offers to the nodes' own constraints (`management.constraints`).
  "properties": [],
  // false keeps the policy saved without applying it.
  "enabled": true,
  // When it starts to apply: "now", or an RFC 3339 time such as "2030-06-01T02:00:00Z".
  "start": "now",
"#;

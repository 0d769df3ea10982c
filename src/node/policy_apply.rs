//! Saving a policy as `imgreaper policy apply` does, the same for the node's command line and
//! for `rpc` (the fleet): the name checked, the node's rule limit kept, the save audited.

use crate::core::format::{count, escape_controls};
use crate::core::model::Timestamp;
use crate::core::policy::{PolicyDocument, too_many_rules_on_node};
use crate::node::store::{NewAudit, Store};
use crate::node::usage::UsageError;
use anyhow::Result;

/// A name a policy may be saved under: not blank, no control characters (a name is printed in
/// tables and logs, and could otherwise rewrite an operator's screen).
pub fn check_name(name: &str) -> Result<(), UsageError> {
    if name.chars().any(char::is_control) {
        return Err(UsageError(format!(
            "the policy name `{}` holds control characters; pass --name with a plain name",
            escape_controls(name)
        )));
    }
    if name.trim().is_empty() {
        return Err(UsageError(
            "a policy needs a name that is not blank; pass --name NAME".to_string(),
        ));
    }
    Ok(())
}

/// Saves `document` as `name` unless the saved policies would then hold more rules than a node
/// takes; audited as `policy-apply` with where it came from (`from`, e.g. the file).
pub fn apply(
    store: &mut Store,
    name: &str,
    document: &PolicyDocument,
    from: &str,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    check_name(name)?;
    let others: usize = store
        .policies()?
        .iter()
        .filter(|p| p.name != name)
        .map(|p| p.document.rules.len())
        .sum();
    if let Some(message) = too_many_rules_on_node(name, document.rules.len(), others) {
        return Err(UsageError(message).into());
    }
    store.save_policy(name, document, now)?;
    store.audit(
        &NewAudit::policy(now, actor, "policy-apply", name).result(format!(
            "{} from {from}",
            count(document.rules.len(), "rule", "rules")
        )),
    )?;
    Ok(())
}

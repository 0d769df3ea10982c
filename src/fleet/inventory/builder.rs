//! Building an inventory the way each format describes it: hosts into groups, groups into
//! groups, variables onto both. Finishing adds what Ansible adds: every group without a parent
//! is a child of `all`, and a host in no group but `all` is in `ungrouped`.

use super::{Group, Inventory, Vars};
use anyhow::{Result, bail};

pub struct Builder {
    inventory: Inventory,
}

impl Builder {
    pub fn new() -> Builder {
        let mut inventory = Inventory::default();
        inventory.groups.insert("all".into(), Group::default());
        inventory
            .groups
            .insert("ungrouped".into(), Group::default());
        Builder { inventory }
    }

    pub fn group(&mut self, name: &str) -> Result<&mut Group> {
        check_group_name(name)?;
        Ok(self.inventory.groups.entry(name.to_string()).or_default())
    }

    /// Adds `host` to `group` (and to the inventory, the first time), with variables of its
    /// own; variables given again later override earlier ones, as in Ansible.
    pub fn add_host(&mut self, group: &str, host: &str, vars: Vars) -> Result<()> {
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("`{host}` is not a host name");
        }
        let entry = self.group(group)?;
        if !entry.hosts.iter().any(|h| h == host) {
            entry.hosts.push(host.to_string());
        }
        if !self.inventory.hosts.iter().any(|h| h == host) {
            self.inventory.hosts.push(host.to_string());
        }
        self.inventory
            .host_vars
            .entry(host.to_string())
            .or_default()
            .extend(vars);
        Ok(())
    }

    /// Makes `child` a child group of `parent`; a cycle is refused.
    pub fn add_child(&mut self, parent: &str, child: &str) -> Result<()> {
        if child == "all" {
            bail!("group {parent} cannot hold `all` as a child");
        }
        if parent == child || self.descends(child, parent) {
            bail!("group {child} would contain itself (through {parent}): a cycle of children");
        }
        self.group(child)?;
        let entry = self.group(parent)?;
        if !entry.children.iter().any(|c| c == child) {
            entry.children.push(child.to_string());
        }
        Ok(())
    }

    /// Whether `group` is `from` or below it.
    fn descends(&self, from: &str, group: &str) -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = Vec::new();
        while let Some(name) = stack.pop() {
            if name == group {
                return true;
            }
            if seen.contains(&name) {
                continue;
            }
            if let Some(g) = self.inventory.groups.get(&name) {
                stack.extend(g.children.iter().cloned());
            }
            seen.push(name);
        }
        false
    }

    /// Variables of a group; `ansible_group_priority` is the group's priority among groups
    /// of one depth, not a variable (as in Ansible).
    pub fn group_vars(&mut self, group: &str, mut vars: Vars) -> Result<()> {
        if let Some(priority) = vars.remove("ansible_group_priority") {
            let text = super::text_of(&priority);
            let Ok(priority) = text.parse::<i64>() else {
                bail!("group {group}: ansible_group_priority is {text}, not a whole number");
            };
            self.group(group)?.priority = priority;
        }
        self.group(group)?.vars.extend(vars);
        Ok(())
    }

    pub fn finish(mut self) -> Inventory {
        let inventory = &mut self.inventory;
        let orphans: Vec<String> = inventory
            .groups
            .keys()
            .filter(|name| *name != "all")
            .filter(|name| {
                !inventory
                    .groups
                    .values()
                    .any(|g| g.children.iter().any(|c| c == *name))
            })
            .cloned()
            .collect();
        let all = inventory.groups.get_mut("all").expect("all exists");
        for orphan in orphans {
            if !all.children.contains(&orphan) {
                all.children.push(orphan);
            }
        }
        let grouped: Vec<String> = inventory
            .groups
            .iter()
            .filter(|(name, _)| *name != "all" && *name != "ungrouped")
            .flat_map(|(_, g)| g.hosts.iter().cloned())
            .collect();
        let ungrouped: Vec<String> = inventory
            .hosts
            .iter()
            .filter(|h| !grouped.contains(h))
            .cloned()
            .collect();
        // A host named before any section and again in a group is not ungrouped (Ansible's
        // reconciliation).
        let entry = inventory
            .groups
            .get_mut("ungrouped")
            .expect("ungrouped exists");
        entry.hosts.retain(|h| ungrouped.contains(h));
        for host in ungrouped {
            if !entry.hosts.contains(&host) {
                entry.hosts.push(host);
            }
        }
        self.inventory
    }
}

/// A group name Ansible accepts without a warning: letters, digits and `_`, not starting with
/// a digit.
fn check_group_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !valid {
        bail!(
            "`{name}` is not a group name (letters, digits, `_` and `-`, not starting with a \
             digit)"
        );
    }
    Ok(())
}

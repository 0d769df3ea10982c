//! The fleet's inventory: which nodes there are and how to reach each. Read as Ansible reads it
//! (DESIGN.md §14), so an operator's existing inventory works as it is:
//!
//! - `ini`: Ansible's INI format (`[group]`, `[group:vars]`, `[group:children]`, host lines
//!   with `key=value` variables, `host:port`, ranges such as `web[01:20].example.org`);
//! - `yaml`: Ansible's YAML format (`all: {hosts, vars, children}`);
//! - `plain`: one `[user@]host[:port]` a line;
//! - a comma-separated list given instead of a file (`-i node1,node2`), as Ansible takes one.
//!
//! Variables merge as Ansible merges them: `all`, then groups from the shallowest to the
//! deepest (by `ansible_group_priority`, then name, at one depth), then the host's own. `limit`
//! selects hosts with Ansible's patterns.

mod builder;
mod ini;
mod limit;
mod plain;
mod range;
mod yaml;

pub use limit::select;

use anyhow::{Context as _, Result, bail};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A group's or a host's variables, as written (strings from INI, typed values from YAML).
pub type Vars = BTreeMap<String, serde_json::Value>;

/// A group of the inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Hosts named in the group itself, in order.
    pub hosts: Vec<String>,
    /// Child groups, in order.
    pub children: Vec<String>,
    pub vars: Vars,
    /// `ansible_group_priority`: among groups of one depth, a higher one's variables win.
    pub priority: i64,
}

impl Default for Group {
    fn default() -> Group {
        Group {
            hosts: Vec::new(),
            children: Vec::new(),
            vars: Vars::new(),
            priority: 1,
        }
    }
}

/// An inventory as read: hosts in the order they first appear, and every group (`all` and
/// `ungrouped` included).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub hosts: Vec<String>,
    pub host_vars: HashMap<String, Vars>,
    pub groups: BTreeMap<String, Group>,
}

/// One node as the fleet reaches it, from its inventory entry and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The inventory name: what every output calls it.
    pub name: String,
    /// Where SSH connects: `ansible_host`, else the name (an ssh_config alias works).
    pub address: String,
    /// `ansible_port`; else ssh_config's or 22.
    pub port: Option<u16>,
    /// `ansible_user`; else ssh_config's or the local user.
    pub user: Option<String>,
    /// With `ansible_become`: the user `sudo -n` runs imgreaper as (`ansible_become_user`,
    /// root by default).
    pub become_user: Option<String>,
    /// The remote program: `imgreaper_path`, else `imgreaper` (found in the remote PATH).
    pub program: String,
    /// Every group it belongs to, directly or through children (`all` excluded).
    pub groups: Vec<String>,
}

impl Inventory {
    /// Reads `source`: a file in any of the three formats, or, when no file has that name and
    /// it holds a comma, a list of hosts (`node1,node2` or `node1,`).
    pub fn load(source: &str) -> Result<Inventory> {
        let path = Path::new(source);
        if !path.exists() && source.contains(',') {
            return plain::parse_list(source.split(','))
                .with_context(|| format!("the host list {source} does not read"));
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the inventory {source}"))?;
        Inventory::parse(&text, path)
            .with_context(|| format!("the inventory {source} does not read"))
    }

    /// Reads an inventory's text; the file name decides YAML (`.yml`, `.yaml`) and INI
    /// (`.ini`), else the text does: a YAML mapping, an INI section or `key=value`, or one
    /// `[user@]host[:port]` a line.
    pub fn parse(text: &str, path: &Path) -> Result<Inventory> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("yml" | "yaml") => yaml::parse(text),
            Some("ini") => ini::parse(text),
            _ if looks_like_yaml(text) => yaml::parse(text),
            _ if looks_like_ini(text) => ini::parse(text),
            _ => plain::parse(text),
        }
    }

    /// A host's variables, merged as Ansible merges them.
    pub fn vars_of(&self, host: &str) -> Vars {
        let mut groups: Vec<(usize, i64, &String)> = self
            .groups_of(host)
            .into_iter()
            .map(|name| (self.depth(name), self.groups[name].priority, name))
            .collect();
        groups.sort();
        let mut vars = Vars::new();
        for (_, _, name) in groups {
            vars.extend(self.groups[name].vars.clone());
        }
        if let Some(own) = self.host_vars.get(host) {
            vars.extend(own.clone());
        }
        vars
    }

    /// Every group that holds `host`, directly or through its children; `all` included.
    pub fn groups_of(&self, host: &str) -> Vec<&String> {
        let mut found: Vec<&String> = Vec::new();
        let mut queue: Vec<&String> = self
            .groups
            .iter()
            .filter(|(_, g)| g.hosts.iter().any(|h| h == host))
            .map(|(name, _)| name)
            .collect();
        while let Some(name) = queue.pop() {
            if found.contains(&name) {
                continue;
            }
            found.push(name);
            for (parent, group) in &self.groups {
                if group.children.contains(name) {
                    queue.push(parent);
                }
            }
        }
        found.sort();
        found
    }

    /// How deep a group is under `all` (the longest way down to it).
    fn depth(&self, name: &str) -> usize {
        let mut depth = 0;
        let mut level: Vec<&str> = vec![name];
        // Bounded by the number of groups: the builder refuses cycles.
        while !level.is_empty() && depth <= self.groups.len() {
            let parents: Vec<&str> = self
                .groups
                .iter()
                .filter(|(_, g)| g.children.iter().any(|c| level.contains(&c.as_str())))
                .map(|(n, _)| n.as_str())
                .collect();
            if parents.is_empty() {
                break;
            }
            depth += 1;
            level = parents;
        }
        depth
    }

    /// The hosts of a group and of its children, in order, each once.
    pub fn hosts_of_group<'a>(&'a self, name: &'a str) -> Vec<&'a String> {
        if name == "all" {
            return self.hosts.iter().collect();
        }
        let mut out: Vec<&String> = Vec::new();
        let mut seen_groups: Vec<&str> = Vec::new();
        self.collect_hosts(name, &mut out, &mut seen_groups);
        out
    }

    fn collect_hosts<'a>(
        &'a self,
        name: &'a str,
        out: &mut Vec<&'a String>,
        seen: &mut Vec<&'a str>,
    ) {
        if seen.contains(&name) {
            return;
        }
        seen.push(name);
        let Some(group) = self.groups.get(name) else {
            return;
        };
        for host in &group.hosts {
            if !out.contains(&host) {
                out.push(host);
            }
        }
        for child in &group.children {
            self.collect_hosts(child, out, seen);
        }
    }

    /// How to reach `host`, from its variables.
    pub fn node(&self, host: &str) -> Result<Node> {
        let vars = self.vars_of(host);
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| vars.get(*n))
                .map(text_of)
                .filter(|v| !v.is_empty())
        };
        let port =
            match get(&["ansible_port", "ansible_ssh_port"]) {
                Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p > 0).with_context(
                    || format!("host {host}: ansible_port {port} is not a port number (1-65535)"),
                )?),
                None => None,
            };
        let become_on = match get(&["ansible_become"]) {
            Some(value) => boolean(&value).with_context(|| {
                format!("host {host}: ansible_become is {value}, not a boolean (true or false)")
            })?,
            None => false,
        };
        if become_on
            && let Some(method) = get(&["ansible_become_method"])
            && method != "sudo"
        {
            bail!(
                "host {host}: ansible_become_method is {method}; imgreaper becomes another user \
                 only through sudo -n"
            );
        }
        Ok(Node {
            name: host.to_string(),
            address: get(&["ansible_host", "ansible_ssh_host"]).unwrap_or_else(|| host.to_string()),
            port,
            user: get(&["ansible_user", "ansible_ssh_user"]),
            become_user: become_on
                .then(|| get(&["ansible_become_user"]).unwrap_or_else(|| "root".to_string())),
            program: get(&["imgreaper_path"]).unwrap_or_else(|| "imgreaper".to_string()),
            groups: self
                .groups_of(host)
                .into_iter()
                .filter(|g| *g != "all")
                .cloned()
                .collect(),
        })
    }
}

/// A variable's value as text: strings as they are, numbers and booleans as written.
pub fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A boolean as Ansible reads one (`yes`, `on`, `1`, `true` in any case, and their opposites).
fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "on" | "1" | "true" | "y" | "t" | "1.0" => Some(true),
        "no" | "off" | "0" | "false" | "n" | "f" | "0.0" => Some(false),
        _ => None,
    }
}

/// A YAML inventory starts with a mapping key on a line of its own (`all:`) or a document
/// marker.
fn looks_like_yaml(text: &str) -> bool {
    meaningful_lines(text).next().is_some_and(|line| {
        line.starts_with("---")
            || line
                .strip_suffix(':')
                .is_some_and(|key| !key.is_empty() && !key.contains([' ', '[', '=']))
    })
}

/// An INI inventory has a section or a `key=value` host variable.
fn looks_like_ini(text: &str) -> bool {
    meaningful_lines(text).any(|line| line.starts_with('[') || line.contains('='))
}

fn meaningful_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with(';'))
}

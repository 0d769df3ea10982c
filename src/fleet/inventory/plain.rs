//! A plain list of nodes: one `[user@]host[:port]` a line (`#` begins a comment), or the same
//! separated by commas on the command line. A node is named `host` (`host:port` when a port
//! is given); the user and the port become its `ansible_user` and `ansible_port`.

use super::builder::Builder;
use super::{Inventory, Vars, range};
use anyhow::{Context as _, Result, bail};

pub fn parse(text: &str) -> Result<Inventory> {
    let mut builder = Builder::new();
    for (number, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        entry(&mut builder, line).with_context(|| format!("line {}: {line}", number + 1))?;
    }
    Ok(builder.finish())
}

/// `-i node1,deploy@node2:2222,` as Ansible takes a list.
pub fn parse_list<'a>(items: impl Iterator<Item = &'a str>) -> Result<Inventory> {
    let mut builder = Builder::new();
    for item in items.map(str::trim).filter(|i| !i.is_empty()) {
        entry(&mut builder, item).with_context(|| format!("entry `{item}`"))?;
    }
    Ok(builder.finish())
}

fn entry(builder: &mut Builder, item: &str) -> Result<()> {
    if item.contains(char::is_whitespace) {
        bail!("one [user@]host[:port] a line (this looks like an INI host line: name it .ini)");
    }
    let (user, address) = match item.rsplit_once('@') {
        Some((user, address)) if !user.is_empty() => (Some(user), address),
        Some(_) => bail!("nothing before the @: write user@host or just host"),
        None => (None, item),
    };
    let (hosts, port) = range::expand(address)?;
    for host in hosts {
        let mut vars = Vars::new();
        if let Some(user) = user {
            vars.insert("ansible_user".into(), user.into());
        }
        let name = match port {
            Some(port) => {
                vars.insert("ansible_host".into(), host.clone().into());
                vars.insert("ansible_port".into(), port.into());
                format!("{host}:{port}")
            }
            None => host,
        };
        builder.add_host("ungrouped", &name, vars)?;
    }
    Ok(())
}

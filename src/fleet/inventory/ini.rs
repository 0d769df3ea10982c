//! Ansible's INI inventory: host lines (`name[:port] key=value …`) under `[group]` sections (or
//! before any, ungrouped), `[group:vars]` with one `key=value` a line, `[group:children]` with
//! one group a line; `#` and `;` begin comments. Every error names its line.

use super::builder::Builder;
use super::{Inventory, Vars, range};
use anyhow::{Context as _, Result, bail};

enum Section {
    Hosts(String),
    Vars(String),
    Children(String),
}

pub fn parse(text: &str) -> Result<Inventory> {
    let mut builder = Builder::new();
    let mut section = Section::Hosts("ungrouped".to_string());
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let at = || format!("line {}: {}", number + 1, line);
        if let Some(header) = line.strip_prefix('[').filter(|_| is_section(line)) {
            let header = header.trim_end_matches(']').trim();
            section = match header.split_once(':') {
                None => Section::Hosts(header.to_string()),
                Some((group, "vars")) => Section::Vars(group.to_string()),
                Some((group, "children")) => Section::Children(group.to_string()),
                Some((_, other)) => bail!(
                    "{}: `:{other}` is not a section kind (write [group], [group:vars] or \
                     [group:children])",
                    at()
                ),
            };
            let name = match &section {
                Section::Hosts(g) | Section::Vars(g) | Section::Children(g) => g.clone(),
            };
            builder.group(&name).with_context(at)?;
            continue;
        }
        match &section {
            Section::Hosts(group) => host_line(&mut builder, group, line).with_context(at)?,
            Section::Vars(group) => {
                let Some((key, value)) = line.split_once('=') else {
                    bail!("{}: a variable is written key=value", at());
                };
                let vars = Vars::from([(key.trim().to_string(), value_of(value.trim()))]);
                builder.group_vars(group, vars).with_context(at)?;
            }
            Section::Children(group) => {
                let child = words(line).into_iter().next().unwrap_or_default();
                builder.add_child(group, &child).with_context(at)?;
            }
        }
    }
    Ok(builder.finish())
}

/// `[name]`, `[name:vars]`, `[name:children]` — not a host line that starts with a range.
fn is_section(line: &str) -> bool {
    line.ends_with(']') && !line[1..line.len() - 1].contains(['[', ']', ' '])
}

/// `web[01:03]:2222 ansible_user=deploy imgreaper_path="/opt/imgreaper/bin/imgreaper"`
fn host_line(builder: &mut Builder, group: &str, line: &str) -> Result<()> {
    let mut words = words(line).into_iter();
    let Some(pattern) = words.next() else {
        return Ok(());
    };
    let mut vars = Vars::new();
    for word in words {
        let Some((key, value)) = word.split_once('=') else {
            bail!("`{word}` is not a key=value variable");
        };
        vars.insert(key.to_string(), value_of(value));
    }
    let (hosts, port) = range::expand(&pattern)?;
    if let Some(port) = port {
        vars.insert("ansible_port".into(), serde_json::Value::from(port));
    }
    for host in hosts {
        builder.add_host(group, &host, vars.clone())?;
    }
    Ok(())
}

/// A value as written, without the quotes around it.
fn value_of(text: &str) -> serde_json::Value {
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|rest| rest.strip_suffix(*q)))
        .unwrap_or(text);
    serde_json::Value::String(unquoted.to_string())
}

/// Splits a line into words as a shell would: quotes group, a backslash escapes, and a word
/// that begins with `#` begins a comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

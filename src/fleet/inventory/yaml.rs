//! Ansible's YAML inventory: each top-level key is a group (usually `all`), holding `hosts` (a
//! mapping of host patterns to their variables), `vars` and `children` (a mapping of groups
//! shaped the same). Any other key in a group is an error that names where it is: a typo there
//! would otherwise drop hosts without a word.

use super::builder::Builder;
use super::{Inventory, Vars, range};
use anyhow::{Context as _, Result, bail};
use yaml_rust2::{Yaml, YamlLoader};

pub fn parse(text: &str) -> Result<Inventory> {
    let documents = YamlLoader::load_from_str(text).context("not YAML")?;
    let mut builder = Builder::new();
    let Some(document) = documents.into_iter().next() else {
        return Ok(builder.finish());
    };
    let top = match document {
        Yaml::Hash(top) => top,
        Yaml::Null => return Ok(builder.finish()),
        other => bail!("the top level is {}, not a mapping of groups", kind(&other)),
    };
    for (name, group) in &top {
        let name = key(name, "the top level")?;
        read_group(&mut builder, &name, group, &name)?;
    }
    Ok(builder.finish())
}

fn read_group(builder: &mut Builder, name: &str, group: &Yaml, path: &str) -> Result<()> {
    builder.group(name).with_context(|| path.to_string())?;
    let group = match group {
        Yaml::Hash(group) => group,
        Yaml::Null => return Ok(()),
        other => bail!(
            "{path}: a group is a mapping (hosts, vars, children), not {}",
            kind(other)
        ),
    };
    for (field, value) in group {
        let field = key(field, path)?;
        let at = format!("{path}.{field}");
        match field.as_str() {
            "hosts" => {
                for (pattern, vars) in mapping(value, &at)? {
                    let pattern = key(pattern, &at)?;
                    let host_at = format!("{at}.{pattern}");
                    let mut vars = vars_of(vars, &host_at)?;
                    let (hosts, port) = range::expand(&pattern).with_context(|| host_at.clone())?;
                    if let Some(port) = port {
                        vars.insert("ansible_port".into(), serde_json::Value::from(port));
                    }
                    for host in hosts {
                        builder
                            .add_host(name, &host, vars.clone())
                            .with_context(|| host_at.clone())?;
                    }
                }
            }
            "vars" => builder.group_vars(name, vars_of(value, &at)?)?,
            "children" => {
                for (child, body) in mapping(value, &at)? {
                    let child = key(child, &at)?;
                    builder
                        .add_child(name, &child)
                        .with_context(|| at.clone())?;
                    read_group(builder, &child, body, &format!("{at}.{child}"))?;
                }
            }
            other => bail!(
                "{path}: unexpected key `{other}` in a group (a group holds hosts, vars and \
                 children)"
            ),
        }
    }
    Ok(())
}

/// A mapping's entries; an empty value is an empty mapping.
fn mapping<'y>(value: &'y Yaml, path: &str) -> Result<Vec<(&'y Yaml, &'y Yaml)>> {
    match value {
        Yaml::Hash(hash) => Ok(hash.iter().collect()),
        Yaml::Null => Ok(Vec::new()),
        other => bail!("{path}: expected a mapping, found {}", kind(other)),
    }
}

fn vars_of(value: &Yaml, path: &str) -> Result<Vars> {
    mapping(value, path)?
        .into_iter()
        .map(|(k, v)| Ok((key(k, path)?, json_of(v))))
        .collect()
}

fn key(value: &Yaml, path: &str) -> Result<String> {
    match value {
        Yaml::String(text) => Ok(text.clone()),
        Yaml::Integer(n) => Ok(n.to_string()),
        Yaml::Real(text) => Ok(text.clone()),
        Yaml::Boolean(b) => Ok(b.to_string()),
        other => bail!("{path}: a key is {}, not a name", kind(other)),
    }
}

/// A value as Ansible's YAML reader (YAML 1.1) takes it: `yes`, `on` and their kin are booleans.
fn json_of(value: &Yaml) -> serde_json::Value {
    match value {
        Yaml::String(text) => match text.as_str() {
            "yes" | "Yes" | "YES" | "on" | "On" | "ON" => serde_json::Value::Bool(true),
            "no" | "No" | "NO" | "off" | "Off" | "OFF" => serde_json::Value::Bool(false),
            _ => serde_json::Value::String(text.clone()),
        },
        Yaml::Integer(n) => serde_json::Value::from(*n),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| serde_json::Value::String(text.clone()), Into::into),
        Yaml::Boolean(b) => serde_json::Value::Bool(*b),
        Yaml::Array(items) => items.iter().map(json_of).collect(),
        Yaml::Hash(hash) => serde_json::Value::Object(
            hash.iter()
                .filter_map(|(k, v)| key(k, "").ok().map(|k| (k, json_of(v))))
                .collect(),
        ),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => serde_json::Value::Null,
    }
}

fn kind(value: &Yaml) -> &'static str {
    match value {
        Yaml::String(_) => "a string",
        Yaml::Integer(_) | Yaml::Real(_) => "a number",
        Yaml::Boolean(_) => "a boolean",
        Yaml::Array(_) => "a list",
        Yaml::Hash(_) => "a mapping",
        Yaml::Null => "nothing",
        Yaml::Alias(_) | Yaml::BadValue => "an alias",
    }
}

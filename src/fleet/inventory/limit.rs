//! `--limit` as Ansible reads a host pattern: terms separated by `,` (or `:` when there is no
//! comma); a term is a group name (its hosts and its children's), a host name, a glob (`web*`,
//! `db-?`), a regular expression (`~web\d+`), any of these with a subscript (`web[0]`,
//! `web[1:3]`, `web[-1]`), `@FILE` (one pattern a line); `&TERM` keeps only the hosts it also
//! selects, `!TERM` drops those it selects. As in Ansible, unions come first, then
//! intersections, then exclusions, and a pattern of only `&`/`!` terms starts from `all`.

use super::{Inventory, Node};
use anyhow::{Context as _, Result, bail};
use regex::Regex;

/// The nodes `limit` selects (every node without one), in inventory order, and a warning for
/// each term that matched nothing (as Ansible warns). Selecting nothing at all is an error.
pub fn select(inventory: &Inventory, limit: Option<&str>) -> Result<(Vec<Node>, Vec<String>)> {
    let terms = match limit {
        None => vec!["all".to_string()],
        Some(limit) => expand_files(&split(limit))?,
    };
    let mut unions: Vec<&str> = Vec::new();
    let mut intersections: Vec<&str> = Vec::new();
    let mut exclusions: Vec<&str> = Vec::new();
    for term in &terms {
        if let Some(rest) = term.strip_prefix('&') {
            intersections.push(rest);
        } else if let Some(rest) = term.strip_prefix('!') {
            exclusions.push(rest);
        } else {
            unions.push(term);
        }
    }
    if unions.is_empty() {
        unions.push("all");
    }
    let mut warnings = Vec::new();
    let mut chosen: Vec<&String> = Vec::new();
    for term in unions {
        let matched = matches(inventory, term)?;
        if matched.is_empty() {
            warnings.push(format!("--limit: `{term}` matches no host; ignored"));
        }
        for host in matched {
            if !chosen.contains(&host) {
                chosen.push(host);
            }
        }
    }
    for term in intersections {
        let matched = matches(inventory, term)?;
        chosen.retain(|host| matched.contains(host));
    }
    for term in exclusions {
        let matched = matches(inventory, term)?;
        chosen.retain(|host| !matched.contains(host));
    }
    if chosen.is_empty() {
        match limit {
            Some(limit) => bail!("--limit {limit} selects no host of the inventory"),
            None => bail!("the inventory holds no host"),
        }
    }
    let mut nodes = Vec::with_capacity(chosen.len());
    for host in &inventory.hosts {
        if chosen.contains(&host) {
            nodes.push(inventory.node(host)?);
        }
    }
    Ok((nodes, warnings))
}

/// Terms separated by commas, or by colons when there is no comma (a colon inside a subscript
/// or a regular expression's brackets does not count).
fn split(pattern: &str) -> Vec<String> {
    let separator = if pattern.contains(',') { ',' } else { ':' };
    let mut terms = Vec::new();
    let mut term = String::new();
    let mut depth = 0i32;
    for c in pattern.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if c == separator && depth == 0 {
            terms.push(std::mem::take(&mut term));
        } else {
            term.push(c);
        }
    }
    terms.push(term);
    terms
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// `@FILE` terms replaced by the patterns in the file, one a line.
fn expand_files(terms: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for term in terms {
        match term.strip_prefix('@') {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("--limit {term}: cannot read {path}"))?;
                out.extend(text.lines().flat_map(split));
            }
            None => out.push(term.clone()),
        }
    }
    Ok(out)
}

/// The hosts one term selects, in the order its groups and the inventory list them.
fn matches<'i>(inventory: &'i Inventory, term: &str) -> Result<Vec<&'i String>> {
    let (pattern, subscript) = subscript(term)?;
    let matcher = Matcher::new(pattern)?;
    let mut hosts: Vec<&String> = Vec::new();
    let add = |host: &'i String, hosts: &mut Vec<&'i String>| {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    };
    let groups: Vec<&String> = inventory
        .groups
        .keys()
        .filter(|name| matcher.matches(name))
        .collect();
    for group in &groups {
        for host in inventory.hosts_of_group(group) {
            add(host, &mut hosts);
        }
    }
    // Hosts are looked at too when no group matched, or when the term could be a host name
    // pattern (Ansible's rule).
    if groups.is_empty() || pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']) {
        for host in inventory.hosts.iter().filter(|h| matcher.matches(h)) {
            add(host, &mut hosts);
        }
    }
    Ok(match subscript {
        None => hosts,
        Some((start, end)) => {
            let len = hosts.len() as i64;
            let at = |i: i64| if i < 0 { len + i } else { i };
            let (start, end) = (at(start), at(end.unwrap_or(start)));
            if start < 0 || start >= len {
                Vec::new()
            } else {
                hosts[start as usize..=(end.min(len - 1).max(start)) as usize].to_vec()
            }
        }
    })
}

/// The first position a subscript takes and, for a range, the last (inclusive, as Ansible's).
type Subscript = (i64, Option<i64>);

/// `web[1:3]` → (`web`, 1..=3), `web[-1]` → (`web`, last), `web[2:]` → (`web`, 2..end).
fn subscript(term: &str) -> Result<(&str, Option<Subscript>)> {
    let Some(body) = term.strip_suffix(']') else {
        return Ok((term, None));
    };
    let Some(open) = body.rfind('[') else {
        return Ok((term, None));
    };
    let (name, inside) = (&body[..open], &body[open + 1..]);
    if name.is_empty() || term.starts_with('~') {
        return Ok((term, None));
    }
    let number = |text: &str| text.parse::<i64>().ok();
    let parsed = match inside.split_once([':', '-']) {
        _ if number(inside).is_some() => Some((number(inside).unwrap_or(0), None)),
        Some((start, "")) => number(start).map(|s| (s, Some(i64::MAX))),
        Some((start, end)) => number(start).zip(number(end)).map(|(s, e)| (s, Some(e))),
        None => None,
    };
    match parsed {
        Some(range) => Ok((name, Some(range))),
        // A glob's character class (`web[12]*`) is not a subscript.
        None if term.contains(['*', '?']) || !inside.is_empty() => Ok((term, None)),
        None => bail!("--limit {term}: `[{inside}]` is not a subscript ([N], [N:M], [-N])"),
    }
}

/// A term's name part: a glob as fnmatch reads it, or a regular expression after `~`; either
/// must match from the start of a name (Ansible's `re.match`).
enum Matcher {
    Exact(String),
    Pattern(Regex),
}

impl Matcher {
    fn new(pattern: &str) -> Result<Matcher> {
        if let Some(expression) = pattern.strip_prefix('~') {
            let regex = Regex::new(&format!("^(?:{expression})"))
                .with_context(|| format!("--limit {pattern}: not a regular expression"))?;
            return Ok(Matcher::Pattern(regex));
        }
        if !pattern.contains(['*', '?', '[']) {
            return Ok(Matcher::Exact(pattern.to_string()));
        }
        Ok(Matcher::Pattern(Regex::new(&glob_to_regex(pattern))?))
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Matcher::Exact(exact) => exact == name,
            Matcher::Pattern(regex) => regex.is_match(name),
        }
    }
}

/// fnmatch's translation: `*` any run, `?` one character, `[…]` a class (`[!…]` negated).
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("^(?s:");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => match chars[i + 1..].iter().position(|&c| c == ']') {
                Some(close) if close > 0 => {
                    let class: String = chars[i + 1..i + 1 + close].iter().collect();
                    let class = match class.strip_prefix('!') {
                        Some(rest) => format!("^{}", rest.replace('\\', "\\\\")),
                        None => class.replace('\\', "\\\\"),
                    };
                    out.push('[');
                    out.push_str(&class);
                    out.push(']');
                    i += close + 1;
                }
                _ => out.push_str("\\["),
            },
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out.push_str(")$");
    out
}

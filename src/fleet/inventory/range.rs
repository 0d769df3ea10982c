//! Host patterns as Ansible's inventories write them: ranges (`web[01:20].example.org`,
//! `db-[a:f]`, `[0:10:2]`) and a port after the host (`host:2222`, `[2001:db8::1]:2222`).

use anyhow::{Result, bail};

/// The host names a pattern stands for, and the port it names, if any.
pub fn expand(pattern: &str) -> Result<(Vec<String>, Option<u16>)> {
    let (host, port) = split_port(pattern)?;
    Ok((expand_ranges(&host)?, port))
}

/// `host:port` → (`host`, port). A colon inside brackets is a range's, and an address with
/// more than one colon outside brackets is IPv6 (no port unless bracketed).
fn split_port(pattern: &str) -> Result<(String, Option<u16>)> {
    if let Some(rest) = pattern.strip_prefix('[')
        && let Some((address, after)) = rest.split_once(']')
        && address.contains(':')
        && address
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    {
        return match after.strip_prefix(':') {
            Some(port) => Ok((address.to_string(), Some(parse_port(pattern, port)?))),
            None if after.is_empty() => Ok((address.to_string(), None)),
            None => bail!("`{pattern}`: nothing may follow an address in brackets but :PORT"),
        };
    }
    let mut depth = 0i32;
    let colons: Vec<usize> = pattern
        .char_indices()
        .filter_map(|(i, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                ':' if depth == 0 => return Some(i),
                _ => {}
            }
            None
        })
        .collect();
    match colons.as_slice() {
        [at] => Ok((
            pattern[..*at].to_string(),
            Some(parse_port(pattern, &pattern[at + 1..])?),
        )),
        _ => Ok((pattern.to_string(), None)),
    }
}

fn parse_port(pattern: &str, port: &str) -> Result<u16> {
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => bail!("`{pattern}`: `{port}` is not a port number (1-65535)"),
    }
}

/// Expands the first `[start:end(:step)]` and the rest recursively.
fn expand_ranges(host: &str) -> Result<Vec<String>> {
    let Some(open) = host.find('[') else {
        return Ok(vec![host.to_string()]);
    };
    let Some(close) = host[open..].find(']').map(|c| open + c) else {
        bail!("`{host}`: a `[` without its `]`");
    };
    let (head, inside, tail) = (&host[..open], &host[open + 1..close], &host[close + 1..]);
    let parts: Vec<&str> = inside.split(':').collect();
    let (start, end, step) = match parts.as_slice() {
        [start, end] => (*start, *end, 1usize),
        [start, end, step] => (
            *start,
            *end,
            step.parse::<usize>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| anyhow::anyhow!("`{host}`: the step `{step}` is not a count"))?,
        ),
        _ => bail!("`{host}`: a range is [start:end] or [start:end:step]"),
    };
    let letter = |s: &str| s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic());
    let items: Vec<String> = if letter(end) && (start.is_empty() || letter(start)) {
        let first = start.chars().next().unwrap_or('a');
        let last = end.chars().next().unwrap_or('a');
        if first > last {
            bail!("`{host}`: a letter range runs from one letter to a later one, such as [a:f]");
        }
        (first..=last).step_by(step).map(String::from).collect()
    } else {
        let width = start.len();
        let first = if start.is_empty() {
            0
        } else {
            start.parse::<u64>().ok().ok_or_else(|| {
                anyhow::anyhow!("`{host}`: `{start}` begins neither a number nor a letter range")
            })?
        };
        let last = end
            .parse::<u64>()
            .ok()
            .filter(|last| *last >= first)
            .ok_or_else(|| anyhow::anyhow!("`{host}`: `{end}` does not end the range"))?;
        if last - first > 100_000 {
            bail!("`{host}`: a range of more than 100000 hosts");
        }
        (first..=last)
            .step_by(step)
            .map(|n| format!("{n:0width$}"))
            .collect()
    };
    let rests = expand_ranges(tail)?;
    let mut out = Vec::with_capacity(items.len() * rests.len());
    for item in &items {
        for rest in &rests {
            out.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn ranges_and_ports_expand_as_ansible_expands_them() {
        assert_eq!(
            expand("web[01:03].example.org").unwrap(),
            (
                vec![
                    "web01.example.org".into(),
                    "web02.example.org".into(),
                    "web03.example.org".into()
                ],
                None
            )
        );
        assert_eq!(
            expand("db-[a:c]:2222").unwrap(),
            (
                vec!["db-a".into(), "db-b".into(), "db-c".into()],
                Some(2222)
            )
        );
        assert_eq!(
            expand("n[0:4:2]").unwrap().0,
            vec!["n0".to_string(), "n2".into(), "n4".into()]
        );
        assert_eq!(expand("[::1]:22").unwrap(), (vec!["::1".into()], Some(22)));
        assert_eq!(
            expand("2001:db8::1").unwrap(),
            (vec!["2001:db8::1".into()], None)
        );
        assert!(expand("web[01:").is_err());
        assert!(expand("host:99999").is_err());
    }
}

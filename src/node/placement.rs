//! This node for placement (§13): its node policy file and the built-in properties the agent
//! adds from the host.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context as _, Result, bail};

use crate::core::placement::{Node, NodePolicy, Property, PropertyValue, parse_node_policy};

/// Where the node policy is read when nothing else is said.
pub const DEFAULT_NODE_POLICY: &str = "/etc/imgreaper/node.policy.json";

/// `--node-policy` / `IMGREAPER_NODE_POLICY`, set once by the command line for the process.
static CHOSEN: OnceLock<PathBuf> = OnceLock::new();

/// Makes `path` the node policy of this process (the global option).
pub fn choose_node_policy(path: PathBuf) {
    let _ = CHOSEN.set(path);
}

/// The node policy file in force, and whether it was named (a named file must exist).
pub fn node_policy_path() -> (PathBuf, bool) {
    if let Some(path) = CHOSEN.get() {
        return (path.clone(), true);
    }
    match std::env::var_os("IMGREAPER_NODE_POLICY").filter(|v| !v.is_empty()) {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from(DEFAULT_NODE_POLICY), false),
    }
}

/// This node: its node policy (none when the default file is absent) with the built-ins.
pub fn this_node() -> Result<Node> {
    let (path, named) = node_policy_path();
    let policy = read_node_policy(&path, named)?.unwrap_or_default();
    Ok(Node::new(&policy, built_in_properties()))
}

/// Reads and checks a node policy file; `None` when the default file is absent. An invalid
/// file is an error naming `imgreaper node`, which shows every problem with its position.
pub fn read_node_policy(path: &Path, named: bool) -> Result<Option<NodePolicy>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(None),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the node policy {}", path.display()));
        }
    };
    match parse_node_policy(&text) {
        Ok((policy, _warnings)) => Ok(Some(policy)),
        Err(diagnostics) => {
            let first = diagnostics
                .iter()
                .find(|d| d.severity == crate::core::policy::Severity::Error)
                .map(|d| format!(" (first: {}:{d})", path.display()))
                .unwrap_or_default();
            bail!(
                "the node policy {} is not valid{first}; `imgreaper node --check {}` lists every problem",
                path.display(),
                path.display()
            )
        }
    }
}

/// The properties the agent adds for a device (its `createDeviceNodeBuiltInPolicy`), read from
/// this host. `allowPrivileged` is the one a node policy may set.
pub fn built_in_properties() -> Vec<Property> {
    let number = |name: &str, n: u64| Property::new(name, PropertyValue::Number(n as f64));
    let text = |name: &str, value: String| Property::new(name, PropertyValue::Text(value));
    vec![
        text("openhorizon.hardwareId", hardware_id()),
        text("openhorizon.operatingSystem", operating_system()),
        Property::new(
            "openhorizon.containerized",
            PropertyValue::Flag(containerized()),
        ),
        number("openhorizon.cpu", cpu_count()),
        text("openhorizon.arch", go_arch().to_string()),
        number("openhorizon.memory", memory_mb()),
        Property::new("openhorizon.allowPrivileged", PropertyValue::Flag(false)),
    ]
}

/// The architecture as Go names it (`runtime.GOARCH`), which is what the agent reports.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

fn cpu_count() -> u64 {
    let counted = std::fs::read_to_string("/proc/cpuinfo")
        .map(|info| info.lines().filter(|l| l.starts_with("processor")).count() as u64)
        .unwrap_or(0);
    if counted > 0 {
        counted
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
    }
}

/// Total memory in MB, 0 when it cannot be read (as the agent).
fn memory_mb() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb / 1024)
}

/// `ID` of /etc/os-release when it is one the agent knows, else empty (as the agent).
fn operating_system() -> String {
    const KNOWN: [&str; 8] = [
        "ubuntu", "debian", "raspbian", "rhel", "macos", "centos", "fedora", "suse",
    ];
    let id = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release.lines().find_map(|l| {
                l.strip_prefix("ID=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_default();
    if KNOWN.contains(&id.as_str()) {
        id
    } else {
        String::new()
    }
}

fn containerized() -> bool {
    Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists()
}

/// The device serial from /proc/cpuinfo (as the agent), else this machine's stable id (where
/// the agent would generate a random one once and keep it).
fn hardware_id() -> String {
    let serial = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                (key.trim() == "Serial").then(|| value.trim().to_string())
            })
        });
    serial
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/machine-id")
                .ok()
                .map(|id| id.trim().to_string())
        })
        .unwrap_or_default()
}

//! When the engine process started, on the host's monotonic clock: the start-up delay counts from
//! it (DESIGN.md §12, §16), so a cron `run --once` long after the engine came up need not wait,
//! while one right after the engine restarted does.
//!
//! The process behind the socket is not always the engine: systemd holds `docker.socket` and
//! hands it to `dockerd -H fd://`, and a socket proxy holds its own. The engine's own process is
//! then found in `/proc`: the `dockerd` or `podman` process with files open in the data root the
//! engine names.

use super::Engine;
use std::path::Path;

/// The names engine processes run under.
const ENGINES: [&str; 2] = ["dockerd", "podman"];

impl Engine {
    /// Seconds after boot the engine's process started, when it can be known: the engine runs
    /// on this host and its process is visible in `/proc` (not over TCP, not in another PID
    /// namespace).
    pub async fn started_up(&self) -> Option<i64> {
        let path = self.host().strip_prefix("unix://")?;
        let stream = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::UnixStream::connect(path),
        )
        .await
        .ok()?
        .ok()?;
        let peer = stream.peer_cred().ok()?.pid().filter(|pid| *pid > 0);
        if let Some(pid) = peer.filter(|pid| is_engine(*pid)) {
            return start_of(pid);
        }
        // Socket activation or a proxy: the engine's own process, by its data root.
        let root = self.engine_root_dir().await?;
        let pid = engine_with_files_in(Path::new(&root))?;
        start_of(pid)
    }

    /// The data root `docker info` names, asked once per connection.
    async fn engine_root_dir(&self) -> Option<String> {
        let root = &self.facts().await.ok()?.root_dir;
        (!root.is_empty()).then(|| root.clone())
    }
}

fn comm(pid: i32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(text.trim().to_string())
}

fn is_engine(pid: i32) -> bool {
    comm(pid).is_some_and(|name| ENGINES.contains(&name.as_str()))
}

/// The engine process holding a file under `root` open (the youngest, should there be more).
fn engine_with_files_in(root: &Path) -> Option<i32> {
    let mut found: Option<(i64, i32)> = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if !is_engine(pid) || !has_files_in(pid, root) {
            continue;
        }
        if let Some(started) = start_of(pid)
            && found.is_none_or(|(youngest, _)| started > youngest)
        {
            found = Some((started, pid));
        }
    }
    found.map(|(_, pid)| pid)
}

fn has_files_in(pid: i32, root: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.starts_with(root)))
}

fn start_of(pid: i32) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    process_start_up(&stat)
}

/// Field 22 of `/proc/PID/stat` (start time in clock ticks after boot), in seconds. The fields
/// are counted after the command name, which is in parentheses and may hold spaces.
fn process_start_up(stat: &str) -> Option<i64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let ticks: i64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks / per_second as i64)
}

#[cfg(test)]
mod tests {
    use super::process_start_up;

    #[test]
    fn reads_the_start_time_after_a_command_name_with_spaces() {
        let stat = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 \
                    12 0 50000 1000000 200 18446744073709551615";
        let ticks: i64 = 50_000;
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as i64;
        assert_eq!(process_start_up(stat), Some(ticks / per_second));
    }

    #[test]
    fn this_process_started_before_now() {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let started = process_start_up(&stat).unwrap();
        assert!(started <= crate::node::clock::uptime());
    }
}

//! When the engine process started, on the host's monotonic clock: the start-up delay counts from
//! it (DESIGN.md §12), so a cron `run --once` long after the engine came up need not wait, while
//! one right after the engine restarted does.

use super::Engine;

impl Engine {
    /// Seconds after boot the engine's process started, when it can be known: the engine listens
    /// on a local Unix socket and its process is visible in `/proc` (not across PID namespaces, not
    /// over TCP, not behind a proxy, where the proxy's own start is found instead).
    pub async fn started_up(&self) -> Option<i64> {
        let path = self.host().strip_prefix("unix://")?;
        let stream = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::UnixStream::connect(path),
        )
        .await
        .ok()?
        .ok()?;
        let pid = stream.peer_cred().ok()?.pid()?;
        if pid <= 0 {
            return None;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        process_start_up(&stat)
    }
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

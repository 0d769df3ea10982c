//! Why a node could not be reached or did not do what was asked, named for what it is, so an
//! operator with a few hundred nodes knows at a glance which are down, which need a host key
//! checked, and which need imgreaper installed.

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Nothing answers at the address, or the connection broke.
    Unreachable,
    /// The node accepted the connection and then said nothing within the timeout.
    NoAnswer,
    /// The node's host key is not the one in known_hosts.
    HostKeyChanged,
    /// known_hosts has no key for the node, and nothing is accepted without asking.
    HostKeyUnknown,
    AuthenticationRefused,
    /// `sudo -n` needs a password there (`ansible_become`).
    SudoPassword,
    /// No imgreaper at `imgreaper_path` (or in the PATH).
    ImgreaperMissing,
    /// An imgreaper without `rpc`, or with a protocol older than this one understands.
    ImgreaperTooOld,
    /// imgreaper answers, its Docker engine does not.
    EngineDown,
    /// The node checked the request and said no.
    Refused,
    /// Anything else that went wrong on the node or in between.
    Failed,
}

impl Failure {
    /// The words every output leads with.
    pub fn label(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::NoAnswer => "unreachable (no answer)",
            Failure::HostKeyChanged => "host key changed",
            Failure::HostKeyUnknown => "host key unknown",
            Failure::AuthenticationRefused => "authentication refused",
            Failure::SudoPassword => "needs a sudo password",
            Failure::ImgreaperMissing => "imgreaper missing",
            Failure::ImgreaperTooOld => "imgreaper too old",
            Failure::EngineDown => "engine down",
            Failure::Refused => "refused by the node",
            Failure::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.label())]
pub struct NodeError {
    pub kind: Failure,
    pub message: String,
}

impl NodeError {
    pub fn new(kind: Failure, message: impl Into<String>) -> NodeError {
        NodeError {
            kind,
            message: message.into(),
        }
    }

    pub fn no_answer(timeout: Duration) -> NodeError {
        NodeError::new(
            Failure::NoAnswer,
            format!(
                "nothing within {} s: the connection or the command hangs at the node, or a firewall \
                 drops packets (--timeout waits longer)",
                timeout.as_secs()
            ),
        )
    }
}

/// Names what went wrong from what `ssh` (or the remote shell, or sudo) wrote on its standard
/// error and how it exited, when no hello came.
pub fn classify(stderr: &str, exit_code: Option<i32>, program: &str) -> NodeError {
    let said = last_lines(stderr);
    let has = |needle: &str| stderr.contains(needle);
    let kind = if has("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || has("Host key for") && has("has changed")
    {
        Failure::HostKeyChanged
    } else if has("Host key verification failed") || has("host key is known") {
        Failure::HostKeyUnknown
    } else if has("Permission denied (") || has("Too many authentication failures") {
        Failure::AuthenticationRefused
    } else if has("sudo: a password is required")
        || has("sudo: a terminal is required")
        || has("sudo: no tty present")
    {
        Failure::SudoPassword
    } else if has("unrecognized subcommand") || has("unexpected argument 'rpc'") {
        Failure::ImgreaperTooOld
    } else if exit_code == Some(127) || exit_code == Some(126) || has("command not found") {
        Failure::ImgreaperMissing
    } else if exit_code == Some(255)
        || [
            "Connection refused",
            "Connection timed out",
            "timed out",
            "No route to host",
            "Could not resolve hostname",
            "Network is unreachable",
            "Connection closed by",
            "Connection reset",
            "kex_exchange_identification",
        ]
        .iter()
        .any(|needle| has(needle))
    {
        Failure::Unreachable
    } else {
        Failure::Failed
    };
    let message = match kind {
        Failure::HostKeyChanged => format!(
            "the node's SSH host key is not the one known_hosts holds: if it was reinstalled, \
             check its new key and remove the old one (ssh-keygen -R HOST); ssh said: {said}"
        ),
        Failure::HostKeyUnknown => format!(
            "known_hosts holds no key for the node and nothing is accepted unasked: connect \
             once with ssh to check and accept its key; ssh said: {said}"
        ),
        Failure::AuthenticationRefused => format!(
            "the node accepts none of the offered keys (check ansible_user, the key in your \
             agent or ssh_config); ssh said: {said}"
        ),
        Failure::SudoPassword => format!(
            "ansible_become runs `sudo -n`, which never asks: allow the user to run {program} \
             without a password (NOPASSWD in sudoers), or log in as a user who may; sudo said: \
             {said}"
        ),
        Failure::ImgreaperTooOld => {
            format!("the node's {program} has no `rpc`: upgrade it; it said: {said}")
        }
        Failure::ImgreaperMissing => format!(
            "`{program}` is not found on the node: install imgreaper there, or set \
             imgreaper_path in the inventory; the node said: {said}"
        ),
        _ => match exit_code {
            Some(code) => format!("{said} (exit status {code})"),
            None => said,
        },
    };
    NodeError::new(kind, message)
}

/// The end of what was said, on one line: the reason is usually the last thing ssh says.
fn last_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '@'))
        .collect();
    if lines.is_empty() {
        return "nothing".to_string();
    }
    let start = lines.len().saturating_sub(3);
    lines[start..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_ssh_says_is_named_for_what_it_is() {
        let kind = |stderr: &str, code| classify(stderr, code, "imgreaper").kind;
        assert_eq!(
            kind(
                "ssh: connect to host 127.0.0.1 port 2: Connection refused",
                Some(255)
            ),
            Failure::Unreachable
        );
        assert_eq!(
            kind(
                "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@\nHost key verification failed.",
                Some(255)
            ),
            Failure::HostKeyChanged
        );
        assert_eq!(
            kind(
                "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.",
                Some(255)
            ),
            Failure::HostKeyUnknown
        );
        assert_eq!(
            kind("root@127.0.0.1: Permission denied (publickey).", Some(255)),
            Failure::AuthenticationRefused
        );
        assert_eq!(
            kind("sudo: a password is required", Some(1)),
            Failure::SudoPassword
        );
        assert_eq!(
            kind("sh: 1: imgreaper: not found", Some(127)),
            Failure::ImgreaperMissing
        );
        assert_eq!(
            kind("error: unrecognized subcommand 'rpc'", Some(2)),
            Failure::ImgreaperTooOld
        );
        assert_eq!(kind("something else", Some(3)), Failure::Failed);
    }
}

//! The SSH transport: the operator's own OpenSSH client, so their `~/.ssh/config`, keys, agent,
//! known hosts and jump hosts all apply, and imgreaper stores no credential. The command is
//! `ssh` unless `IMGREAPER_SSH_COMMAND` names another (run by `sh -c` with the arguments after
//! it, as git runs `GIT_SSH_COMMAND`; its own options come first and so win). imgreaper adds:
//!
//! - `BatchMode=yes`: nothing is ever asked on the terminal (a password, a passphrase, a new
//!   host key): with many nodes at once a prompt could only hang. Host-key checking stays as
//!   the operator set it; an unknown or changed key is an error, never accepted.
//! - `ControlMaster=auto` with a control socket per node and `ControlPersist`, so the next
//!   request to a node (a command run again, the console's refresh) reuses its connection.
//! - `ConnectTimeout` and `ServerAlive*`, so a node that stops answering is noticed.
//!
//! On the node it runs `PROGRAM rpc` (PROGRAM is `imgreaper_path`, else `imgreaper`), through
//! `sudo -n -u USER --` for `ansible_become`: never asking for a password, so a node that needs
//! one says so.

use super::inventory::Node;
use anyhow::{Context as _, Result, bail};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long a master connection stays after its last use.
const CONTROL_PERSIST: &str = "120";

#[derive(Debug, Clone)]
pub struct Transport {
    /// `IMGREAPER_SSH_COMMAND`, when set.
    command: Option<String>,
    /// Where the control sockets live (private to this user).
    control_dir: PathBuf,
    /// How long one request may take, connection included.
    pub timeout: Duration,
}

impl Transport {
    /// The transport this process uses: `IMGREAPER_SSH_COMMAND` or `ssh`, control sockets in
    /// `$XDG_RUNTIME_DIR/imgreaper-ssh` (else `/tmp/imgreaper-ssh-UID`).
    pub fn from_env(timeout: Duration) -> Result<Transport> {
        let command = std::env::var("IMGREAPER_SSH_COMMAND")
            .ok()
            .filter(|c| !c.trim().is_empty());
        Transport::new(command, timeout)
    }

    /// A transport with this ssh command (`None`: `ssh`), as `IMGREAPER_SSH_COMMAND` gives one.
    pub fn new(command: Option<String>, timeout: Duration) -> Result<Transport> {
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let control_dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir).join("imgreaper-ssh"),
            None => PathBuf::from(format!("/tmp/imgreaper-ssh-{uid}")),
        };
        private_dir(&control_dir, uid)?;
        Ok(Transport {
            command,
            control_dir,
            timeout,
        })
    }

    /// The `ssh` process that runs `imgreaper rpc` on `node`, its standard streams piped.
    pub fn command(&self, node: &Node) -> tokio::process::Command {
        let mut args: Vec<String> = Vec::new();
        let connect = self.timeout.as_secs().clamp(1, 10);
        for option in [
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={connect}"),
            "ServerAliveInterval=10".to_string(),
            "ServerAliveCountMax=3".to_string(),
            "ControlMaster=auto".to_string(),
            format!("ControlPersist={CONTROL_PERSIST}"),
            format!("ControlPath={}", self.control_path(node).display()),
        ] {
            args.push("-o".into());
            args.push(option);
        }
        args.extend(["-T".into(), "-e".into(), "none".into()]);
        if let Some(port) = node.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        if let Some(user) = &node.user {
            args.extend(["-l".into(), user.clone()]);
        }
        args.push("--".into());
        args.push(node.address.clone());
        args.push(remote_command(node));
        let mut command = match &self.command {
            Some(shell) => {
                let mut command = tokio::process::Command::new("sh");
                command
                    .arg("-c")
                    .arg(format!("{shell} \"$@\""))
                    .arg("imgreaper-ssh");
                command
            }
            None => tokio::process::Command::new("ssh"),
        };
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// One control socket per node as this transport reaches it: the inventory name is part
    /// of it, so two names for one address (an ssh_config alias each) never share a master
    /// whose options (its host key alias, its environment) belong to the other.
    fn control_path(&self, node: &Node) -> PathBuf {
        let key = format!(
            "{}\0{}\0{}\0{:?}\0{:?}",
            self.command.as_deref().unwrap_or("ssh"),
            node.name,
            node.address,
            node.port,
            node.user
        );
        self.control_dir
            .join(format!("{:016x}", fnv1a(key.as_bytes())))
    }
}

/// What the node runs: `[sudo -n -u USER --] PROGRAM rpc`. `imgreaper_path` is taken as the
/// operator wrote it (a path, or a command with options), for the remote shell to read.
fn remote_command(node: &Node) -> String {
    let program = format!("{} rpc", node.program);
    match &node.become_user {
        Some(user) => format!("sudo -n -u {} -- {program}", shell_word(user)),
        None => program,
    }
}

/// A word the remote shell reads as it is.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@%+=:,/".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A stable hash (FNV-1a), the same in every process: control socket names must be.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Makes `dir` (mode 0700) or checks that it is this user's own and private: a control socket
/// in a directory others can write to could be swapped for theirs.
fn private_dir(dir: &Path, uid: u32) -> Result<()> {
    match std::fs::create_dir(dir) {
        Ok(()) => {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot make {} private", dir.display()))?;
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => {
            return Err(error).with_context(|| {
                format!("cannot make the SSH control directory {}", dir.display())
            });
        }
    }
    let meta = std::fs::symlink_metadata(dir)
        .with_context(|| format!("cannot read the SSH control directory {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        bail!(
            "the SSH control directory {} is not a private directory of this user (mode 0700); \
             remove it, or set XDG_RUNTIME_DIR to a directory of your own",
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(become_user: Option<&str>) -> Node {
        Node {
            name: "edge-1".into(),
            address: "10.0.0.5".into(),
            port: Some(2222),
            user: Some("deploy".into()),
            become_user: become_user.map(str::to_string),
            program: "/opt/imgreaper/bin/imgreaper".into(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn the_remote_command_runs_rpc_through_sudo_only_when_asked() {
        assert_eq!(
            remote_command(&node(None)),
            "/opt/imgreaper/bin/imgreaper rpc"
        );
        assert_eq!(
            remote_command(&node(Some("root"))),
            "sudo -n -u root -- /opt/imgreaper/bin/imgreaper rpc"
        );
        assert_eq!(
            remote_command(&node(Some("it's"))),
            "sudo -n -u 'it'\\''s' -- /opt/imgreaper/bin/imgreaper rpc"
        );
    }

    #[test]
    fn each_node_has_a_control_socket_of_its_own() {
        let transport = Transport {
            command: None,
            control_dir: PathBuf::from("/run/user/0/imgreaper-ssh"),
            timeout: Duration::from_secs(30),
        };
        let a = transport.control_path(&node(None));
        let mut other = node(None);
        other.name = "edge-2".into();
        assert_ne!(a, transport.control_path(&other));
        assert_eq!(a, transport.control_path(&node(None)));
        // Short enough for a Unix socket address with OpenSSH's temporary suffix.
        assert!(a.as_os_str().len() < 60, "{}", a.display());
    }
}

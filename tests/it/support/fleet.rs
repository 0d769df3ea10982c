//! A fleet for a test: node aliases on the shared sshd (`sshd`), each with a database of its own
//! in this test's directory, an inventory naming them, and the real binary run as `imgreaper
//! fleet …` with `IMGREAPER_SSH_COMMAND` pointing ssh at this test's ssh_config.

use super::sshd::{Alias, Sshd, shared};
use super::{Sandbox, binary, host};
use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Lab {
    pub sshd: &'static Sshd,
    /// Images of this test carry its prefix; its directory holds the nodes' databases.
    pub sandbox: Sandbox,
    pub inventory: PathBuf,
    pub ssh_command: String,
}

impl Lab {
    /// A lab with no node yet; `None` where the fleet tests cannot run (not root, no sshd).
    pub fn new(test: &str) -> Option<Lab> {
        let sshd = shared()?;
        let sandbox = Sandbox::new(test);
        let dir = sandbox.dir.path().to_path_buf();
        Some(Lab {
            sshd,
            sandbox,
            inventory: dir.join("inventory.ini"),
            ssh_command: format!("ssh -F {}", dir.join("ssh_config").display()),
        })
    }

    /// A working node on an engine, with a database of its own in this test's directory.
    pub fn node_on(&self, name: &str, docker_host: &str) -> Alias {
        Alias::Node {
            docker_host: docker_host.to_string(),
            db: self.db(name),
            env: Vec::new(),
        }
    }

    /// A working node on the shared test engine.
    pub fn node(&self, name: &str) -> Alias {
        self.node_on(name, host())
    }

    /// Writes the ssh_config of `aliases` and the inventory; `inventory` may say `{imgreaper}`
    /// for the binary under test, `{dir}` for the test's directory and `{docker}` for the test
    /// engine's address.
    pub fn setup(&self, aliases: &[(&str, Alias)], inventory: &str) {
        let dir = self.sandbox.dir.path();
        std::fs::write(dir.join("ssh_config"), self.sshd.ssh_config(aliases)).unwrap();
        std::fs::write(
            &self.inventory,
            inventory
                .replace("{imgreaper}", &binary().display().to_string())
                .replace("{dir}", &dir.display().to_string())
                .replace("{docker}", host()),
        )
        .unwrap();
    }

    /// A node's database (for a node made by `node` or `node_on`).
    pub fn db(&self, node: &str) -> PathBuf {
        self.sandbox.dir.path().join(format!("{node}.db"))
    }

    /// Writes an executable script into the test's directory (a stand-in imgreaper).
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.sandbox.dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .arg("--inventory")
            .arg(&self.inventory)
            .env("IMGREAPER_SSH_COMMAND", &self.ssh_command)
            .env_remove("IMGREAPER_DB")
            .env_remove("DOCKER_HOST");
        command
    }

    /// Runs `imgreaper ARGS --inventory …`.
    pub fn fleet(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("imgreaper runs")
    }

    /// Runs `imgreaper` against one node's database directly, as its own command line would.
    pub fn on_node(&self, node: &str, args: &[&str]) -> Output {
        let mut command = self.sandbox.command(args);
        command.env("IMGREAPER_DB", self.db(node));
        command.output().expect("imgreaper runs")
    }
}

/// Standard output and error, for a failure message.
pub fn said(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

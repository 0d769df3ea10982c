//! A real sshd (Debian's openssh-server) on 127.0.0.1 for the fleet's tests, with host and user
//! keys made here, shared by every fleet test of this run. Nodes are ssh_config host aliases
//! whose `SetEnv` names their engine and database (the sshd accepts `IMGREAPER_*` and
//! `DOCKER_HOST`), so many nodes share a few engines. Faults are real: a port whose sshd was
//! stopped, a host key that is not the one known_hosts holds, a key the sshd does not accept,
//! a port that accepts connections and never says a word.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The unprivileged account the sudo tests log in as (made by `shared` when missing).
pub const SUDO_USER: &str = "imgreaper-fleet";

pub struct Sshd {
    pub dir: PathBuf,
    /// Where the shared sshd listens.
    pub port: u16,
    /// Where an sshd listened and was stopped.
    pub stopped_port: u16,
    /// A port that accepts connections and never answers.
    pub silent_port: u16,
}

/// How a node alias reaches (or fails to reach) the sshd.
pub enum Alias {
    /// A working node: its engine, its database and any other `IMGREAPER_*` setting (its
    /// node policy).
    Node {
        docker_host: String,
        db: PathBuf,
        env: Vec<(&'static str, String)>,
    },
    /// The sshd that was there is stopped.
    Stopped,
    /// known_hosts holds another key for it.
    Rekeyed,
    /// Offers a key the sshd does not accept.
    WrongKey,
    /// Accepts the connection and says nothing.
    Silent,
}

/// The shared sshd, started on first use; `None` (with a note) where it cannot run.
pub fn shared() -> Option<&'static Sshd> {
    static SSHD: OnceLock<Option<Sshd>> = OnceLock::new();
    SSHD.get_or_init(|| {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        if !root || !Path::new("/usr/sbin/sshd").exists() {
            eprintln!(
                "skipped: the fleet tests need root and /usr/sbin/sshd (tests/engine/up \
                 installs openssh-server)"
            );
            return None;
        }
        super::host(); // tests/engine/up installs openssh-server, sudo and ansible-core
        Some(Sshd::start())
    })
    .as_ref()
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "imgreaper-test",
            "-f",
        ])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts sshd on `port` from a thread that lives as long as the test process, so the sshd
/// (asked to die with its parent) ends with the tests. Returns its pid.
fn spawn_sshd(dir: &Path, port: u16, config: &Path) -> u32 {
    let (sender, receiver) = std::sync::mpsc::channel();
    let config = config.to_path_buf();
    let log = dir.join(format!("sshd-{port}.log"));
    std::thread::spawn(move || {
        let mut command = Command::new("/usr/sbin/sshd");
        command
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .args(["-o", &format!("Port={port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        // SAFETY: prctl is async-signal-safe and touches only this new process.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let mut child = command.spawn().expect("sshd starts");
        sender.send(child.id()).unwrap();
        // This thread lives until the sshd ends (with the tests, or stopped), and reaps it.
        let _ = child.wait();
    });
    let pid = receiver.recv().unwrap();
    wait_listening(port);
    pid
}

impl Sshd {
    fn start() -> Sshd {
        let dir = PathBuf::from(format!("/tmp/imgr-sshd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        for key in ["host_key", "client_key", "other_key", "other_host_key"] {
            keygen(&dir.join(key));
        }
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        // An account without a password for sudo to ask for: logs in by key, may not sudo.
        let exists = Command::new("id")
            .arg(SUDO_USER)
            .output()
            .is_ok_and(|o| o.status.success());
        if !exists {
            let _ = Command::new("useradd")
                .args([
                    "--system",
                    "-M",
                    "-d",
                    "/nonexistent",
                    "-s",
                    "/bin/sh",
                    SUDO_USER,
                ])
                .status();
        }
        // `*`, not the locked `!`: sshd refuses a locked account even with a good key.
        let _ = Command::new("usermod")
            .args(["-p", "*", SUDO_USER])
            .status();
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "ListenAddress 127.0.0.1\n\
                 HostKey {dir}/host_key\n\
                 PidFile none\n\
                 AuthorizedKeysFile {dir}/authorized_keys\n\
                 StrictModes no\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\n\
                 PermitRootLogin prohibit-password\n\
                 UsePAM no\n\
                 AcceptEnv IMGREAPER_* DOCKER_HOST\n\
                 MaxStartups 2000\n\
                 MaxSessions 200\n\
                 LogLevel ERROR\n",
                dir = dir.display()
            ),
        )
        .unwrap();
        let port = free_port();
        spawn_sshd(&dir, port, &config);
        // A second sshd, stopped: its port refuses connections as a node whose sshd died does.
        let stopped_port = free_port();
        let stopped = spawn_sshd(&dir, stopped_port, &config);
        // SAFETY: kill with our own child's pid.
        unsafe { libc::kill(stopped as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", stopped_port)).is_ok() {
            assert!(Instant::now() < deadline, "the stopped sshd still listens");
            std::thread::sleep(Duration::from_millis(50));
        }
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let silent_port = silent.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in silent.incoming().flatten() {
                held.push(stream); // accepted, and never a word
            }
        });
        let host_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        let other_host_key = std::fs::read_to_string(dir.join("other_host_key.pub")).unwrap();
        let mut known = std::fs::File::create(dir.join("known_hosts")).unwrap();
        writeln!(known, "[127.0.0.1]:{port} {}", host_key.trim()).unwrap();
        writeln!(known, "[127.0.0.1]:{stopped_port} {}", host_key.trim()).unwrap();
        // What the "rekeyed" node was known by before it was reinstalled.
        writeln!(known, "rekeyed-node {}", other_host_key.trim()).unwrap();
        Sshd {
            dir,
            port,
            stopped_port,
            silent_port,
        }
    }

    /// An ssh_config holding `aliases` (a `Host` block each) and what they share.
    pub fn ssh_config(&self, aliases: &[(&str, Alias)]) -> String {
        let dir = self.dir.display();
        let mut config = String::new();
        for (name, alias) in aliases {
            config.push_str(&format!("Host {name}\n"));
            // IdentityFile adds to a list: each alias names its one key, `Host *` none.
            let key = match alias {
                Alias::WrongKey => "other_key",
                _ => "client_key",
            };
            config.push_str(&format!("  IdentityFile {dir}/{key}\n"));
            match alias {
                Alias::Node {
                    docker_host,
                    db,
                    env,
                } => {
                    let extra: String = env.iter().map(|(k, v)| format!(" {k}={v}")).collect();
                    config.push_str(&format!(
                        "  SetEnv IMGREAPER_DB={} DOCKER_HOST={docker_host}{extra}\n",
                        db.display()
                    ));
                }
                Alias::Stopped => {
                    config.push_str(&format!("  Port {}\n", self.stopped_port));
                }
                Alias::Rekeyed => config.push_str("  HostKeyAlias rekeyed-node\n"),
                Alias::WrongKey => {}
                Alias::Silent => config.push_str(&format!("  Port {}\n", self.silent_port)),
            }
        }
        config.push_str(&format!(
            "Host *\n\
             \x20 HostName 127.0.0.1\n\
             \x20 Port {port}\n\
             \x20 User root\n\
\
             \x20 IdentitiesOnly yes\n\
             \x20 UserKnownHostsFile {dir}/known_hosts\n\
             \x20 GlobalKnownHostsFile /dev/null\n\
             \x20 StrictHostKeyChecking yes\n\
             \x20 UpdateHostKeys no\n\
             \x20 LogLevel ERROR\n",
            port = self.port
        ));
        config
    }
}

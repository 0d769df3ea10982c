//! A real Podman of a test's own: `podman system service` on a private socket, with vfs storage
//! (works in a sandbox), its events in a file (no journald here), and the loopback registry
//! allowed over plain HTTP. Rootful, or rootless as an unprivileged user. Stopped by its PID.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The unprivileged user rootless Podman runs as (created by tests/engine/up).
pub const ROOTLESS_USER: &str = "podtester";

pub struct Podman {
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Podman {
    /// Starts one, or says why it cannot and returns `None` (the test is then skipped).
    pub fn start(rootless: bool) -> Option<Podman> {
        if Command::new("podman").arg("--version").output().is_err() || !super::fs::is_root() {
            eprintln!("skipped: needs root and podman (tests/engine/up installs it)");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("imgr-podman-")
            .tempdir_in("/tmp")
            .unwrap();
        let path = dir.path();
        write(
            path,
            "registries.conf",
            "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n",
        );
        write(
            path,
            "containers.conf",
            &format!(
                "[engine]\nevents_logger = \"file\"\nevents_logfile_path = \"{}\"\n",
                path.join("events.log").display()
            ),
        );
        let storage = format!(
            "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/run\"\ngraphroot = \"{0}/graph\"\n",
            path.display()
        );
        write(path, "storage.conf", &storage);
        let socket = path.join("podman.sock");
        let service = format!(
            "podman --storage-driver vfs system service --time=0 unix://{}",
            socket.display()
        );
        let mut command = if rootless {
            // Its own storage and runtime directory, all under the test's directory.
            let status = Command::new("chown")
                .args(["-R", ROOTLESS_USER])
                .arg(path)
                .status()
                .unwrap();
            assert!(status.success());
            let mut command = Command::new("su");
            command.args([
                ROOTLESS_USER,
                "-c",
                &format!(
                    "mkdir -p {0}/xdg && chmod 700 {0}/xdg && XDG_RUNTIME_DIR={0}/xdg exec {service}",
                    path.display()
                ),
            ]);
            command
        } else {
            let mut command = Command::new("sh");
            command.args(["-c", &format!("exec {service}")]);
            command
        };
        use std::os::unix::process::CommandExt;
        let child = command
            .process_group(0)
            .env("CONTAINERS_CONF", path.join("containers.conf"))
            .env("CONTAINERS_STORAGE_CONF", path.join("storage.conf"))
            .env("CONTAINERS_REGISTRIES_CONF", path.join("registries.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(path.join("service.log")).unwrap())
            .spawn()
            .expect("podman starts");
        let podman = Podman { dir, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !podman.answers() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(podman.dir.path().join("service.log"));
                panic!("podman system service did not come up: {log:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(podman)
    }

    pub fn host(&self) -> String {
        format!("unix://{}/podman.sock", self.dir.path().display())
    }

    fn answers(&self) -> bool {
        super::docker_on(&self.host(), &["version"])
            .status
            .success()
    }

    /// Imports an image as the Podman CLI does: a name without a registry becomes
    /// `localhost/NAME`. Returns its ID.
    pub fn import_local(&self, name: &str) -> String {
        let staging = format!("{name}-staging");
        let id = super::images::import_on(&self.host(), &staging);
        let local = format!("localhost/{name}");
        for args in [&["tag", &id, &local][..], &["rmi", &staging]] {
            let output = super::docker_on(&self.host(), args);
            assert!(output.status.success(), "docker {args:?}: {output:?}");
        }
        id
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

impl Drop for Podman {
    fn drop(&mut self) {
        // The service and whatever `su` started for it share the group the child leads.
        // SAFETY: kill with our child's process group.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

//! Test images made offline: a root filesystem holding a static busybox and a file whose content
//! is unique, piped through `docker import`, so every image gets its own ID.

use super::{docker, host};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The label naming the test prefix an image was made for.
pub const OWNER_LABEL: &str = "imgreaper.test";

fn busybox() -> &'static [u8] {
    static BUSYBOX: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BUSYBOX.get_or_init(|| {
        ["/bin/busybox", "/usr/bin/busybox"]
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .expect("a static busybox (tests/engine/up installs busybox-static)")
    })
}

/// A tar archive with `bin/busybox`, `id` (unique content) and, when `filler` > 0, a file of
/// that many pseudo-random bytes (so the image takes that much room on disk).
fn rootfs_tar(unique: &str, filler: usize) -> Vec<u8> {
    let mut archive = Vec::new();
    append(&mut archive, "bin/busybox", busybox(), 0o755);
    append(&mut archive, "id", unique.as_bytes(), 0o644);
    if filler > 0 {
        append(&mut archive, "filler", &random_bytes(unique, filler), 0o644);
    }
    archive.extend_from_slice(&[0u8; 1024]);
    archive
}

/// Bytes no filesystem or store can compress or share, seeded by `seed`.
fn random_bytes(seed: &str, len: usize) -> Vec<u8> {
    let mut state = seed.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// One ustar entry, written by hand: the format is 512-byte blocks and a checksummed header.
fn append(archive: &mut Vec<u8>, name: &str, data: &[u8], mode: u32) {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{value:0width$o}\0", width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut header[100..108], mode as u64);
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], data.len() as u64);
    octal(&mut header[136..148], 1_700_000_000);
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].fill(b' ');
    let sum: u32 = header.iter().map(|&b| b as u32).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    archive.extend_from_slice(&header);
    archive.extend_from_slice(data);
    archive.resize(archive.len().div_ceil(512) * 512, 0);
}

/// Imports a new image under `reference` and returns its ID.
pub fn import(reference: &str) -> String {
    import_into(host(), reference, 0)
}

/// Imports a new image under `reference` into the engine at `engine` and returns its ID.
pub fn import_on(engine: &str, reference: &str) -> String {
    import_into(engine, reference, 0)
}

/// Imports a new image under `reference` into the engine at `engine`, with `filler` bytes of
/// random content besides busybox, and returns its ID.
pub fn import_into(engine: &str, reference: &str, filler: usize) -> String {
    let unique = format!(
        "{reference} {} {}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    // Labelled with the test's prefix, so the test's `Sandbox` removes it even after it lost
    // its name (a moved tag, a crash between untag and delete).
    let owner = reference
        .split('/')
        .find(|part| part.starts_with("itest-"))
        .unwrap_or("none");
    let label = format!("LABEL {OWNER_LABEL}={owner}");
    let mut child = Command::new("docker")
        .args(["import", "--change", &label, "-", reference])
        .env("DOCKER_HOST", engine)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker import runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&rootfs_tar(&unique, filler))
        .expect("write the root filesystem");
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "docker import {reference}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Docker prints the ID; Podman's compatible API prints it twice, `ID: ID`.
    let printed = String::from_utf8_lossy(&output.stdout);
    printed
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// Gives an image a (never started) container; its name carries the test's prefix.
pub fn create_container(image: &str, name: &str) -> String {
    docker(&["create", "--name", name, image, "/bin/busybox", "true"])
}

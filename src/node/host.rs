//! This host's name, for the lease and the audit log.

/// The host's name (`gethostname`), or "unknown host" when it cannot be read.
pub fn hostname() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: buffer is writable and its length is passed.
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    if ok {
        String::from_utf8_lossy(&buffer[..end]).into_owned()
    } else {
        "unknown host".to_string()
    }
}

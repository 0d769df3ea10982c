//! assets/demo/up opens the console with `IMGREAPER_DEMO` naming the engine it filled. While the
//! console shows that engine it says so, and how to reach the machine's own.

/// The note under the header, when `host` is the demo engine.
pub fn note(host: &str) -> Option<String> {
    let demo = std::env::var("IMGREAPER_DEMO").ok()?;
    (demo == host).then(|| {
        " Demo engine · real one: quit, then imgreaper --host URL (or set DOCKER_HOST)".to_string()
    })
}

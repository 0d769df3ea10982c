//! Registries of a test's own: Debian's `docker-registry` on a free loopback port with its own
//! storage and configuration (deletion enabled), plain, with Basic authentication (an htpasswd
//! file), or with token authentication against a small token issuer run by the test, which
//! signs its JWTs with a key made by `openssl`.

use super::{docker, docker_output, images};
use base64::Engine as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "reaper";
pub const PASSWORD: &str = "s3cret-pass";

pub struct OwnRegistry {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
    issuer: Option<TokenIssuer>,
}

/// How the registry authenticates.
pub enum Auth {
    None,
    Basic,
    Token,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (tests/engine/up installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl OwnRegistry {
    pub fn start(auth: Auth) -> OwnRegistry {
        super::host();
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let path = |name: &str| dir.path().join(name).display().to_string();
        let mut issuer = None;
        let auth_yaml = match auth {
            Auth::None => String::new(),
            Auth::Basic => {
                run("htpasswd", &["-Bbc", &path("htpasswd"), USER, PASSWORD]);
                format!(
                    "auth:\n  htpasswd:\n    realm: imgreaper-test\n    path: {}\n",
                    path("htpasswd")
                )
            }
            Auth::Token => {
                let started = TokenIssuer::start(dir.path());
                let yaml = format!(
                    "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: imgreaper-test\n    issuer: imgreaper-test-issuer\n    rootcertbundle: {}\n",
                    started.port,
                    path("cert.pem")
                );
                issuer = Some(started);
                yaml
            }
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth_yaml}",
            path("data")
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        // Its access log goes to standard output, everything else to standard error: one file.
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .args(["serve", &path("config.yml")])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry starts (tests/engine/up installs it)");
        let registry = OwnRegistry {
            dir,
            port,
            child,
            issuer,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the test registry did not come up: {}",
                registry.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Its log, the access log's lines (`"HEAD /v2/… HTTP/1.1" 200 …`) included.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// A Docker CLI configuration directory logged in to this registry (empty without auth).
    pub fn docker_config(&self) -> PathBuf {
        let config = self.dir.path().join("docker-config");
        if !config.exists() {
            std::fs::create_dir_all(&config).unwrap();
            let auth =
                base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
            std::fs::write(
                config.join("config.json"),
                format!(
                    r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#,
                    self.host()
                ),
            )
            .unwrap();
        }
        config
    }

    /// Pushes one new image (made with `docker import`) under every tag given, and returns
    /// the manifest digest the registry gave it.
    pub fn push(&self, repository: &str, tags: &[&str]) -> String {
        let name = format!("{}/{repository}", self.host());
        let first = format!("{name}:{}", tags[0]);
        images::import(&first);
        for tag in &tags[1..] {
            docker(&["tag", &first, &format!("{name}:{tag}")]);
        }
        let config = self.docker_config();
        let config = config.to_str().unwrap();
        let mut digest = String::new();
        for tag in tags {
            let output = docker_output(&["--config", config, "push", &format!("{name}:{tag}")]);
            assert!(
                output.status.success(),
                "docker push {name}:{tag}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = String::from_utf8_lossy(&output.stdout);
            digest = text
                .split_whitespace()
                .find(|w| w.starts_with("sha256:"))
                .expect("docker push prints the digest")
                .to_string();
        }
        digest
    }

    /// Every tag of a repository and the digest it points at, read with curl (not imgreaper).
    pub fn tags(&self, repository: &str) -> Vec<(String, String)> {
        let list = self.curl(
            repository,
            &[
                "-f",
                &format!("http://{}/v2/{repository}/tags/list", self.host()),
            ],
        );
        let value: serde_json::Value = serde_json::from_str(&list).expect("a tag list");
        let mut tags: Vec<(String, String)> = value["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .map(|t| {
                        let tag = t.as_str().unwrap().to_string();
                        let digest = self.digest(repository, &tag);
                        (tag, digest)
                    })
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        tags
    }

    fn digest(&self, repository: &str, tag: &str) -> String {
        let headers = self.curl(repository, &[
            "-fsI",
            "-H",
            "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
            &format!("http://{}/v2/{repository}/manifests/{tag}", self.host()),
        ]);
        headers
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.eq_ignore_ascii_case("docker-content-digest")
                    .then(|| value.trim().to_string())
            })
            .unwrap_or_else(|| panic!("no digest for {repository}:{tag}: {headers}"))
    }

    /// Pushes, with the registry API itself, an image of no layers whose config says it was
    /// created at `created` (RFC 3339): `docker import` can only make images created now.
    pub fn push_dated(&self, repository: &str, tag: &str, created: &str) -> String {
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","created":"{created}","config":{{}},"rootfs":{{"type":"layers","diff_ids":[]}}}}"#
        );
        let config_digest = self.upload_blob(repository, config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":{},"digest":"{config_digest}"}},"layers":[]}}"#,
            config.len()
        );
        let file = self.dir.path().join("manifest.json");
        std::fs::write(&file, &manifest).unwrap();
        self.curl(
            repository,
            &[
                "-fsS",
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/vnd.docker.distribution.manifest.v2+json",
                "--data-binary",
                &format!("@{}", file.display()),
                &format!("http://{}/v2/{repository}/manifests/{tag}", self.host()),
            ],
        );
        self.digest(repository, tag)
    }

    fn upload_blob(&self, repository: &str, data: &[u8]) -> String {
        let file = self.dir.path().join("blob");
        std::fs::write(&file, data).unwrap();
        let sum = Command::new("sha256sum").arg(&file).output().unwrap();
        let digest = format!(
            "sha256:{}",
            String::from_utf8_lossy(&sum.stdout)
                .split_whitespace()
                .next()
                .unwrap()
        );
        let headers = self.curl(
            repository,
            &[
                "-fsS",
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-X",
                "POST",
                &format!("http://{}/v2/{repository}/blobs/uploads/", self.host()),
            ],
        );
        let location = headers
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.eq_ignore_ascii_case("location")
                    .then(|| value.trim().to_string())
            })
            .expect("an upload location");
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = if location.starts_with('/') {
            format!("http://{}{location}", self.host())
        } else {
            location
        };
        self.curl(
            repository,
            &[
                "-fsS",
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
                &format!("@{}", file.display()),
                &format!("{url}{separator}digest={digest}"),
            ],
        );
        digest
    }

    /// curl against this registry about one repository, with the test credentials (or a
    /// token for every action on it) when the registry has authentication.
    pub fn curl(&self, repository: &str, args: &[&str]) -> String {
        let authorization = match &self.issuer {
            Some(issuer) => {
                let answer = Command::new("curl")
                    .args(["-fsS", "-u", &format!("{USER}:{PASSWORD}")])
                    .arg(format!(
                        "http://127.0.0.1:{}/token?service=imgreaper-test&scope=repository:{repository}:pull,push,delete",
                        issuer.port
                    ))
                    .output()
                    .expect("curl runs");
                let value: serde_json::Value =
                    serde_json::from_slice(&answer.stdout).expect("a token");
                format!("Authorization: Bearer {}", value["token"].as_str().unwrap())
            }
            None => {
                let basic =
                    base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
                format!("Authorization: Basic {basic}")
            }
        };
        let output = Command::new("curl")
            .args(["-s", "-H", &authorization])
            .args(args)
            .output()
            .expect("curl runs");
        assert!(
            output.status.success(),
            "curl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for OwnRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token issuer: answers `GET /token?service=…&scope=…` for the test user (Basic
/// credentials) with a JWT granting every scope asked, signed RS256 by `openssl` with the key
/// whose certificate is the registry's root bundle.
pub struct TokenIssuer {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl TokenIssuer {
    fn start(dir: &Path) -> TokenIssuer {
        let key = dir.join("key.pem");
        let cert = dir.join("cert.pem");
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.to_str().unwrap(),
                "-out",
                cert.to_str().unwrap(),
                "-days",
                "2",
                "-subj",
                "/CN=imgreaper-test-issuer",
            ],
        );
        let der = Command::new("openssl")
            .args(["x509", "-in", cert.to_str().unwrap(), "-outform", "DER"])
            .output()
            .unwrap()
            .stdout;
        let x5c = base64::engine::general_purpose::STANDARD.encode(der);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = answer(stream, &key, &x5c);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        TokenIssuer { port, stop }
    }
}

impl Drop for TokenIssuer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn answer(mut stream: TcpStream, key: &Path, x5c: &str) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorized = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':')
            && key.eq_ignore_ascii_case("authorization")
        {
            let expected =
                base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
            authorized = value.trim() == format!("Basic {expected}");
        }
    }
    if !authorized {
        stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or_default();
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let mut access = Vec::new();
    let mut service = String::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match name {
            "service" => service = value,
            "scope" => {
                for scope in value.split(' ') {
                    let parts: Vec<&str> = scope.split(':').collect();
                    if parts.len() >= 3 {
                        let actions = parts[parts.len() - 1];
                        let name = parts[1..parts.len() - 1].join(":");
                        access.push(serde_json::json!({
                            "type": parts[0], "name": name,
                            "actions": actions.split(',').collect::<Vec<_>>(),
                        }));
                    }
                }
            }
            _ => {}
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let url = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5c": [x5c]});
    let claims = serde_json::json!({
        "iss": "imgreaper-test-issuer", "sub": USER, "aud": service,
        "exp": now + 600, "nbf": now - 60, "iat": now, "jti": format!("{now}-{}", access.len()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        url(header.to_string().as_bytes()),
        url(claims.to_string().as_bytes())
    );
    let mut openssl = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign", key.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    openssl
        .stdin
        .take()
        .unwrap()
        .write_all(signing_input.as_bytes())?;
    let signature = openssl.wait_with_output()?.stdout;
    let token = format!("{signing_input}.{}", url(&signature));
    let body =
        serde_json::json!({"token": token, "access_token": token, "expires_in": 600}).to_string();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

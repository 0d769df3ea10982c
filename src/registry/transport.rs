//! HTTP for the registry client: hyper (already linked for the engine) with rustls over the
//! system's roots, every request bounded in time and every body in size.

use super::error::RegistryError;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as Hyper;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// The most any one answer may hold (a tag list of 100,000 tags is a few MiB).
const MAX_BODY: usize = 32 << 20;

/// An answer, read whole.
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub(super) struct Transport {
    hyper: Hyper<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    /// Why TLS cannot work here, when the system has no CA certificates.
    no_roots: Option<String>,
}

/// A failure before any answer: the connection (refused, TLS, DNS) or the time limit.
pub(super) enum Failure {
    Connect(String),
    Timeout,
}

impl Transport {
    pub(super) fn new(timeout: Duration) -> Transport {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let (builder, no_roots) =
            match hyper_rustls::HttpsConnectorBuilder::new().with_native_roots() {
                Ok(builder) => (builder, None),
                Err(error) => {
                    let empty = rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth();
                    (
                        hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(empty),
                        Some(format!(
                            "no CA certificates could be read from this system ({error}): install \
                         the ca-certificates package"
                        )),
                    )
                }
            };
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        Transport {
            hyper: Hyper::builder(TokioExecutor::new()).build(https),
            timeout,
            no_roots,
        }
    }

    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request and reads its whole answer, both within the time limit.
    pub(super) async fn send(&self, request: Request<Full<Bytes>>) -> Result<Answer, Failure> {
        let https = request.uri().scheme_str() == Some("https");
        let exchange = async {
            let response = self.hyper.request(request).await.map_err(|e| {
                let mut detail = causes(&e);
                if https && let Some(why) = &self.no_roots {
                    detail = format!("{detail} ({why})");
                }
                Failure::Connect(detail)
            })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| Failure::Connect(format!("reading the answer: {e}")))?
                .to_bytes();
            Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout))
    }
}

/// An error and its causes, joined: hyper's own message is only "client error (Connect)".
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in std::iter::successors(Some(error), |e| e.source()) {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

impl RegistryError {
    pub(super) fn from_failure(
        failure: Failure,
        host: &str,
        what: &str,
        timeout: Duration,
    ) -> RegistryError {
        match failure {
            Failure::Connect(detail) => RegistryError::Unreachable {
                host: host.to_string(),
                detail,
            },
            Failure::Timeout => RegistryError::Timeout {
                host: host.to_string(),
                what: what.to_string(),
                seconds: timeout.as_secs(),
            },
        }
    }
}

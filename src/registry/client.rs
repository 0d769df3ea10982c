//! The registry client: one per command, shared by every request it makes. It picks the
//! scheme (TLS; plain HTTP only for loopback or a registry named insecure), answers the
//! registry's challenge (Basic, or a Bearer token per scope, cached), honours `429` with
//! `Retry-After`, and bounds how many requests are in flight.

use super::auth::{Challenge, basic, parse_challenge, query_value, token_of};
use super::credentials::{Credential, lookup};
use super::error::RegistryError;
use super::transport::{Answer, Failure, Transport};
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::Full;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How the client behaves; the defaults suit a command run by hand.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Registries (`host[:port]`) that may be reached over plain HTTP besides loopback ones.
    pub insecure: Vec<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The limit on each request, answer included.
    pub timeout: Duration,
    /// How often a `429 Too Many Requests` is waited out before giving up.
    pub max_retries: u32,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            insecure: Vec::new(),
            concurrency: 8,
            timeout: Duration::from_secs(30),
            max_retries: 5,
        }
    }
}

/// The longest `Retry-After` waited; a registry asking for more is reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

pub struct Client {
    transport: Transport,
    options: ClientOptions,
    in_flight: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

/// What the client learnt about one registry.
#[derive(Default)]
struct Host {
    state: Mutex<HostState>,
    /// Held while a token or the credentials are fetched, so concurrent requests wait for
    /// one answer instead of each asking.
    authenticating: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct HostState {
    scheme: Option<&'static str>,
    /// `Basic …`, once the registry asked for it.
    basic: Option<String>,
    /// `Bearer …` per scope.
    tokens: HashMap<String, String>,
    credential: Option<Option<Credential>>,
}

/// One request to a registry's API.
pub(super) struct Call<'a> {
    pub host: &'a str,
    pub method: Method,
    /// `/v2/…` with its query.
    pub path: String,
    pub accept: Option<&'a str>,
    /// `repository:NAME:pull`, `repository:NAME:delete`, `registry:catalog:*`.
    pub scope: String,
    /// "the tag list of team/app", for messages.
    pub what: String,
}

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        Client {
            transport: Transport::new(options.timeout),
            in_flight: Semaphore::new(options.concurrency.max(1)),
            options,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().expect("host table");
        hosts.entry(host.to_string()).or_default().clone()
    }

    /// Whether plain HTTP may be used: loopback, or named insecure.
    fn plain_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
            || self.options.insecure.iter().any(|i| i == host || i == name)
    }

    /// Sends one call, authenticating as the registry asks. Any answer is returned (the caller
    /// reads 404 and the like); a failure to get one is an error.
    pub(super) async fn call(&self, call: &Call<'_>) -> Result<Answer, RegistryError> {
        let host = self.host(call.host);
        let answer = self.send_authorized(&host, call).await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        let challenge = answer
            .headers
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge);
        let Some(challenge) = challenge else {
            return Ok(answer);
        };
        self.authenticate(&host, call, &challenge).await?;
        self.send_authorized(&host, call).await
    }

    async fn send_authorized(&self, host: &Host, call: &Call<'_>) -> Result<Answer, RegistryError> {
        let authorization = {
            let state = host.state.lock().expect("host state");
            state
                .tokens
                .get(&call.scope)
                .cloned()
                .or_else(|| state.basic.clone())
        };
        self.send(host, call, authorization.as_deref()).await
    }

    /// Answers a challenge: stores the Basic header, or fetches a token for the call's scope.
    async fn authenticate(
        &self,
        host: &Host,
        call: &Call<'_>,
        challenge: &Challenge,
    ) -> Result<(), RegistryError> {
        let _one_at_a_time = host.authenticating.lock().await;
        let credential = self.credential(host, call.host).await?;
        match challenge {
            Challenge::Basic => {
                let Some(credential) = credential else {
                    return Err(RegistryError::Credentials {
                        host: call.host.to_string(),
                        detail: format!(
                            "the registry asks for a user name and password and the Docker configuration has none: run `docker login {}`",
                            call.host
                        ),
                    });
                };
                host.state.lock().expect("host state").basic =
                    Some(basic(&credential.username, &credential.secret));
            }
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                if host
                    .state
                    .lock()
                    .expect("host state")
                    .tokens
                    .contains_key(&call.scope)
                {
                    return Ok(()); // fetched by a concurrent request meanwhile
                }
                let token = self
                    .fetch_token(
                        call,
                        realm,
                        service.as_deref(),
                        scope.as_deref(),
                        credential.as_ref(),
                    )
                    .await?;
                host.state
                    .lock()
                    .expect("host state")
                    .tokens
                    .insert(call.scope.clone(), format!("Bearer {token}"));
            }
        }
        Ok(())
    }

    async fn credential(
        &self,
        host: &Host,
        name: &str,
    ) -> Result<Option<Credential>, RegistryError> {
        if let Some(known) = host.state.lock().expect("host state").credential.clone() {
            return Ok(known);
        }
        let registry = if name == "registry-1.docker.io" {
            "docker.io"
        } else {
            name
        };
        let found = lookup(registry).await?;
        if found.as_ref().is_some_and(|c| c.username == "<token>") {
            return Err(RegistryError::Credentials {
                host: name.to_string(),
                detail: "the Docker configuration holds an identity token, which imgreaper cannot use yet: log in with a user name and password or an access token".to_string(),
            });
        }
        host.state.lock().expect("host state").credential = Some(found.clone());
        Ok(found)
    }

    async fn fetch_token(
        &self,
        call: &Call<'_>,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        credential: Option<&Credential>,
    ) -> Result<String, RegistryError> {
        let mut query = Vec::new();
        if let Some(service) = service {
            query.push(format!("service={}", query_value(service)));
        }
        query.push(format!(
            "scope={}",
            query_value(scope.unwrap_or(&call.scope))
        ));
        let separator = if realm.contains('?') { '&' } else { '?' };
        let url = format!("{realm}{separator}{}", query.join("&"));
        let uri: http::Uri = url.parse().map_err(|e| RegistryError::Protocol {
            host: call.host.to_string(),
            what: call.what.clone(),
            detail: format!("its token realm `{realm}` is not a URL: {e}"),
        })?;
        let realm_host = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        if uri.scheme_str() != Some("https") && !self.plain_allowed(&realm_host) {
            return Err(RegistryError::Protocol {
                host: call.host.to_string(),
                what: call.what.clone(),
                detail: format!(
                    "its token realm `{realm}` is not HTTPS; name {realm_host} insecure to allow it"
                ),
            });
        }
        let mut request = Request::get(uri).header(header::USER_AGENT, user_agent());
        if let Some(credential) = credential {
            request = request.header(
                header::AUTHORIZATION,
                basic(&credential.username, &credential.secret),
            );
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        let what = format!("the token request for {}", call.what);
        let answer = {
            let _permit = self.in_flight.acquire().await.expect("never closed");
            self.transport.send(request).await.map_err(|f| {
                RegistryError::from_failure(f, &realm_host, &what, self.transport.timeout())
            })?
        };
        if !answer.status.is_success() {
            return Err(RegistryError::Refused {
                host: realm_host,
                what,
                status: answer.status.as_u16(),
                message: error_message(&answer.body),
                hint: if credential.is_none() {
                    format!(
                        "; the Docker configuration has no credentials for it: run `docker login {}`",
                        call.host
                    )
                } else {
                    "; check the credentials `docker login` stored".to_string()
                },
            });
        }
        token_of(&answer.body).ok_or_else(|| RegistryError::Protocol {
            host: realm_host,
            what,
            detail: "the answer holds no `token`".to_string(),
        })
    }

    /// Sends with the scheme this registry takes, waiting out `429`s.
    async fn send(
        &self,
        host: &Host,
        call: &Call<'_>,
        authorization: Option<&str>,
    ) -> Result<Answer, RegistryError> {
        let mut retries = 0;
        loop {
            let answer = self.send_once(host, call, authorization).await?;
            if answer.status != StatusCode::TOO_MANY_REQUESTS || retries >= self.options.max_retries
            {
                return Ok(answer);
            }
            let wait = retry_after(&answer.headers).unwrap_or(Duration::from_secs(1 << retries));
            if wait > MAX_RETRY_AFTER {
                return Ok(answer);
            }
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(
        &self,
        host: &Host,
        call: &Call<'_>,
        authorization: Option<&str>,
    ) -> Result<Answer, RegistryError> {
        let known = host.state.lock().expect("host state").scheme;
        let schemes: Vec<&'static str> = match known {
            Some(scheme) => vec![scheme],
            None if self.plain_allowed(call.host) => vec!["https", "http"],
            None => vec!["https"],
        };
        let mut last = None;
        for (i, scheme) in schemes.iter().enumerate() {
            let request = self.request(scheme, call, authorization);
            let sent = {
                let _permit = self.in_flight.acquire().await.expect("never closed");
                self.transport.send(request).await
            };
            match sent {
                Ok(answer) => {
                    host.state.lock().expect("host state").scheme = Some(scheme);
                    return Ok(answer);
                }
                // TLS refused by a plain-HTTP registry: try the next scheme.
                Err(Failure::Connect(detail)) if i + 1 < schemes.len() => last = Some(detail),
                Err(failure) => {
                    return Err(RegistryError::from_failure(
                        failure,
                        call.host,
                        &call.what,
                        self.transport.timeout(),
                    ));
                }
            }
        }
        Err(RegistryError::Unreachable {
            host: call.host.to_string(),
            detail: last.unwrap_or_default(),
        })
    }

    fn request(
        &self,
        scheme: &str,
        call: &Call<'_>,
        authorization: Option<&str>,
    ) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(format!("{scheme}://{}{}", call.host, call.path))
            .header(header::USER_AGENT, user_agent());
        if let Some(accept) = call.accept {
            request = request.header(header::ACCEPT, accept);
        }
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        request
            .body(Full::new(Bytes::new()))
            .expect("a valid request")
    }

    /// A redirected blob: fetched from where the registry points, with its credentials only if
    /// that is the registry itself.
    pub(super) async fn follow(
        &self,
        call: &Call<'_>,
        location: &str,
        authorization: Option<&str>,
    ) -> Result<Answer, RegistryError> {
        let request = Request::get(location).header(header::USER_AGENT, user_agent());
        let request = match authorization {
            Some(auth) => request.header(header::AUTHORIZATION, auth),
            None => request,
        }
        .body(Full::new(Bytes::new()))
        .map_err(|e| RegistryError::Protocol {
            host: call.host.to_string(),
            what: call.what.clone(),
            detail: format!("it redirected to `{location}`, which is not a URL: {e}"),
        })?;
        let _permit = self.in_flight.acquire().await.expect("never closed");
        self.transport.send(request).await.map_err(|f| {
            RegistryError::from_failure(f, call.host, &call.what, self.transport.timeout())
        })
    }

    /// The scheme this registry was reached with, once it was.
    pub(super) fn scheme_of(&self, host: &str) -> &'static str {
        self.host(host)
            .state
            .lock()
            .expect("host state")
            .scheme
            .unwrap_or("https")
    }

    /// The Authorization header the client would send for a scope, if any.
    pub(super) fn authorization(&self, host: &str, scope: &str) -> Option<String> {
        let host = self.host(host);
        let state = host.state.lock().expect("host state");
        state
            .tokens
            .get(scope)
            .cloned()
            .or_else(|| state.basic.clone())
    }
}

fn user_agent() -> String {
    format!("imgreaper/{}", env!("CARGO_PKG_VERSION"))
}

/// The host without its port (IPv6 brackets removed).
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// The registry's own words from an error body (`{"errors":[{"code","message"}]}`), else the
/// body's start.
pub(super) fn error_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        let errors = v.get("errors")?.as_array()?;
        let words: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                let code = e.get("code").and_then(|c| c.as_str()).unwrap_or_default();
                let message = e
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default();
                (!code.is_empty() || !message.is_empty())
                    .then(|| format!("{code} {message}").trim().to_string())
            })
            .collect();
        (!words.is_empty()).then(|| words.join("; "))
    });
    from_json.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            "no reason given".to_string()
        } else {
            text.chars().take(200).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_named_hosts_may_use_plain_http() {
        let client = Client::new(ClientOptions {
            insecure: vec!["lab.internal:5000".into()],
            ..ClientOptions::default()
        });
        assert!(client.plain_allowed("127.0.0.1:5000"));
        assert!(client.plain_allowed("localhost:5000"));
        assert!(client.plain_allowed("[::1]:5000"));
        assert!(client.plain_allowed("lab.internal:5000"));
        assert!(!client.plain_allowed("registry.example.org"));
    }

    #[test]
    fn retry_after_in_seconds_and_error_bodies() {
        let mut headers = http::HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        assert_eq!(
            error_message(
                br#"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}"#
            ),
            "UNSUPPORTED The operation is unsupported."
        );
        assert_eq!(error_message(b""), "no reason given");
    }
}

//! Pulling through the engine, so its own registry configuration (mirrors, proxies, insecure
//! registries) applies and the pull appears in its events as any other.

use super::Engine;
use super::error::classify;
use anyhow::{Result, anyhow};
use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;
use std::time::Duration;

/// The longest a pull may go without the engine saying anything.
const PULL_SILENCE: Duration = Duration::from_secs(300);

/// A registry login for one pull.
pub struct PullLogin {
    pub username: String,
    pub password: String,
    pub server: String,
}

impl Engine {
    /// Pulls `repository:tag` and waits until the engine has it.
    pub async fn pull(&self, repository: &str, tag: &str, login: Option<PullLogin>) -> Result<()> {
        let options = CreateImageOptions {
            from_image: Some(repository.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        };
        let credentials = login.map(|login| DockerCredentials {
            username: Some(login.username),
            password: Some(login.password),
            serveraddress: Some(login.server),
            ..Default::default()
        });
        let what = format!("pull {repository}:{tag}");
        let mut progress = self.docker.create_image(Some(options), None, credentials);
        loop {
            match tokio::time::timeout(PULL_SILENCE, progress.next()).await {
                Err(_) => {
                    return Err(anyhow!(
                        "the Docker engine at {} said nothing for {} s while it was asked to {what}",
                        self.host(),
                        PULL_SILENCE.as_secs()
                    ));
                }
                Ok(None) => return Ok(()),
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(bollard::errors::Error::DockerStreamError { error }))) => {
                    return Err(anyhow!(
                        "the Docker engine at {} could not {what}: {error}",
                        self.host()
                    ));
                }
                Ok(Some(Err(error))) => return Err(classify(self.host(), &what, error).into()),
            }
        }
    }
}

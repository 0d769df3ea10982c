//! Refresh (§15): whether a local tag's registry digest moved, and pulling only those that did.
//! An unchanged tag costs one `HEAD` and no download. Pulls go through the engine.

use super::{Client, lookup_credential};
use crate::core::model::Inventory;
use crate::core::registry::{RegistryName, api_host, digest_of};
use crate::node::clock::unix_now;
use crate::node::engine::{Engine, PullLogin};
use crate::node::store::{NewAudit, Store, UpdateFound};
use futures_util::future::join_all;
use serde::Serialize;

/// What a check found for one local tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Current,
    UpdateAvailable,
    /// It cannot tell: `detail` says why.
    Unknown,
}

impl Status {
    pub fn words(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::UpdateAvailable => "update available",
            Status::Unknown => "cannot tell",
        }
    }
}

/// One local tag checked against its registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// The tag as the engine names it (`repo:tag`).
    pub reference: String,
    pub image_id: String,
    /// The image's repo digest for that repository, if it has one.
    pub local_digest: Option<String>,
    /// The registry's digest for the tag now.
    pub registry_digest: Option<String>,
    pub status: Status,
    pub detail: Option<String>,
    /// A digest the name was given with (`repo:tag@sha256:…`) and whether the local tag still
    /// carries it.
    pub pinned_digest: Option<String>,
    pub pin_holds: Option<bool>,
}

/// The local tags to check: those named (a `repo:tag@sha256:…` name checks its tag and
/// verifies the digest), or every tag the engine holds. A name the engine does not hold is
/// reported as such.
pub async fn check(client: &Client, inventory: &Inventory, wanted: &[String]) -> Vec<Checked> {
    let targets: Vec<(String, Option<String>)> = if wanted.is_empty() {
        inventory
            .images
            .iter()
            .flat_map(|i| &i.references)
            .filter(|r| !r.contains('@'))
            .map(|r| (r.clone(), None))
            .collect()
    } else {
        wanted
            .iter()
            .map(|name| match name.split_once('@') {
                Some((tag, digest)) if RegistryName::parse(name).is_some() => {
                    (tag.to_string(), Some(digest.to_string()))
                }
                _ => (name.clone(), None),
            })
            .collect()
    };
    join_all(
        targets
            .into_iter()
            .map(|(reference, pinned)| check_one(client, inventory, reference, pinned)),
    )
    .await
}

async fn check_one(
    client: &Client,
    inventory: &Inventory,
    reference: String,
    pinned: Option<String>,
) -> Checked {
    let image = inventory
        .images
        .iter()
        .find(|i| i.references.contains(&reference));
    let name = RegistryName::parse(&reference);
    let local = match (&name, image) {
        (Some(name), Some(image)) => digest_of(&image.repo_digests, &name.qualified_repository()),
        _ => None,
    };
    let mut checked = Checked {
        reference: reference.clone(),
        image_id: image.map(|i| i.id.clone()).unwrap_or_default(),
        local_digest: local.clone(),
        registry_digest: None,
        status: Status::Unknown,
        detail: None,
        pin_holds: pinned.as_ref().map(|p| local.as_ref() == Some(p)),
        pinned_digest: pinned,
    };
    let Some(name) = name else {
        checked.detail = Some("not a tag: name a `repo:tag`".to_string());
        return checked;
    };
    if image.is_none() {
        checked.detail = Some("no local image carries this name".to_string());
        return checked;
    }
    let Some(local) = local else {
        checked.detail = Some(format!(
            "the image has no digest from {}: it was built, imported or tagged here, never pulled from or pushed to it",
            name.registry
        ));
        return checked;
    };
    match client
        .manifest_digest(name.api_host(), &name.repository, &name.tag)
        .await
    {
        Ok(Some(remote)) => {
            checked.status = if remote == local {
                Status::Current
            } else {
                Status::UpdateAvailable
            };
            checked.registry_digest = Some(remote);
        }
        Ok(None) => {
            checked.detail = Some(format!(
                "{} has no tag {} in {} any more",
                name.registry, name.tag, name.repository
            ));
        }
        Err(error) => checked.detail = Some(error.to_string()),
    }
    checked
}

/// What a refresh did for one name.
#[derive(Clone, Debug, Serialize)]
pub struct Refreshed {
    pub check: Checked,
    /// `pulled`, `current` (nothing to do), `skipped` (cannot tell) or `failed`.
    pub result: &'static str,
    pub detail: Option<String>,
}

/// Pulls each named tag whose registry digest moved, one after another (the engine does the
/// downloading). The image the tag leaves keeps its digest name; refresh never removes it.
pub async fn refresh(
    client: &Client,
    engine: &Engine,
    inventory: &Inventory,
    wanted: &[String],
) -> Vec<Refreshed> {
    let mut out = Vec::new();
    for check in check(client, inventory, wanted).await {
        let (result, detail) = match check.status {
            Status::Current => ("current", None),
            Status::Unknown => ("skipped", check.detail.clone()),
            Status::UpdateAvailable => match pull(engine, &check.reference).await {
                Ok(()) => ("pulled", None),
                Err(error) => ("failed", Some(format!("{error:#}"))),
            },
        };
        out.push(Refreshed {
            check,
            result,
            detail,
        });
    }
    out
}

async fn pull(engine: &Engine, reference: &str) -> anyhow::Result<()> {
    let name = RegistryName::parse(reference)
        .ok_or_else(|| anyhow::anyhow!("{reference} is not a tag"))?;
    let login = lookup_credential(&name.registry)
        .await?
        .map(|credential| PullLogin {
            username: credential.username,
            password: credential.secret,
            server: api_host(&name.registry).to_string(),
        });
    let repository = crate::core::policy::repository_of(reference);
    engine.pull(repository, &name.tag, login).await
}

/// Keeps what a check found, for `images` and the console: an update found, or none any more.
pub fn record(store: &mut Store, checks: &[Checked]) -> anyhow::Result<()> {
    for check in checks {
        let found = match (check.status, &check.local_digest, &check.registry_digest) {
            (Status::UpdateAvailable, Some(local), Some(remote)) => Some(UpdateFound {
                local_digest: local.clone(),
                registry_digest: remote.clone(),
                checked_at: unix_now(),
            }),
            (Status::Current, _, _) => None,
            _ => continue,
        };
        store.record_check(&check.reference, found.as_ref())?;
    }
    Ok(())
}

/// A digest as tables show it.
pub fn short(digest: &Option<String>) -> String {
    digest
        .as_deref()
        .map_or_else(|| "-".to_string(), |d| d.chars().take(19).collect())
}

/// One check in words: `current`, `update available`, or why it cannot tell, and whether a
/// digest the name was given with still holds.
pub fn status_words(check: &Checked) -> String {
    let mut words = check.status.words().to_string();
    if let Some(detail) = &check.detail {
        words = format!("{words}: {detail}");
    }
    match (check.pin_holds, &check.pinned_digest) {
        (Some(false), Some(pinned)) => format!(
            "{words}; the local tag no longer carries the digest {pinned} it was named with"
        ),
        _ => words,
    }
}

/// A refresh for the command line and the console alike: pulls what moved, audits every name
/// that was not current (as `refresh`), keeps what it found, and says per name what happened.
pub async fn refresh_audited(
    client: &Client,
    engine: &Engine,
    store: &mut Store,
    inventory: &Inventory,
    wanted: &[String],
    actor: &str,
) -> anyhow::Result<Vec<(Refreshed, String)>> {
    let mut out = Vec::new();
    for done in refresh(client, engine, inventory, wanted).await {
        let check = &done.check;
        let words = match (done.result, &done.detail) {
            ("pulled", _) => format!(
                "pulled {} (was {})",
                short(&check.registry_digest),
                short(&check.local_digest)
            ),
            ("current", _) => "current: nothing to pull".to_string(),
            (result, Some(detail)) => format!("{result}: {detail}"),
            (result, None) => result.to_string(),
        };
        if done.result != "current" {
            store.audit(
                &NewAudit::new(
                    unix_now(),
                    actor,
                    "refresh",
                    &check.reference,
                    &check.image_id,
                )
                .result(words.clone()),
            )?;
        }
        if matches!(done.result, "pulled" | "current") {
            store.record_check(&check.reference, None)?;
        }
        out.push((done, words));
    }
    Ok(out)
}

/// One round of the service's `--check-updates` (and the console's check of every tag): the
/// tags whose registry digest moved, kept for `images` and the console.
pub async fn check_and_record(
    store: &mut Store,
    engine: &Engine,
    client: &Client,
    wanted: &[String],
) -> anyhow::Result<Vec<Checked>> {
    let inventory = engine.inventory().await?;
    let checks = check(client, &inventory, wanted).await;
    record(store, &checks)?;
    Ok(checks)
}

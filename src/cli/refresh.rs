//! `imgreaper check [REF…]` and `imgreaper refresh REF…` (§15).

use super::args::RegistryArgs;
use super::{Context, actor, table};
use crate::core::format::{escape_controls, json_for_terminal};
use crate::node::clock::unix_now;
use crate::node::engine::Engine;
use crate::node::store::{NewAudit, Store, UpdateFound};
use crate::registry::Client;
use crate::registry::refresh::{self, Checked, Status};
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

fn short(digest: &Option<String>) -> String {
    digest
        .as_deref()
        .map_or_else(|| "-".to_string(), |d| d.chars().take(19).collect())
}

fn status_words(check: &Checked) -> String {
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

/// Exit 0 when every name could be told (current or update available) and every digest it
/// was named with holds; 1 otherwise.
pub async fn check(
    context: &Context,
    references: &[String],
    json: bool,
    registry: &RegistryArgs,
) -> Result<ExitCode> {
    let engine = context.engine().await?;
    let inventory = engine.inventory().await?;
    let client = registry.client();
    let checks = refresh::check(&client, &inventory, references).await;
    // Kept for `images` and the console; a database that cannot be written loses only that.
    if let Err(error) = context
        .store()
        .and_then(|mut store| record(&mut store, &checks))
    {
        eprintln!(
            "imgreaper: the results were not kept for `images`: {}",
            escape_controls(&format!("{error:#}"))
        );
    }
    if json {
        println!(
            "{}",
            json_for_terminal(serde_json::to_string_pretty(&checks)?)
        );
    } else {
        let rows: Vec<Vec<String>> = checks
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    short(&c.local_digest),
                    short(&c.registry_digest),
                    status_words(c),
                ]
            })
            .collect();
        table::print(
            &["REFERENCE", "LOCAL DIGEST", "REGISTRY DIGEST", "STATUS"],
            &rows,
        );
    }
    let all_told = checks
        .iter()
        .all(|c| c.status != Status::Unknown && c.pin_holds != Some(false));
    Ok(if all_told {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Keeps what a check found, for `images` and the console.
pub fn record(store: &mut Store, checks: &[Checked]) -> Result<()> {
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

pub async fn refresh(
    context: &Context,
    references: &[String],
    registry: &RegistryArgs,
) -> Result<ExitCode> {
    let mut store = context.store()?;
    let engine = context.engine().await?;
    let inventory = engine.inventory().await?;
    let client = registry.client();
    let results = refresh::refresh(&client, &engine, &inventory, references).await;
    let who = actor();
    let mut rows = Vec::new();
    let mut failed = false;
    for done in &results {
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
        failed |= matches!(done.result, "failed" | "skipped");
        if matches!(done.result, "pulled" | "current") {
            store.record_check(&check.reference, None)?;
        }
        if done.result != "current" {
            store.audit(
                &NewAudit::new(
                    unix_now(),
                    &who,
                    "refresh",
                    &check.reference,
                    &check.image_id,
                )
                .result(words.clone()),
            )?;
        }
        rows.push(vec![check.reference.clone(), words]);
    }
    table::print(&["REFERENCE", "RESULT"], &rows);
    if results.iter().any(|r| r.result == "pulled") {
        println!(
            "{}",
            escape_controls(
                "the images the tags left keep their digest names; their rules apply to them"
            )
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The service's `--check-updates`: every local tag checked now and then every `every`, what
/// is found kept for `images` and the console, and one line said per tag that moved. Nothing
/// else runs it, so no registry is contacted unless the flag is given.
pub async fn check_updates_every(
    db: std::path::PathBuf,
    engine: Engine,
    client: Client,
    every: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match check_updates_once(&db, &engine, &client).await {
            Ok(moved) => {
                for reference in moved {
                    eprintln!(
                        "imgreaper run: update available for {}",
                        escape_controls(&reference)
                    );
                }
            }
            Err(error) => eprintln!(
                "imgreaper run: checking for updates failed: {}",
                escape_controls(&format!("{error:#}"))
            ),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// One round: the tags whose registry digest moved.
pub async fn check_updates_once(
    db: &std::path::Path,
    engine: &Engine,
    client: &Client,
) -> Result<Vec<String>> {
    let inventory = engine.inventory().await?;
    let checks = refresh::check(client, &inventory, &[]).await;
    record(&mut Store::open(db)?, &checks)?;
    Ok(checks
        .into_iter()
        .filter(|c| c.status == Status::UpdateAvailable)
        .map(|c| c.reference)
        .collect())
}

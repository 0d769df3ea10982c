//! `imgreaper check [REF…]` and `imgreaper refresh REF…` (§15).

use super::args::RegistryArgs;
use super::{Context, actor, table};
use crate::core::format::{escape_controls, json_for_terminal};
use crate::node::engine::Engine;
use crate::node::store::Store;
use crate::registry::Client;
use crate::registry::refresh::{self, Status, short, status_words};
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

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
        .and_then(|mut store| refresh::record(&mut store, &checks))
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

pub async fn refresh(
    context: &Context,
    references: &[String],
    registry: &RegistryArgs,
) -> Result<ExitCode> {
    let mut store = context.store()?;
    let engine = context.engine().await?;
    let inventory = engine.inventory().await?;
    let client = registry.client();
    let results = refresh::refresh_audited(
        &client,
        &engine,
        &mut store,
        &inventory,
        references,
        &actor(),
    )
    .await?;
    let failed = results
        .iter()
        .any(|(done, _)| matches!(done.result, "failed" | "skipped"));
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(done, words)| vec![done.check.reference.clone(), words.clone()])
        .collect();
    table::print(&["REFERENCE", "RESULT"], &rows);
    if results.iter().any(|(done, _)| done.result == "pulled") {
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
    let checks = refresh::check_and_record(&mut Store::open(db)?, engine, client, &[]).await?;
    Ok(checks
        .into_iter()
        .filter(|c| c.status == Status::UpdateAvailable)
        .map(|c| c.reference)
        .collect())
}

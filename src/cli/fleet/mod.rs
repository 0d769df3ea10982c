//! `imgreaper fleet …`: one command on many nodes (DESIGN.md §14). Each command prints a line
//! per node with its result or its error named for what it is, a progress bar while it waits
//! (on a terminal), and a summary; `--json` prints one array, an object per node with `node`
//! and `error` (null when fine). Exit 1 if any node failed. Commands that change nodes show
//! what they will do first and ask on a terminal; without one they need `--yes`.

mod actions;
mod output;
mod policy;
mod progress;
mod status;

use super::UsageError;
use super::args::{FleetArgs, FleetCommand};
use crate::fleet::run::Fleet;
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(args: FleetArgs, console_inventory: Option<String>) -> Result<ExitCode> {
    let Some(inventory) = args.inventory.clone().or(console_inventory) else {
        return Err(UsageError(
            "fleet commands need the nodes: --inventory FILE (an Ansible inventory, or one \
             [user@]host[:port] a line), --inventory host1,host2, or IMGREAPER_INVENTORY"
                .into(),
        )
        .into());
    };
    let (fleet, warnings) = Fleet::new(
        &inventory,
        args.limit.as_deref(),
        args.forks,
        args.timeout.into(),
    )
    .map_err(|e| UsageError(format!("{e:#}")))?;
    for warning in warnings {
        eprintln!("imgreaper: {warning}");
    }
    let ask = output::Ask {
        yes: args.yes,
        json: args.json,
    };
    match args.command {
        FleetCommand::Status => status::status(&fleet, args.json).await,
        FleetCommand::Images => status::images(&fleet, args.json).await,
        FleetCommand::Log { last } => status::log(&fleet, args.json, last).await,
        FleetCommand::Preview { file, name } => {
            policy::preview(&fleet, &file, name, args.json).await
        }
        FleetCommand::Apply { file, name } => policy::apply(&fleet, &file, name, ask).await,
        command => actions::run(&fleet, command, ask).await,
    }
}

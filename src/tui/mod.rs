//! The interactive console.

use crate::cli::{ConsoleArgs, Context};
use std::process::ExitCode;

pub async fn run(_context: Context, _args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the console is not built yet; use the subcommands (imgreaper --help)")
}

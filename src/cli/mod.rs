//! The command line: argument definitions and dispatch. Each command lives in its own file.

mod actions;
mod args;
mod complete_references;
mod completions;
mod fleet;
mod images;
mod log;
mod manpage;
mod metrics_file;
mod node;
mod policy;
mod policy_file;
mod refresh;
mod registry;
mod run;
mod settings;
mod table;

pub use crate::node::session::{Context, actor, resolve_db_path};
pub use args::{Cli, Command, ConsoleArgs};
pub use complete_references::complete_references;

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

/// An error that means "bad usage or invalid policy": exit code 2.
pub use crate::node::usage::UsageError;

/// The console, handed in by `main`: the front ends sit side by side and neither imports the
/// other (DESIGN.md §9).
pub type Console =
    Box<dyn FnOnce(Context) -> Pin<Box<dyn Future<Output = anyhow::Result<ExitCode>>>>>;

/// Runs one parsed command line and returns the process exit code; no subcommand opens
/// `console`.
pub fn main(cli: Cli, console: Console) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("imgreaper: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let db = resolve_db_path(cli.db.as_ref()).ok();
    match runtime.block_on(dispatch(cli, console)) {
        Ok(code) => code,
        Err(error) => {
            // A write that failed deep in a command still says "disk full at PATH" or
            // "read-only: PATH" rather than SQLite's bare words.
            let error = match &db {
                Some(db) => crate::node::store::explain(error, db),
                None => error,
            };
            // Errors quote input (names, paths, engine messages): nothing in them may act on
            // the terminal, not even a newline that would start a forged line.
            eprintln!(
                "imgreaper: {}",
                crate::core::format::escape_controls(&format!("{error:#}"))
            );
            if crate::node::usage::is_usage(&error) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

async fn dispatch(cli: Cli, console: Console) -> anyhow::Result<ExitCode> {
    if let Some(path) = cli.node_policy.clone() {
        crate::node::placement::choose_node_policy(path);
    }
    let context =
        Context::new(cli.db.clone(), cli.host.as_deref()).with_data_root(cli.data_root.clone());
    let inventory = cli.console.inventory.clone();
    match cli.command {
        None => console(context).await,
        Some(Command::Fleet(args)) => fleet::run(args, inventory).await,
        Some(Command::Images { json, wide }) => images::run(&context, json, wide).await,
        Some(Command::Node { check, json }) => node::run(check.as_deref(), json),
        Some(Command::Policy(command)) => policy::run(&context, command).await,
        Some(Command::Remove {
            references,
            ignore_keep,
        }) => actions::remove(&context, &references, ignore_keep).await,
        Some(Command::Postpone {
            reference,
            duration: Some(duration),
            ..
        }) => actions::postpone(&context, &reference, duration).await,
        Some(Command::Postpone { reference, .. }) => {
            actions::end_postponement(&context, &reference).await
        }
        Some(Command::Pin { reference }) => actions::pin(&context, &reference, true).await,
        Some(Command::Unpin { reference }) => actions::pin(&context, &reference, false).await,
        Some(Command::Approve { references, all }) => {
            actions::approve(&context, &references, all).await
        }
        Some(Command::Adopt { references }) => actions::adopt(&context, &references, true).await,
        Some(Command::Disown { references }) => actions::adopt(&context, &references, false).await,
        Some(Command::Settings(args)) => settings::run(&context, args),
        Some(Command::Log(args)) => log::run(&context, &args),
        Some(Command::Run(args)) => run::run(&context, args).await,
        Some(Command::Rpc) => crate::fleet::rpc::server::serve(&context).await,
        Some(Command::Completions { shell, dynamic }) => completions::run(shell, dynamic),
        Some(Command::Manpage { dir }) => manpage::run(dir.as_deref()),
        Some(Command::Registry(command)) => registry::run(&context, command, inventory).await,
        Some(Command::Check {
            references,
            json,
            registry,
        }) => refresh::check(&context, &references, json, &registry).await,
        Some(Command::Refresh {
            references,
            registry,
        }) => refresh::refresh(&context, &references, &registry).await,
    }
}

//! Reference names for dynamic completion (`imgreaper remove <TAB>`). Runs inside the shell's
//! completion, so it is quick and quiet: a short deadline, and no engine means no candidates and
//! no output, never an error in the middle of the operator's command line.

use crate::core::format::bytes;
use crate::core::model::Inventory;
use crate::node::engine::{Endpoint, Engine, endpoint};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use std::ffi::{OsStr, OsString};
use std::time::Duration;

/// Long enough for a busy local engine, short enough not to freeze a TAB on a hung one.
const DEADLINE: Duration = Duration::from_millis(1500);

/// Every argument named `REF`, in every subcommand (those added later too), completes
/// reference names.
pub fn complete_references(command: clap::Command) -> clap::Command {
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut command = command.mut_args(|arg| {
        let names_a_reference = arg
            .get_value_names()
            .is_some_and(|names| names.iter().any(|n| n == "REF"));
        if names_a_reference {
            arg.add(ArgValueCompleter::new(references))
        } else {
            arg
        }
    });
    for name in subcommands {
        command = command.mut_subcommand(name, complete_references);
    }
    command
}

fn references(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Ok(endpoint) = endpoint::resolve(host_on_line(std::env::args_os()).as_deref()) else {
        return Vec::new();
    };
    let Some(inventory) = inventory(&endpoint) else {
        return Vec::new();
    };
    candidates(&inventory, current)
}

/// Every name that starts with what is typed; a dangling image by its short ID.
fn candidates(inventory: &Inventory, current: &str) -> Vec<CompletionCandidate> {
    let mut out = Vec::new();
    for image in &inventory.images {
        let used = if image.in_use() { ", in use" } else { "" };
        let help = format!("{}{used}", bytes(image.size));
        let names: Vec<&str> = if image.is_dangling() {
            vec![image.short_id()]
        } else {
            image.references.iter().map(String::as_str).collect()
        };
        for name in names.into_iter().filter(|n| n.starts_with(current)) {
            out.push(CompletionCandidate::new(name).help(Some(help.clone().into())));
        }
    }
    out
}

fn inventory(endpoint: &Endpoint) -> Option<Inventory> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let listing = async { Engine::connect_to(endpoint).await?.inventory().await };
        tokio::time::timeout(DEADLINE, listing).await.ok()?.ok()
    })
}

/// `--host URL` or `--host=URL` on the command line being completed (the last one wins).
fn host_on_line(args: impl IntoIterator<Item = OsString>) -> Option<String> {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut host = None;
    for (i, arg) in args.iter().enumerate() {
        if arg == "--host" {
            host = args.get(i + 1).cloned().or(host);
        } else if let Some(value) = arg.strip_prefix("--host=") {
            host = Some(value.to_string());
        }
    }
    host.filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(args: &[&str]) -> Option<String> {
        host_on_line(args.iter().map(OsString::from))
    }

    #[test]
    fn host_is_read_from_the_line_in_both_forms() {
        assert_eq!(line(&["imgreaper", "--", "imgreaper", "remove", "x"]), None);
        assert_eq!(
            line(&[
                "imgreaper",
                "--",
                "imgreaper",
                "--host",
                "tcp://a:1",
                "remove"
            ]),
            Some("tcp://a:1".into())
        );
        assert_eq!(
            line(&[
                "imgreaper",
                "--",
                "imgreaper",
                "--host=unix:///s",
                "pin",
                ""
            ]),
            Some("unix:///s".into())
        );
        assert_eq!(line(&["imgreaper", "--host"]), None);
    }
}

//! `imgreaper completions SHELL [--dynamic]`: completion scripts generated from the clap
//! definitions, so every subcommand and option added later is completed without a change here.

use super::Cli;
use anyhow::{Context as _, Result, anyhow};
use clap::CommandFactory;
use clap_complete::Shell;
use clap_complete::env::Shells;
use std::io::Write;
use std::process::ExitCode;

pub fn run(shell: Shell, dynamic: bool) -> Result<ExitCode> {
    let mut out = Vec::new();
    if dynamic {
        registration(shell, &mut out)?;
    } else {
        clap_complete::generate(shell, &mut Cli::command(), "imgreaper", &mut out);
    }
    std::io::stdout()
        .write_all(&out)
        .context("cannot write the completion script")?;
    Ok(ExitCode::SUCCESS)
}

/// The script that asks the binary itself at each TAB (`COMPLETE=SHELL imgreaper` prints the
/// same): it can offer what only the engine knows, such as reference names.
fn registration(shell: Shell, out: &mut Vec<u8>) -> Result<()> {
    let shells = Shells::builtins();
    let completer = shells
        .completer(&shell.to_string())
        .ok_or_else(|| anyhow!("no dynamic completion for {shell}"))?;
    completer
        .write_registration("COMPLETE", "imgreaper", "imgreaper", &program()?, out)
        .context("cannot write the completion script")
}

/// How the script calls the binary back: as it was called when that was by bare name (found
/// in PATH later too), else by absolute path, as `COMPLETE=SHELL imgreaper` does.
fn program() -> Result<String> {
    let called = std::env::args_os()
        .next()
        .unwrap_or_else(|| "imgreaper".into());
    let path = std::path::PathBuf::from(&called);
    if path.components().count() <= 1 {
        return Ok(path.to_string_lossy().into_owned());
    }
    let absolute = std::path::absolute(&path)
        .with_context(|| format!("cannot make {} absolute", path.display()))?;
    Ok(absolute.to_string_lossy().into_owned())
}

//! `imgreaper`: parses the command line and hands it to `imgreaper::cli`.

use clap::{CommandFactory, Parser};
use imgreaper::cli::{Cli, complete_references};

fn main() -> std::process::ExitCode {
    // Answers a shell's completion request (`COMPLETE=bash imgreaper …`) and exits.
    clap_complete::CompleteEnv::with_factory(|| complete_references(Cli::command())).complete();
    imgreaper::cli::main(Cli::parse())
}

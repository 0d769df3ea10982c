//! `imgreaper`: parses the command line and hands it to `imgreaper::cli`.

use clap::{CommandFactory, Parser};
use imgreaper::cli::Cli;

fn main() -> std::process::ExitCode {
    // Answers a shell's completion request (`COMPLETE=bash imgreaper …`) and exits.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    imgreaper::cli::main(Cli::parse())
}

//! `imgreaper`: parses the command line and hands it to `imgreaper::cli`, with the console
//! (`imgreaper::tui`) to open when no subcommand is given.

use clap::{CommandFactory, Parser};
use imgreaper::cli::{Cli, complete_references};

fn main() -> std::process::ExitCode {
    // Answers a shell's completion request (`COMPLETE=bash imgreaper …`) and exits.
    clap_complete::CompleteEnv::with_factory(|| complete_references(Cli::command())).complete();
    let cli = Cli::parse();
    let options = imgreaper::tui::Options {
        read_only: cli.console.read_only,
        theme: cli.console.theme.clone(),
    };
    imgreaper::cli::main(
        cli,
        Box::new(move |context| Box::pin(imgreaper::tui::run(context, options))),
    )
}

//! `imgreaper`: parses the command line and hands it to `imgreaper::cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    imgreaper::cli::main(imgreaper::cli::Cli::parse())
}

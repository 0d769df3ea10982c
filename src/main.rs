//! `imgreaper`: parses the command line and hands it to `imgreaper::cli`, with the console
//! (`imgreaper::tui`) to open when no subcommand is given.

use clap::{CommandFactory, Parser};
use imgreaper::cli::{Cli, Command, complete_references};

fn main() -> std::process::ExitCode {
    one_malloc_arena();
    // Answers a shell's completion request (`COMPLETE=bash imgreaper …`) and exits.
    clap_complete::CompleteEnv::with_factory(|| complete_references(Cli::command())).complete();
    let cli = Cli::parse();
    // A command whose output goes into a pipe that closes (`imgreaper images | head -1`) ends
    // there, quietly, as other Unix tools do. The service and the console keep going: they
    // write what they can and report the rest.
    if !matches!(cli.command, None | Some(Command::Run(_))) {
        // SAFETY: restoring the default disposition of one signal, before any thread starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    let options = imgreaper::tui::Options {
        read_only: cli.console.read_only,
        theme: cli.console.theme.clone(),
        inventory: cli.console.inventory.clone(),
        limit: cli.console.limit.clone(),
    };
    imgreaper::cli::main(
        cli,
        Box::new(move |context| Box::pin(imgreaper::tui::run(context, options))),
    )
}

/// glibc gives each thread that allocates an arena of its own; the console's loader, action and
/// enforcer threads are idle most of the time, so one shared arena costs nothing in speed and
/// keeps about a megabyte of their leftovers from staying resident.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

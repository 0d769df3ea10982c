//! `imgreaper manpage [--dir DIR]`: manual pages generated from the clap definitions. One page
//! holds every subcommand with its synopsis and options; `--dir` writes a page per subcommand.

use super::Cli;
use anyhow::{Context as _, Result};
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::Roff;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: Option<&Path>) -> Result<ExitCode> {
    match dir {
        Some(dir) => {
            clap_mangen::generate_to(command(), dir)
                .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
            println!("wrote the man pages to {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            one_page(&mut page)?;
            std::io::stdout()
                .write_all(&page)
                .context("cannot write the man page")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The definitions as the pages show them: built (so subcommands know their full names), with
/// no `help` subcommand (every page already says how to get help).
fn command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// The top-level page, then a subsection per subcommand (depth first) with its synopsis,
/// description and options.
fn one_page(out: &mut Vec<u8>) -> Result<()> {
    let command = command();
    let man = Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    out.extend_from_slice(
        Roff::new()
            .control("SH", ["SUBCOMMANDS"])
            .to_roff()
            .as_bytes(),
    );
    for sub in command.get_subcommands() {
        subsection(sub, out)?;
    }
    man.render_version_section(out)?;
    Ok(())
}

fn subsection(command: &clap::Command, out: &mut Vec<u8>) -> Result<()> {
    let name = command.get_bin_name().unwrap_or(command.get_name());
    out.extend_from_slice(Roff::new().control("SS", [name]).to_roff().as_bytes());
    let command = without_globals(command.clone());
    let man = Man::new(command.clone());
    let mut section = Vec::new();
    let paragraph = Roff::new().control("PP", []).to_roff();
    man.render_synopsis_section(&mut section)?;
    section.extend_from_slice(paragraph.as_bytes());
    man.render_description_section(&mut section)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        section.extend_from_slice(paragraph.as_bytes());
        man.render_options_section(&mut section)?;
    }
    // Inside a subsection the section headings would end it: keep their content only.
    for line in String::from_utf8_lossy(&section).lines() {
        if !line.starts_with(".SH ") {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    for sub in command.get_subcommands() {
        subsection(sub, out)?;
    }
    Ok(())
}

/// The global options (`--db`, `--host`) are described once, at the top of the page.
fn without_globals(mut command: clap::Command) -> clap::Command {
    let globals: Vec<clap::Id> = command
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .collect();
    for id in globals {
        command = command.mut_arg(id, |a| a.hide(true));
    }
    command
}

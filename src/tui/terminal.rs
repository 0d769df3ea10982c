//! Entering and leaving the full-screen terminal: restored on every way out (normal exit, error,
//! panic, signal), because an operator over SSH cannot easily recover a broken terminal.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Leaves raw mode and the alternate screen when dropped.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> std::io::Result<(TerminalGuard, Term)> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard; // from here on, any early return restores
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Ctrl-Z: gives the terminal back to the shell and stops, as the terminal's own suspend key
/// would (raw mode turns that off); once the shell resumes the console, takes the terminal again
/// and has the next draw repaint everything.
pub fn suspend(terminal: &mut Term) -> std::io::Result<()> {
    restore();
    // SAFETY: kill only sends a signal; SIGTSTP's default action stops the process group (this
    // process and whatever started it, such as sudo) until SIGCONT.
    unsafe {
        libc::kill(0, libc::SIGTSTP);
    }
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )?;
    // The last drawn buffer is blanked, so the next draw repaints every cell. (Terminal::clear
    // would ask the terminal for the cursor position, an answer the event reader may be holding.)
    terminal.swap_buffers();
    Ok(())
}

/// Puts text on the terminal's clipboard (OSC 52). Terminals that do not allow it ignore it; the
/// text is in the message log either way.
pub fn copy_to_clipboard(text: &str) {
    use crossterm::clipboard::CopyToClipboard;
    let _ = execute!(stdout(), CopyToClipboard::to_clipboard_from(text));
}

/// Puts the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(); // first, so the panic message lands on the normal screen
        previous(info);
    }));
}

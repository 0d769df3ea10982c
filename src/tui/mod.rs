//! The interactive console (DESIGN.md §8).
//!
//! One task owns the terminal and the `App` state; background tasks (loader, enforcer, actions),
//! each on a thread of its own, talk to it over bounded channels. `App::update` is pure; `view::draw` cannot change state; the
//! loop draws only when an update says something visible changed.

pub mod app;
pub mod capabilities;
mod demo;
pub mod export;
pub mod fleet;
pub mod keys;
pub mod msg;
pub mod palette;
pub mod prefs;
mod tasks;
mod terminal;
pub mod text;
pub mod theme;
pub mod view;

use crate::node::session::Context;
use app::App;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use msg::{Command, Msg};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

/// How the console was asked to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Look only: no action that writes, no enforcer.
    pub read_only: bool,
    /// A built-in theme name or a user theme in the config directory.
    pub theme: Option<String>,
    /// `--inventory`: open the fleet's Nodes view on these nodes instead of this machine.
    pub inventory: Option<String>,
    /// `--limit`: only the inventory's nodes this host pattern selects.
    pub limit: Option<String>,
}

pub async fn run(context: Context, args: Options) -> anyhow::Result<ExitCode> {
    if let Some(inventory) = &args.inventory {
        return fleet::run(&args, inventory, args.limit.as_deref()).await;
    }
    let capabilities =
        capabilities::detect(|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?;
    let theme = theme::load(args.theme.as_deref(), capabilities.depth)?;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the console needs a terminal; for scripts use the subcommands (imgreaper --help)"
        );
    }
    // Open the database up front so a bad --db fails before the screen is taken over; the loader
    // then reads through this connection. A read-only console only reads, so it works for a user
    // who may only read the database; on a full disk the console opens all the same.
    let store = if args.read_only {
        context.reader()?
    } else {
        context.store_even_when_full()?
    };

    let (to_ui, mut from_tasks) = mpsc::channel::<Msg>(64);
    let (reload_tx, reload_rx) = mpsc::channel::<()>(4);
    let (command_tx, command_rx) = mpsc::channel::<Command>(16);
    let (stop_tx, stop_rx) = watch::channel(false);
    let task_context = || context.clone();
    let (loader_context, loader_ui) = (task_context(), to_ui.clone());
    tasks::on_own_thread("loader", move || {
        tasks::loader::run(loader_context, store, loader_ui, reload_rx)
    })?;
    let (actions_context, actions_ui, actions_reload) =
        (task_context(), to_ui.clone(), reload_tx.clone());
    tasks::on_own_thread("actions", move || {
        tasks::actions::run(actions_context, command_rx, actions_ui, actions_reload)
    })?;
    // The enforcer starts once the first data is on screen: taking the lease and reconciling
    // must not delay what the operator came to see. A read-only console never runs one.
    let mut enforcer_to_start = (!args.read_only).then(|| (to_ui.clone(), reload_tx.clone()));
    let mut enforcer = None;

    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let (guard, mut terminal) = terminal::TerminalGuard::enter()?;
    let size = terminal.size()?;
    let mut app = App::new(args.read_only, theme, (size.width, size.height));
    app.ascii = capabilities.ascii;
    app.cwd = std::env::current_dir().ok();
    if !args.read_only {
        app.header.own_holder = Some(tasks::enforcer::holder_name());
    }
    app.header.demo = demo::note(context.host());
    // The view choices made before; a damaged file is reported and left alone until the next
    // choice replaces it.
    let prefs_file = prefs::path();
    match prefs_file.as_deref().map(prefs::load_from) {
        Some(Ok(Some(saved))) => app.apply_prefs(saved),
        Some(Err(error)) => app.set_status(format!("view choices not read: {error:#}"), true),
        _ => {}
    }
    let panic_for_test = std::env::var_os("IMGREAPER_TEST_PANIC").is_some();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| view::draw(&app, frame))?;
            dirty = false;
            if panic_for_test {
                panic!("IMGREAPER_TEST_PANIC is set: panicking after the first frame");
            }
        }
        if (app.snapshot.is_some() || app.outage.is_some())
            && let Some((to_ui, reload)) = enforcer_to_start.take()
        {
            let (context, stop) = (task_context(), stop_rx.clone());
            enforcer = Some(tasks::on_own_thread("enforcer", move || {
                tasks::enforcer::run(context, to_ui, reload, stop)
            })?);
        }
        let counting_down = app.countdown_visible();
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(Event::Resize(columns, rows))) => Msg::Resize(columns, rows),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => Msg::Quit, // the terminal is gone (SSH dropped)
            },
            Some(msg) = from_tasks.recv() => msg,
            // The tick is only polled while a countdown is visible: an idle console sleeps.
            _ = tick.tick(), if counting_down => Msg::Tick(crate::node::clock::unix_now()),
            _ = terminate.recv() => Msg::Quit,
            _ = interrupt.recv() => Msg::Quit,
            _ = hangup.recv() => Msg::Quit,
        };
        let effects = app.update(msg);
        dirty |= effects.redraw;
        for command in effects.commands {
            let refused = match command_tx.try_send(command.clone()) {
                Ok(()) => continue,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    "busy: the previous actions are still running; nothing was done, try again"
                }
                // Never "busy": the task that carries actions out has stopped, and waiting will
                // not help.
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    "actions cannot run: the task that carries them out stopped; quit and open \
                     the console again (the enforcer is not affected)"
                }
            };
            app.not_sent(&command, refused);
            dirty = true;
        }
        if effects.reload {
            let _ = reload_tx.try_send(());
        }
        if let Some(text) = &effects.clipboard {
            terminal::copy_to_clipboard(text);
        }
        if let (Some(chosen), Some(file)) = (effects.prefs, prefs_file.clone()) {
            // Off the terminal task: a slow or full disk never holds up a key.
            let to_ui = to_ui.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(error) = prefs::save_to(&file, &chosen) {
                    let text = format!("view choices not remembered: {error:#}");
                    let _ = to_ui.blocking_send(Msg::Note { text, error: true });
                }
            });
        }
        if effects.suspend {
            // The event reader must not hold the terminal while the shell has it.
            drop(events);
            terminal::suspend(&mut terminal)?;
            events = EventStream::new();
            dirty = true;
        }
        if effects.quit {
            break;
        }
    }
    drop(guard);
    // Let the enforcer give its lease up so the next enforcer need not wait for it to expire.
    let _ = stop_tx.send(true);
    if let Some(handle) = enforcer {
        let joined = tokio::task::spawn_blocking(move || handle.join());
        let _ = tokio::time::timeout(Duration::from_secs(3), joined).await;
    }
    Ok(ExitCode::SUCCESS)
}

//! The fleet console (`imgreaper --inventory FILE`, DESIGN.md §14): the Nodes view first, a
//! row per node kept fresh by a task per node; enter opens that node's Images, Rules and
//! Activity views — the same `App` and views as the local console's, fed by `tasks::remote`
//! instead of the local loader — and `q` there comes back. References marked on several nodes
//! go in one batch from the Nodes view, with a result per node. Only the opened node's full
//! picture is held; the others are their summaries.

mod batch;
pub mod nodes;
mod poll;
pub mod view;

use super::Options;
use super::app::App;
use super::app::images::row_name;
use super::msg::{Command, Msg};
use super::tasks::remote::{self, Remote};
use super::terminal::{self, TerminalGuard};
use crate::fleet::inventory::{Inventory, select};
use crate::fleet::run::{DEFAULT_FORKS, DEFAULT_TIMEOUT};
use crate::fleet::transport::Transport;
use crate::node::clock::unix_now;
use anyhow::Result;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use nodes::{Do, Nodes};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

/// A node whose views are open: its state and the channels of its task.
struct Opened {
    index: usize,
    app: App,
    from_node: mpsc::Receiver<Msg>,
    commands: mpsc::Sender<Command>,
    reload: mpsc::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

enum Input {
    Terminal(Event),
    TerminalGone,
    Polled(poll::Polled),
    Batch(batch::BatchDone),
    Node(Option<Msg>),
    Tick,
    Quit,
}

pub async fn run(options: &Options, inventory: &str, limit: Option<&str>) -> Result<ExitCode> {
    let capabilities =
        super::capabilities::detect(|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?;
    let theme = super::theme::load(options.theme.as_deref(), capabilities.depth)?;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the console needs a terminal; for scripts use `imgreaper fleet status` and the other \
             fleet commands"
        );
    }
    // The inventory and the transport are checked before the screen is taken over.
    let (nodes, warnings) = select(&Inventory::load(inventory)?, limit)?;
    let transport = Transport::from_env(DEFAULT_TIMEOUT)?;
    let operator = crate::node::session::operator();

    let (poll_tx, mut polled) = mpsc::channel(64);
    let (refresh, refresh_rx) = watch::channel(0u64);
    let pollers = poll::start(
        &nodes,
        &transport,
        &operator,
        DEFAULT_FORKS,
        poll_tx,
        refresh_rx,
    );
    let (batch_tx, mut batches) = mpsc::channel(64);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let (guard, mut term) = TerminalGuard::enter()?;
    let size = term.size()?;
    let mut view = Nodes::new(nodes, (size.width, size.height));
    view.now = unix_now();
    if !warnings.is_empty() {
        view.status = Some((true, warnings.join("; ")));
    }
    let mut opened: Option<Opened> = None;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            term.draw(|frame| match &opened {
                Some(node) => super::view::draw(&node.app, frame),
                None => view::draw(&view, &theme, frame),
            })?;
            dirty = false;
        }
        // Countdowns tick once a second: the opened node's while visible, the Nodes view's
        // next-removal column always (it is coarse: a redraw a second at most).
        let counting_down = opened
            .as_ref()
            .map_or(!view.rows.is_empty(), |node| node.app.countdown_visible());
        let input = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => Input::Terminal(event),
                Some(Err(_)) | None => Input::TerminalGone,
            },
            Some(result) = polled.recv() => Input::Polled(result),
            Some(done) = batches.recv() => Input::Batch(done),
            msg = from_node(&mut opened) => Input::Node(msg),
            _ = tick.tick(), if counting_down => Input::Tick,
            _ = terminate.recv() => Input::Quit,
            _ = interrupt.recv() => Input::Quit,
            _ = hangup.recv() => Input::Quit,
        };
        match input {
            Input::Quit | Input::TerminalGone => break,
            Input::Polled(result) => {
                view.polled(result.index, result.result, unix_now());
                dirty |= opened.is_none();
            }
            Input::Batch(done) => {
                view.batch_done(done.index, done.ok, done.text);
                if view.batch_left == 0 {
                    refresh.send_modify(|n| *n += 1);
                }
                dirty |= opened.is_none();
            }
            Input::Node(None) => {}
            Input::Node(Some(msg)) => {
                if let Some(node) = opened.as_mut() {
                    let effects = node.app.update(msg);
                    dirty |= effects.redraw;
                }
            }
            Input::Tick => {
                view.now = unix_now();
                match opened.as_mut() {
                    Some(node) => dirty |= node.app.update(Msg::Tick(view.now)).redraw,
                    None => dirty = true,
                }
            }
            Input::Terminal(event) => {
                if let Event::Resize(columns, rows) = event {
                    view.size = (columns, rows);
                    dirty = true;
                }
                if let Some(node) = opened.as_mut() {
                    let msg = match event {
                        Event::Key(key) => Msg::Key(key),
                        Event::Mouse(mouse) => Msg::Mouse(mouse),
                        Event::Resize(columns, rows) => Msg::Resize(columns, rows),
                        _ => continue,
                    };
                    let effects = node.app.update(msg);
                    dirty |= effects.redraw;
                    for command in effects.commands {
                        if node.commands.try_send(command.clone()).is_err() {
                            node.app.not_sent(
                                &command,
                                "busy: the previous actions are still running; nothing was done, \
                                 try again",
                            );
                            dirty = true;
                        }
                    }
                    if effects.reload {
                        let _ = node.reload.try_send(());
                    }
                    if let Some(text) = &effects.clipboard {
                        terminal::copy_to_clipboard(text);
                    }
                    if effects.suspend {
                        drop(events);
                        terminal::suspend(&mut term)?;
                        events = EventStream::new();
                        dirty = true;
                    }
                    if effects.quit {
                        close(opened.take().expect("open"), &mut view);
                        refresh.send_modify(|n| *n += 1);
                        dirty = true;
                    }
                    continue;
                }
                let Event::Key(key) = event else { continue };
                match view.on_key(key) {
                    Do::Nothing => {}
                    Do::Redraw => dirty = true,
                    Do::Quit => break,
                    Do::Refresh => {
                        refresh.send_modify(|n| *n += 1);
                        dirty = true;
                    }
                    Do::Open(index) => {
                        opened = Some(open(
                            index,
                            &view,
                            options,
                            &theme,
                            capabilities.ascii,
                            &transport,
                            &operator,
                        ));
                        dirty = true;
                    }
                    Do::Batch(action, work) => {
                        let work = work
                            .into_iter()
                            .map(|(index, targets)| (index, view.rows[index].node.clone(), targets))
                            .collect();
                        batch::start(
                            action,
                            work,
                            transport.clone(),
                            operator.clone(),
                            DEFAULT_FORKS,
                            batch_tx.clone(),
                        );
                        dirty = true;
                    }
                }
            }
        }
    }
    drop(guard);
    if let Some(node) = opened {
        node.task.abort();
    }
    for poller in pollers {
        poller.abort();
    }
    Ok(ExitCode::SUCCESS)
}

/// The next message of the opened node's task; never, while none is open.
async fn from_node(opened: &mut Option<Opened>) -> Option<Msg> {
    match opened.as_mut() {
        Some(node) => node.from_node.recv().await,
        None => std::future::pending().await,
    }
}

fn open(
    index: usize,
    view: &Nodes,
    options: &Options,
    theme: &super::theme::Theme,
    ascii: bool,
    transport: &Transport,
    operator: &str,
) -> Opened {
    let row = &view.rows[index];
    let (to_ui, from_node) = mpsc::channel(64);
    let (commands, commands_rx) = mpsc::channel(16);
    let (reload, reload_rx) = mpsc::channel(4);
    let task = tokio::spawn(remote::run(
        Remote {
            node: row.node.clone(),
            transport: transport.clone(),
            operator: operator.to_string(),
        },
        to_ui,
        commands_rx,
        reload_rx,
    ));
    // A remote node enforces with its own service: this console never takes its lease.
    let mut app = App::new(options.read_only, theme.clone(), view.size);
    app.ascii = ascii;
    app.cwd = std::env::current_dir().ok();
    app.header.demo = Some(format!(
        " Fleet node {} · space marks for a batch across nodes · q goes back to the nodes",
        row.node.name
    ));
    app.images.marks = row.marked.iter().map(|t| t.reference.clone()).collect();
    Opened {
        index,
        app,
        from_node,
        commands,
        reload,
        task,
    }
}

/// Back to the Nodes view: the node's marks stay for a batch; its task and data go.
fn close(node: Opened, view: &mut Nodes) {
    node.task.abort();
    let app = &node.app;
    if let Some(snapshot) = &app.snapshot {
        view.rows[node.index].marked = snapshot
            .rows
            .iter()
            .filter(|row| app.images.marks.contains(row_name(snapshot, row)))
            .map(|row| super::app::targets::target(snapshot, row))
            .collect();
    }
}

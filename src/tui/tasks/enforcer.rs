//! The console's own enforcer: acts only while it holds the lease (the service takes precedence).

use crate::node::clock::SystemClock;
use crate::node::enforcer::{Enforcer, Notice, run as run_enforcer};
use crate::node::session::Context;
use crate::node::store::LeaseKind;
use crate::tui::msg::{EnforcerStatus, Msg};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The lease holder name this console's enforcer uses (as `Enforcer::new` spells it).
pub fn holder_name() -> String {
    format!(
        "console pid {} on {}",
        std::process::id(),
        crate::node::host::hostname()
    )
}

pub async fn run(
    context: Context,
    to_ui: mpsc::Sender<Msg>,
    reload: mpsc::Sender<()>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    // The engine may be away when the console starts: wait for it like the service does.
    let (engine, store) = loop {
        match (context.engine().await, context.store()) {
            (Ok(engine), Ok(store)) => break (engine, store),
            (Err(error), _) | (_, Err(error)) => {
                let _ = to_ui.try_send(Msg::Enforcer(EnforcerStatus::Outage(format!("{error:#}"))));
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5)); // the console's cap
            }
        }
    };
    let interval = store.settings().map(|s| s.interval_secs).unwrap_or(60);
    let enforcer = Enforcer::new(engine, store, Arc::new(SystemClock), LeaseKind::Console);
    let result = run_enforcer(enforcer, interval, false, shutdown, |notice| {
        let status = match notice {
            Notice::Cycle(report) => EnforcerStatus::Cycle {
                leased: report.leased,
                actions: report.actions.len(),
            },
            Notice::Outage { error, .. } | Notice::Fault { error, .. } => {
                EnforcerStatus::Outage(error)
            }
        };
        // Notices are advisory: when the UI is busy, dropping one loses nothing.
        let _ = to_ui.try_send(Msg::Enforcer(status));
        let _ = reload.try_send(());
    })
    .await;
    if let Err(error) = result {
        let _ = to_ui.try_send(Msg::Enforcer(EnforcerStatus::Outage(format!("{error:#}"))));
    }
}

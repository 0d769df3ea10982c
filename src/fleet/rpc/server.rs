//! `imgreaper rpc`: the node's end of the protocol, on standard input and output. It says hello,
//! reads the client's hello, then answers each request in order until its input ends; after
//! `watch` it also says when the engine or the database changed.

use super::lines::{read_lines, write_line};
use super::node_side::NodeSide;
use super::protocol::{ClientHello, ErrorBody, ErrorKind, Event, HelloLine, Request, Response};
use crate::node::session::Context;
use crate::node::watcher::Watcher;
use anyhow::{Context as _, Result};
use std::process::ExitCode;
use std::time::Duration;

/// How long the event stream waits before it is tried again after the engine went away.
const WATCH_BACKOFF: Duration = Duration::from_secs(5);

pub async fn serve(context: &Context) -> Result<ExitCode> {
    let mut output = tokio::io::stdout();
    let mut lines = read_lines(tokio::io::stdin());
    let mut node = NodeSide::new(context);
    let hello = node.hello().await;
    write_line(&mut output, &HelloLine { hello }).await?;
    let Some(first) = lines.recv().await else {
        return Ok(ExitCode::SUCCESS);
    };
    match first
        .map_err(anyhow::Error::msg)
        .and_then(|line| Ok(serde_json::from_str::<HelloLine<ClientHello>>(&line)?))
    {
        Ok(client) => node.set_operator(&client.hello.operator),
        Err(error) => {
            let refusal = bad_request(
                0,
                format!("the first line must be the client's hello: {error}"),
            );
            write_line(&mut output, &refusal).await?;
            return Ok(ExitCode::from(2));
        }
    }
    let mut watcher: Option<(Watcher, crate::node::store::Store)> = None;
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                if line.as_deref().is_ok_and(|l| l.trim().is_empty()) {
                    continue;
                }
                let request = line.map_err(anyhow::Error::msg).and_then(|line| {
                    serde_json::from_str::<Request>(&line).context("not a request")
                });
                let response = match request {
                    Ok(request) => {
                        let watch = request.method == "watch";
                        let response = node.answer(request).await;
                        if watch && response.error.is_none() && watcher.is_none() {
                            match start_watching(context).await {
                                Ok(started) => watcher = Some(started),
                                Err(error) => {
                                    write_line(&mut output, &Response {
                                        id: response.id,
                                        result: None,
                                        error: Some(ErrorBody {
                                            kind: if crate::node::engine::is_outage(&error) {
                                                ErrorKind::EngineDown
                                            } else {
                                                ErrorKind::Failed
                                            },
                                            message: format!("{error:#}"),
                                        }),
                                    }).await?;
                                    continue;
                                }
                            }
                        }
                        response
                    }
                    Err(error) => bad_request(0, format!("{error:#}")),
                };
                write_line(&mut output, &response).await?;
            }
            _ = async {
                match watcher.as_mut() {
                    Some((watcher, store)) => watcher.next(store).await,
                    None => std::future::pending().await,
                }
            } => {
                write_line(&mut output, &Event { event: "changed".to_string() }).await?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn start_watching(context: &Context) -> Result<(Watcher, crate::node::store::Store)> {
    let engine = context.engine().await?;
    let store = context.reader()?;
    let watcher = Watcher::new(engine, &store, WATCH_BACKOFF);
    Ok((watcher, store))
}

fn bad_request(id: u64, message: String) -> Response {
    Response {
        id,
        result: None,
        error: Some(ErrorBody {
            kind: ErrorKind::BadRequest,
            message,
        }),
    }
}

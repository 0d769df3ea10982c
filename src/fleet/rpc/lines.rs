//! Lines of JSON, either way: read by a task of their own, written whole and flushed.

use super::protocol::MAX_LINE;
use anyhow::Result;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// A stream as lines, read by a task of its own so a line is never lost half-read when
/// the loop wakes for something else. A line longer than `MAX_LINE` is an error, and ends the
/// input.
pub fn read_lines(
    input: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> mpsc::Receiver<Result<String, String>> {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut reader = BufReader::new(input);
        loop {
            let mut buffer = Vec::new();
            let read = (&mut reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut buffer)
                .await;
            let line = match read {
                Ok(0) => return,
                Ok(_) if buffer.len() > MAX_LINE => {
                    let _ = sender
                        .send(Err(format!("a line longer than {MAX_LINE} bytes")))
                        .await;
                    return;
                }
                Ok(_) => String::from_utf8(buffer).map_err(|_| "a line that is not UTF-8".into()),
                Err(error) => Err(format!("cannot read standard input: {error}")),
            };
            let failed = line.is_err();
            if sender.send(line).await.is_err() || failed {
                return;
            }
        }
    });
    receiver
}

/// Writes one JSON line and flushes it: the other side waits for whole lines.
pub async fn write_line<T: Serialize>(
    output: &mut (impl AsyncWrite + Unpin),
    value: &T,
) -> Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    output.write_all(&line).await?;
    output.flush().await?;
    Ok(())
}

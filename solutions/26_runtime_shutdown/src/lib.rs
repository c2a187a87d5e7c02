//! # Solution of exercise 26
//!
//! Two lines change, one per thing the end of the program forgot:
//!
//! - `runtime.shutdown_timeout(GRACE)` instead of dropping the runtime at the
//!   end of `run`. Dropping it would wait, with no limit, for the console read
//!   on the blocking pool, which waits for a line nobody types. The timeout
//!   drops the async tasks as a drop would, gives the blocking ones `GRACE`,
//!   and leaves them behind: the process is about to end anyway.
//! - `kill_on_drop(true)` on the helper's `Command`. A dropped
//!   `tokio::process::Child` is only a handle going away; the process runs on.
//!   With `kill_on_drop`, every way out of `serve` (return, `?`, an error
//!   branch, the future dropped) kills the helper, because every one of them
//!   drops the `Child`.

use std::io::{self, BufRead, BufReader, Read};
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long `run` may take to end once it has been asked to.
pub const GRACE: Duration = Duration::from_millis(200);

/// The helper process and its arguments.
pub const HELPER: &str = "sleep";
pub const HELPER_ARGS: &[&str] = &["3600"];

/// Why `run` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `stop` was cancelled (Ctrl+C).
    Stopped,
    /// The user typed `quit`, or closed the console.
    Quit,
}

/// The body of `main`: `started` is called with the helper's process id once
/// it runs. The console is a blocking reader, like `std::io::stdin()`.
pub fn run(
    console: impl Read + Send + 'static,
    stop: CancellationToken,
    started: impl FnOnce(u32),
) -> io::Result<Ended> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // ANCHOR: run
    let ended = runtime.block_on(serve(console, stop, started));
    // Not `drop(runtime)`: that waits for ever for a blocked console read.
    runtime.shutdown_timeout(GRACE);
    ended
    // ANCHOR_END: run
}

async fn serve(
    console: impl Read + Send + 'static,
    stop: CancellationToken,
    started: impl FnOnce(u32),
) -> io::Result<Ended> {
    // ANCHOR: helper
    let helper = Command::new(HELPER)
        .args(HELPER_ARGS)
        .kill_on_drop(true)
        .spawn()?;
    // ANCHOR_END: helper
    started(helper.id().expect("the helper has just started"));

    // A blocking read cannot sit on an async worker thread: it goes to the
    // blocking pool, and sends each line back.
    let (lines_tx, mut lines) = mpsc::channel(16);
    tokio::task::spawn_blocking(move || read_commands(console, lines_tx));

    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(Ended::Stopped),
            line = lines.recv() => match line {
                Some(Ok(line)) if line.trim() == "quit" => return Ok(Ended::Quit),
                Some(Ok(_other_command)) => {}
                Some(Err(error)) => return Err(error),
                None => return Ok(Ended::Quit),
            },
        }
    }
}

/// Reads the console line by line until `quit`, the end of input or an error.
fn read_commands(console: impl Read, lines: mpsc::Sender<io::Result<String>>) {
    for line in BufReader::new(console).lines() {
        let last = match &line {
            Ok(line) => line.trim() == "quit",
            Err(_) => true,
        };
        if lines.blocking_send(line).is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
#[path = "../../../exercises/26_runtime_shutdown/src/tests.rs"]
mod tests;

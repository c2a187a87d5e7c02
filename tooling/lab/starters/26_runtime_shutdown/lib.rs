//! # Exercise 26: a command line that ends
//!
//! Chapter: "When the runtime ends" (`src/runtime-shutdown.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check runtime-shutdown` from anywhere in the course.
//!
//! `run` is the body of `main` of a small command-line tool. It starts a helper
//! process (here `sleep 3600`, standing in for an indexer or a dev server that
//! the tool drives), then reads commands from the console one line at a time
//! until the user types `quit`, the console fails, or Ctrl+C cancels `stop`.
//!
//! Users say two things about it: after Ctrl+C it sometimes never exits at all,
//! and when it does exit, `ps` still shows the helper running. Make `run`
//! return within `GRACE` of the stop, whichever way it ends, and leave no
//! helper process behind. (Unix only: the helper is `sleep`.)

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
    runtime.block_on(serve(console, stop, started))
}

async fn serve(
    console: impl Read + Send + 'static,
    stop: CancellationToken,
    started: impl FnOnce(u32),
) -> io::Result<Ended> {
    let helper = Command::new(HELPER).args(HELPER_ARGS).spawn()?;
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
mod tests;

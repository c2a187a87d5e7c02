//! # Exercise 23: a forwarder that loses messages
//!
//! Chapter: "Cancel-safe APIs" (`src/cancel-safe-apis.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check cancel-safe-apis` from anywhere in the course.
//!
//! `forward` moves order ids from an upstream queue to a bounded downstream
//! channel (a slow consumer reads it), and reports its statistics once a
//! second, whether it is waiting for upstream or for room downstream.
//!
//! The consumer counts the orders it gets, and some are missing: about one
//! for every second that downstream stays full. And `forward` is run inside
//! a supervisor that drops and restarts it on a config reload: its contract
//! (see `# Cancel safety` below) says that this loses nothing, because the
//! queue stays with the caller.
//!
//! Find where an order can be dropped, and make `forward` keep its promise:
//! every order taken from upstream arrives downstream, whichever `select!`
//! branch wins and wherever `forward` itself is dropped, while the statistics
//! still come every second.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at};

/// How often the statistics are reported.
pub const STATS_EVERY: Duration = Duration::from_secs(1);

/// Forwards every order from `upstream` to `downstream` until upstream is
/// closed and empty, or downstream's receiver is gone. Returns how many it
/// forwarded. Reports `"stats: N forwarded"` every [`STATS_EVERY`].
///
/// # Cancel safety
///
/// Dropping the future loses no order: every order it took from `upstream`
/// is in `downstream`, and the others are still in `upstream`, which the
/// caller keeps, so a new `forward` carries on where this one stopped.
pub async fn forward(
    upstream: &mut mpsc::Receiver<u64>,
    downstream: &mpsc::Sender<u64>,
    report: impl Fn(String),
) -> u64 {
    let mut stats = interval_at(Instant::now() + STATS_EVERY, STATS_EVERY);
    let mut forwarded = 0;
    loop {
        tokio::select! {
            _ = stats.tick() => report(format!("stats: {forwarded} forwarded")),
            order = upstream.recv() => {
                let Some(order) = order else {
                    return forwarded;
                };
                // Downstream may be full for a while: go on reporting meanwhile.
                tokio::select! {
                    sent = downstream.send(order) => {
                        if sent.is_err() {
                            return forwarded;
                        }
                        forwarded += 1;
                    }
                    _ = stats.tick() => report(format!("stats: {forwarded} forwarded")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! # Solution of exercise 23
//!
//! The starter raced `downstream.send(order)` against the stats tick. `send`
//! is not cancel safe: when the tick wins, the `send` future is dropped, and
//! the order inside it with it. The fix never holds an order across an
//! `.await`: it first reserves a place downstream (`reserve`, cancel safe:
//! losing a race loses only the place in the queue), then waits for an order
//! (`recv`, cancel safe), and hands it over with `Permit::send`, which is
//! synchronous. Between taking the order and delivering it there is no
//! `.await`, so no `select!` and no drop can come in between: that is also
//! what makes `forward` itself cancel safe. Every branch that waits is
//! raced against the tick (`Interval::tick`, cancel safe).

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
    // ANCHOR: forward
    let mut stats = interval_at(Instant::now() + STATS_EVERY, STATS_EVERY);
    let mut forwarded = 0;
    loop {
        tokio::select! {
            _ = stats.tick() => report(format!("stats: {forwarded} forwarded")),
            permit = downstream.reserve() => {
                // A place downstream is ours; nothing was taken from upstream yet.
                let Ok(permit) = permit else {
                    return forwarded;
                };
                let order = loop {
                    tokio::select! {
                        _ = stats.tick() => report(format!("stats: {forwarded} forwarded")),
                        order = upstream.recv() => break order,
                    }
                };
                let Some(order) = order else {
                    return forwarded;
                };
                permit.send(order); // synchronous: no `.await` between recv and send
                forwarded += 1;
            }
        }
    }
    // ANCHOR_END: forward
}

#[cfg(test)]
#[path = "../../../exercises/23_cancel_safe_apis/src/tests.rs"]
mod tests;

//! # Solution of exercise 03: a delay that does not hear the token
//!
//! Chapter: "Checking for cancellation" (`src/checking.md`).
//!
//! `select!` polls both futures and finishes with whichever is ready first,
//! dropping the other. `token.cancelled()` registers a waker with the token,
//! so `cancel()` wakes this task at once, wherever the clock is. `biased;`
//! makes the order explicit: if both are ready in the same poll (the token was
//! already cancelled), cancellation wins.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The work was stopped by its token before it was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

// ANCHOR: delay
/// Waits for `duration`, or until `token` is cancelled, whichever comes first.
pub async fn delay(duration: Duration, token: &CancellationToken) -> Result<(), Cancelled> {
    tokio::select! {
        biased;
        _ = token.cancelled() => Err(Cancelled),
        _ = tokio::time::sleep(duration) => Ok(()),
    }
}
// ANCHOR_END: delay

#[cfg(test)]
#[path = "../../../exercises/03_checking/src/tests.rs"]
mod tests;

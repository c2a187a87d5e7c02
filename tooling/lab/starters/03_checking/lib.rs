//! # Exercise 03: a delay that does not hear the token
//!
//! Chapter: "Checking for cancellation" (`src/checking.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check checking`.
//!
//! `delay` is this code base's `Task.Delay(duration, token)`: it waits for
//! `duration`, unless the token is cancelled first, in which case it must
//! return `Err(Cancelled)` *at once*, not when the time is up. A retry loop
//! that waits 30 s between attempts uses it; at shutdown the loop must stop
//! now, not in half a minute.
//!
//! The version below looks at the token once, before it starts waiting, and
//! then sleeps with its ears shut. Make it wake up when the token is
//! cancelled.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The work was stopped by its token before it was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Waits for `duration`, or until `token` is cancelled, whichever comes first.
pub async fn delay(duration: Duration, token: &CancellationToken) -> Result<(), Cancelled> {
    if token.is_cancelled() {
        return Err(Cancelled);
    }
    tokio::time::sleep(duration).await;
    Ok(())
}

#[cfg(test)]
mod tests;

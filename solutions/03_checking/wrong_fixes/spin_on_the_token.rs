// WRONG FIX: spin in a loop that checks the token and the clock, with no `.await`. Nothing else can run on that thread: the clock never moves and nobody can cancel, so it hangs.
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The work was stopped by its token before it was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Waits for `duration`, or until `token` is cancelled, whichever comes first.
pub async fn delay(duration: Duration, token: &CancellationToken) -> Result<(), Cancelled> {
    // Keep an eye on the token the whole time, like SpinWait.SpinUntil.
    let deadline = tokio::time::Instant::now() + duration;
    while tokio::time::Instant::now() < deadline {
        if token.is_cancelled() {
            return Err(Cancelled);
        }
        std::hint::spin_loop();
    }
    Ok(())
}

#[cfg(test)]
mod tests;

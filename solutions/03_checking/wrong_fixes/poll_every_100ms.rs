// WRONG FIX: sleep in 100 ms slices and check the token in between. It wakes up ten times a second for nothing, and still hears the cancel late.
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The work was stopped by its token before it was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Waits for `duration`, or until `token` is cancelled, whichever comes first.
pub async fn delay(duration: Duration, token: &CancellationToken) -> Result<(), Cancelled> {
    // Sleep in short slices and look at the token between them.
    let deadline = tokio::time::Instant::now() + duration;
    while tokio::time::Instant::now() < deadline {
        if token.is_cancelled() {
            return Err(Cancelled);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

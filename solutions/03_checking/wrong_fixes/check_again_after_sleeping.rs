// WRONG FIX: check the token again after the sleep. The answer is right, but it comes when the full duration is over, not when the token is cancelled.
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
    if token.is_cancelled() {
        return Err(Cancelled);
    }
    Ok(())
}

#[cfg(test)]
mod tests;

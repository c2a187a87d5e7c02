// WRONG FIX: `token.run_until_cancelled(sleep(d)).await; Ok(())`. It wakes at once, but reports a cancelled delay as finished (`Ok`), so the caller carries on.
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The work was stopped by its token before it was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Waits for `duration`, or until `token` is cancelled, whichever comes first.
pub async fn delay(duration: Duration, token: &CancellationToken) -> Result<(), Cancelled> {
    // Stops the sleep as soon as the token is cancelled.
    token.run_until_cancelled(tokio::time::sleep(duration)).await;
    Ok(())
}

#[cfg(test)]
mod tests;

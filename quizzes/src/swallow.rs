//! "Swallowed cancellation": a retry loop that treats a cancel as a failure.

use std::time::Duration;

use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

use crate::{Question, cancel_after, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("swallow-retry-after-cancel", attempts_after_cancel)]
}

// ANCHOR: attempts_after_cancel
#[derive(Debug)]
enum Error {
    Cancelled,
    Unavailable,
}

/// One try: the service is down, so it fails after 1 s (or at the cancel).
async fn attempt(token: &CancellationToken) -> Result<(), Error> {
    match token
        .run_until_cancelled(sleep(Duration::from_secs(1)))
        .await
    {
        None => Err(Error::Cancelled),
        Some(()) => Err(Error::Unavailable),
    }
}

pub async fn attempts_after_cancel() -> u32 {
    let token = CancellationToken::new();
    cancel_after(&token, Duration::from_millis(1500));
    let mut attempts = 0;
    for _ in 0..5 {
        attempts += 1;
        match attempt(&token).await {
            Ok(()) => break,
            Err(_) => continue, // any error: try again
        }
    }
    attempts
}
// ANCHOR_END: attempts_after_cancel

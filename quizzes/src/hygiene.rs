//! "Token hygiene": a new token is `CancellationToken.None`.

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

use crate::{Question, cancel_after, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("hygiene-new-token", new_token)]
}

// ANCHOR: new_token
/// Returns when the work ended, in seconds of virtual time.
pub async fn new_token() -> f64 {
    let start = Instant::now();
    let shutdown = CancellationToken::new();
    cancel_after(&shutdown, Duration::from_secs(1));
    let own = CancellationToken::new(); // a stop of our own for this work
    let _ = own.run_until_cancelled(sleep(Duration::from_secs(5))).await;
    start.elapsed().as_secs_f64()
}
// ANCHOR_END: new_token

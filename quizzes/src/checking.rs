//! "Checking for cancellation": looking at the token only between steps.

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

use crate::{Question, cancel_after, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("checking-between-steps", check_between_steps),
        paused!("checking-run-until-cancelled", wait_until_cancelled),
    ]
}

// ANCHOR: check_between_steps
/// Returns when the loop ended, in seconds of virtual time.
pub async fn check_between_steps() -> f64 {
    let start = Instant::now();
    let token = CancellationToken::new();
    cancel_after(&token, Duration::from_millis(2500));
    for _step in 0..5 {
        if token.is_cancelled() {
            break;
        }
        sleep(Duration::from_secs(1)).await; // one step of the work
    }
    start.elapsed().as_secs_f64()
}
// ANCHOR_END: check_between_steps

// ANCHOR: wait_until_cancelled
pub async fn wait_until_cancelled() -> String {
    let start = Instant::now();
    let token = CancellationToken::new();
    cancel_after(&token, Duration::from_millis(2500));
    let result = token
        .run_until_cancelled(sleep(Duration::from_secs(10)))
        .await;
    format!("{result:?} at {:?}", start.elapsed())
}
// ANCHOR_END: wait_until_cancelled

//! "Why cancel?": dropping a future is cancelling it.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("why-steps-before-timeout", steps_before_timeout)]
}

// ANCHOR: steps_before_timeout
/// A report of five steps, one second each, under a 2.5 s limit.
pub async fn steps_before_timeout() -> u32 {
    let mut steps = 0;
    let report = async {
        for _ in 0..5 {
            sleep(Duration::from_secs(1)).await;
            steps += 1;
        }
    };
    let _ = timeout(Duration::from_millis(2500), report).await;
    steps
}
// ANCHOR_END: steps_before_timeout

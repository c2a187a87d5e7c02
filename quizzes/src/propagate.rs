//! "Passing cancellation down": a spawn breaks the chain.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::{Counter, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("propagate-spawn-breaks-chain", spawned_steps)]
}

// ANCHOR: spawned_steps
pub async fn spawned_steps() -> u32 {
    let steps = Counter::default();
    let inner = {
        let steps = steps.clone();
        async move {
            for _ in 0..3 {
                sleep(Duration::from_secs(1)).await;
                steps.add();
            }
        }
    };
    let outer = async { tokio::spawn(inner).await };
    let _ = timeout(Duration::from_millis(1500), outer).await;
    sleep(Duration::from_secs(60)).await; // long after the time limit
    steps.get()
}
// ANCHOR_END: spawned_steps

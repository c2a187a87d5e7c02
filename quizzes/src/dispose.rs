//! "No Dispose needed": a guard that cancels, and when it is dropped.

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("dispose-let-underscore", let_underscore_guard),
        paused!("dispose-disarmed", disarmed_guard),
    ]
}

// ANCHOR: let_underscore_guard
/// The guard should stop the worker at the end of the block, at t=3s.
/// Returns when the worker stopped, in seconds of virtual time.
pub async fn let_underscore_guard() -> f64 {
    let start = Instant::now();
    let token = CancellationToken::new();
    let worker = tokio::spawn({
        let token = token.clone();
        async move {
            let _ = token
                .run_until_cancelled(sleep(Duration::from_secs(60)))
                .await;
            start.elapsed()
        }
    });
    {
        let _ = token.clone().drop_guard();
        sleep(Duration::from_secs(3)).await; // the owner's own work
    }
    worker.await.unwrap().as_secs_f64()
}
// ANCHOR_END: let_underscore_guard

// ANCHOR: disarmed_guard
pub async fn disarmed_guard() -> bool {
    let token = CancellationToken::new();
    {
        let guard = token.clone().drop_guard();
        let _token_again = guard.disarm();
    }
    token.is_cancelled()
}
// ANCHOR_END: disarmed_guard

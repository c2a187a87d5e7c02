//! Examples for "Why cancel?" (src/why.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

// ANCHOR: owned_future
/// The work is part of the caller's future: dropping that future stops it.
pub async fn count_steps(steps: Arc<AtomicU32>) {
    for _ in 0..35 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        steps.fetch_add(1, Ordering::SeqCst);
    }
}

pub async fn caller(steps: Arc<AtomicU32>) {
    // The caller gives up after 5.5 s: `timeout` drops `count_steps(..)`.
    let outcome = tokio::time::timeout(Duration::from_millis(5500), count_steps(steps)).await;
    assert!(outcome.is_err());
}
// ANCHOR_END: owned_future

// ANCHOR: abort_on_drop
/// The work runs on a task of its own, but the handle aborts it when the
/// caller's future is dropped.
pub async fn count_steps_on_a_task(steps: Arc<AtomicU32>) {
    let task = AbortOnDropHandle::new(tokio::spawn(count_steps(steps)));
    task.await.expect("the task panicked or was aborted");
}
// ANCHOR_END: abort_on_drop

// ANCHOR: token_for_a_worker
/// A background worker that nobody awaits: a token is how it hears "stop".
pub fn start_worker(
    token: CancellationToken,
    steps: Arc<AtomicU32>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    steps.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    })
}
// ANCHOR_END: token_for_a_worker

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;

    #[test]
    fn dropping_the_future_stops_the_steps() {
        paused(|| async {
            let steps = Arc::new(AtomicU32::new(0));
            caller(steps.clone()).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(steps.load(Ordering::SeqCst), 5);
        });
    }

    #[test]
    fn an_abort_on_drop_handle_stops_its_task() {
        paused(|| async {
            let steps = Arc::new(AtomicU32::new(0));
            let outcome = tokio::time::timeout(
                Duration::from_millis(5500),
                count_steps_on_a_task(steps.clone()),
            )
            .await;
            assert!(outcome.is_err());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(steps.load(Ordering::SeqCst), 5);
        });
    }

    #[test]
    fn a_worker_stops_when_its_token_is_cancelled() {
        paused(|| async {
            let steps = Arc::new(AtomicU32::new(0));
            let token = CancellationToken::new();
            let worker = start_worker(token.clone(), steps.clone());
            tokio::time::sleep(Duration::from_millis(3500)).await;
            token.cancel();
            worker.await.unwrap();
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(steps.load(Ordering::SeqCst), 3);
        });
    }
}

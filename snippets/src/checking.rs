//! Examples for "Checking for cancellation" (src/checking.md).

use std::future::Future;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

// ANCHOR: throw_if_cancelled
/// CPU-bound work with no `.await`: it has to look at the token itself.
/// Looking once per 4096 rows keeps the check cheap and the answer quick.
pub fn checksum(rows: &[u64], token: &CancellationToken) -> Result<u64, Cancelled> {
    let mut sum = 0u64;
    for (index, row) in rows.iter().enumerate() {
        if index % 4096 == 0 && token.is_cancelled() {
            return Err(Cancelled);
        }
        sum = sum.wrapping_mul(31).wrapping_add(*row);
    }
    Ok(sum)
}
// ANCHOR_END: throw_if_cancelled

// ANCHOR: register
/// Runs `callback` once, when `token` is cancelled: .NET's `token.Register`.
/// Abort (or drop, with `AbortOnDropHandle`) the returned handle to unregister.
pub fn on_cancel(
    token: &CancellationToken,
    callback: impl FnOnce() + Send + 'static,
) -> JoinHandle<()> {
    let cancelled = token.clone().cancelled_owned();
    tokio::spawn(async move {
        cancelled.await;
        callback();
    })
}
// ANCHOR_END: register

// ANCHOR: pause
/// Waits before the next attempt of a retry loop, unless the token fires:
/// then the whole loop should stop, so the caller gets `Err(Cancelled)`.
pub async fn pause_before_retry(attempt: u32, token: &CancellationToken) -> Result<(), Cancelled> {
    let backoff = std::time::Duration::from_secs(2u64.pow(attempt.min(5)));
    tokio::select! {
        _ = token.cancelled() => Err(Cancelled),
        _ = tokio::time::sleep(backoff) => Ok(()),
    }
}
// ANCHOR_END: pause

// ANCHOR: run_until_cancelled
/// Runs `work` unless the token is cancelled first; `None` means cancelled.
pub async fn fetch_or_stop<T>(
    work: impl Future<Output = T>,
    token: &CancellationToken,
) -> Result<T, Cancelled> {
    token.run_until_cancelled(work).await.ok_or(Cancelled)
}
// ANCHOR_END: run_until_cancelled

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;
    use test_support::paused;

    #[test]
    fn checksum_stops_when_cancelled() {
        let token = CancellationToken::new();
        let rows: Vec<u64> = (0..10_000).collect();
        assert!(checksum(&rows, &token).is_ok());
        token.cancel();
        assert_eq!(checksum(&rows, &token), Err(Cancelled));
    }

    #[test]
    fn the_callback_runs_when_the_token_is_cancelled() {
        paused(|| async {
            let token = CancellationToken::new();
            let called = Arc::new(AtomicBool::new(false));
            let flag = called.clone();
            let registration = on_cancel(&token, move || flag.store(true, Ordering::SeqCst));
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert!(!called.load(Ordering::SeqCst));
            token.cancel();
            registration.await.unwrap();
            assert!(called.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn run_until_cancelled_gives_the_value_or_cancelled() {
        paused(|| async {
            let token = CancellationToken::new();
            let quick = async { 42 };
            assert_eq!(fetch_or_stop(quick, &token).await, Ok(42));
            let slow = tokio::time::sleep(Duration::from_secs(60));
            let canceller = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                canceller.cancel();
            });
            assert_eq!(fetch_or_stop(slow, &token).await, Err(Cancelled));
        });
    }

    #[test]
    fn the_pause_ends_early_when_the_token_fires() {
        paused(|| async {
            let token = CancellationToken::new();
            let start = tokio::time::Instant::now();
            assert_eq!(pause_before_retry(3, &token).await, Ok(()));
            assert_eq!(start.elapsed(), Duration::from_secs(8));

            let canceller = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                canceller.cancel();
            });
            let start = tokio::time::Instant::now();
            assert_eq!(pause_before_retry(3, &token).await, Err(Cancelled));
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        });
    }
}

//! Examples for "Blocking and CPU-bound work" (src/blocking.md).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;

use futures_util::{StreamExt, stream};
use tokio::task::coop::consume_budget;
use tokio::task::yield_now;
use tokio_util::sync::CancellationToken;

// ANCHOR: abort_does_nothing
/// Aborts a blocking task that is already running: nothing happens to it.
/// The closure runs to its end, and the handle still returns its result.
pub async fn abort_a_running_blocking_task() -> Result<&'static str, tokio::task::JoinError> {
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let (finish_tx, finish) = std_mpsc::channel::<()>();
    let handle = tokio::task::spawn_blocking(move || {
        started_tx.send(()).unwrap();
        finish.recv().unwrap(); // stands for minutes of work
        "finished anyway"
    });
    started.await.unwrap(); // the closure is running now
    handle.abort(); // no effect on a running blocking task
    finish_tx.send(()).unwrap();
    handle.await
}
// ANCHOR_END: abort_does_nothing

#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

// ANCHOR: checks_the_token
/// Derives a key by hashing a password many times over (deliberately slow,
/// like PBKDF2). Nothing outside can stop this loop, so it looks at the
/// token itself: not on every round (it takes a lock), but every 10,000.
pub fn stretch_key(
    password: &[u8],
    rounds: u64,
    token: &CancellationToken,
) -> Result<u64, Cancelled> {
    let mut key = password
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |key, &byte| {
            (key ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
        });
    for round in 0..rounds {
        if round % 10_000 == 0 && token.is_cancelled() {
            return Err(Cancelled);
        }
        key = (key ^ round).wrapping_mul(0x100_0000_01b3).rotate_left(17);
    }
    Ok(key)
}

/// Runs it on the blocking pool, where it cannot hold up the async threads.
pub async fn stretch_key_in_background(
    password: Vec<u8>,
    rounds: u64,
    token: &CancellationToken,
) -> Result<u64, Cancelled> {
    run_blocking(token, move |stop| stretch_key(&password, rounds, stop)).await
}
// ANCHOR_END: checks_the_token

// ANCHOR: run_blocking
/// Runs blocking `work` with a token of its own: a child of `token`, so it
/// is cancelled with the caller's token, and also when the caller drops
/// this future, by the guard. The caller's token itself is never cancelled.
pub async fn run_blocking<T: Send + 'static>(
    token: &CancellationToken,
    work: impl FnOnce(&CancellationToken) -> T + Send + 'static,
) -> T {
    let stop = token.child_token();
    let _stop_when_dropped = stop.clone().drop_guard();
    tokio::task::spawn_blocking(move || work(&stop))
        .await
        .expect("the blocking work panicked")
}
// ANCHOR_END: run_blocking

// ANCHOR: no_await
/// Sums a large slice in an `async fn` without a single `.await`: once
/// polled, it runs to the end. No timeout, `select!` or abort can stop it
/// in between, and nothing else runs on its thread meanwhile.
pub async fn sum_without_yielding(values: &[u64], seen: &AtomicUsize) -> u64 {
    let mut sum = 0;
    for value in values {
        sum += value;
        seen.fetch_add(1, Ordering::Relaxed);
    }
    sum
}

/// The same loop, cooperative: `consume_budget` yields to the runtime once
/// the task has used up its budget, so it can be dropped at that `.await`.
pub async fn sum_cooperatively(values: &[u64], seen: &AtomicUsize) -> u64 {
    let mut sum = 0;
    for value in values {
        consume_budget().await;
        sum += value;
        seen.fetch_add(1, Ordering::Relaxed);
    }
    sum
}
// ANCHOR_END: no_await

// ANCHOR: ready_await
/// Awaits every value, and still never gives the thread back: a stream over
/// values already in memory is always ready, and an `.await` on a ready
/// future goes straight on.
pub async fn sum_stream(values: &[u64], seen: &AtomicUsize) -> u64 {
    let mut values = stream::iter(values);
    let mut sum = 0;
    while let Some(value) = values.next().await {
        sum += value;
        seen.fetch_add(1, Ordering::Relaxed);
    }
    sum
}

/// The same loop, with a yield every 1024 values: `yield_now` always returns
/// `Pending` once, so other tasks (and a timeout) get their turn there.
pub async fn sum_stream_yielding(values: &[u64], seen: &AtomicUsize) -> u64 {
    let mut values = stream::iter(values);
    let mut sum = 0;
    while let Some(value) = values.next().await {
        sum += value;
        if seen.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            yield_now().await;
        }
    }
    sum
}
// ANCHOR_END: ready_await

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use test_support::{paused, real_time};

    #[test]
    fn abort_does_not_stop_a_running_blocking_task() {
        real_time(|| async {
            assert_eq!(
                abort_a_running_blocking_task().await.unwrap(),
                "finished anyway"
            );
        });
    }

    #[test]
    fn the_key_is_the_same_each_time() {
        let token = CancellationToken::new();
        assert_eq!(
            stretch_key(b"secret", 50_000, &token),
            stretch_key(b"secret", 50_000, &token)
        );
    }

    #[test]
    fn a_cancelled_token_stops_the_stretching() {
        real_time(|| async {
            let token = CancellationToken::new();
            token.cancel();
            // A billion rounds would take minutes; a cancelled token stops them at once.
            let result = stretch_key_in_background(b"secret".to_vec(), 1_000_000_000, &token).await;
            assert_eq!(result, Err(Cancelled));
        });
    }

    #[test]
    fn dropping_the_future_stops_the_thread_but_not_the_callers_token() {
        real_time(|| async {
            let token = CancellationToken::new();
            let (stop_tx, stop) = tokio::sync::oneshot::channel();
            let (done_tx, done) = tokio::sync::oneshot::channel();
            let caller = tokio::spawn({
                let token = token.clone();
                async move {
                    run_blocking(&token, move |stop| {
                        stop_tx.send(stop.clone()).unwrap();
                        let _ = done_tx.send(stretch_key(b"secret", 1_000_000_000, stop));
                    })
                    .await
                }
            });
            let stop = stop.await.unwrap(); // the blocking work has started
            caller.abort(); // the caller's future is dropped...
            let _ = caller.await;
            assert!(stop.is_cancelled()); // ...its guard cancelled the work's token
            assert!(!token.is_cancelled()); // but not the caller's own token
            let result = tokio::time::timeout(Duration::from_secs(5), done).await;
            assert_eq!(result.unwrap().unwrap(), Err(Cancelled));
        });
    }

    /// Another task cancels the token as soon as it gets a turn.
    fn cancel_when_scheduled() -> CancellationToken {
        let token = CancellationToken::new();
        let canceller = token.clone();
        tokio::spawn(async move { canceller.cancel() });
        token
    }

    #[test]
    fn a_loop_without_await_cannot_be_interrupted() {
        paused(|| async {
            let values = vec![1; 1_000_000];
            let seen = AtomicUsize::new(0);
            let token = cancel_when_scheduled();
            let outcome = tokio::select! {
                _ = token.cancelled() => None,
                sum = sum_without_yielding(&values, &seen) => Some(sum),
            };
            // The cancelling task never got a turn before the loop ended.
            assert_eq!(outcome, Some(1_000_000));
            assert_eq!(seen.load(Ordering::SeqCst), 1_000_000);
        });
    }

    #[test]
    fn a_cooperative_loop_is_interrupted_early() {
        paused(|| async {
            let values = vec![1; 1_000_000];
            let seen = AtomicUsize::new(0);
            let token = cancel_when_scheduled();
            let outcome = tokio::select! {
                _ = token.cancelled() => None,
                sum = sum_cooperatively(&values, &seen) => Some(sum),
            };
            assert_eq!(outcome, None);
            // Dropped at a `consume_budget().await` after a few hundred values.
            assert!(seen.load(Ordering::SeqCst) < 1_000, "{seen:?}");
        });
    }

    #[test]
    fn a_loop_of_ready_awaits_cannot_be_interrupted() {
        paused(|| async {
            let values = vec![1; 1_000_000];
            let seen = AtomicUsize::new(0);
            let token = cancel_when_scheduled();
            let outcome = tokio::select! {
                _ = token.cancelled() => None,
                sum = sum_stream(&values, &seen) => Some(sum),
            };
            assert_eq!(outcome, Some(1_000_000));
        });
    }

    #[test]
    fn a_loop_that_yields_now_and_then_is_interrupted_early() {
        paused(|| async {
            let values = vec![1; 1_000_000];
            let seen = AtomicUsize::new(0);
            let token = cancel_when_scheduled();
            let outcome = tokio::select! {
                _ = token.cancelled() => None,
                sum = sum_stream_yielding(&values, &seen) => Some(sum),
            };
            assert_eq!(outcome, None);
            // Dropped at its first or second `yield_now().await`.
            assert!(seen.load(Ordering::SeqCst) <= 2048, "{seen:?}");
        });
    }
}

//! Examples for "Token hygiene" (src/hygiene.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

// ANCHOR: no_token
/// Makes a thumbnail in four steps of a second. No token: whoever awaits
/// this can stop it by dropping it.
pub async fn make_thumbnail(photo: u32, steps: &AtomicU32) -> u32 {
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        steps.fetch_add(1, Ordering::SeqCst);
    }
    photo + 1_000_000
}
// ANCHOR_END: no_token

// ANCHOR: caller_decides
use tokio_util::future::FutureExt as _;

/// The caller has a token; the callee does not need one.
pub async fn thumbnail_for_request(
    photo: u32,
    request_aborted: &CancellationToken,
    steps: &AtomicU32,
) -> Result<u32, Cancelled> {
    make_thumbnail(photo, steps)
        .with_cancellation_token(request_aborted) // None if the token fires first
        .await
        .ok_or(Cancelled)
}
// ANCHOR_END: caller_decides

// ANCHOR: by_reference
/// Waits for a payment to be confirmed, checking every 2 s. It runs on a
/// task of its own (below), where no caller can drop it, so it listens to a
/// token, which it borrows.
pub async fn wait_for_payment(
    confirmed_after: u32,
    token: &CancellationToken,
) -> Result<u32, Cancelled> {
    let mut checks = 0;
    loop {
        tokio::select! {
            _ = token.cancelled() => return Err(Cancelled),
            _ = tokio::time::sleep(Duration::from_secs(2)) => checks += 1,
        }
        if checks == confirmed_after {
            return Ok(checks);
        }
    }
}

/// Starts a task that needs a token of its own: it makes one from the
/// token it was lent, so the caller's shutdown still reaches it.
pub fn watch_payment(token: &CancellationToken, tracker: &TaskTracker) {
    let token = token.child_token();
    tracker.spawn(async move { wait_for_payment(u32::MAX, &token).await });
}
// ANCHOR_END: by_reference

// ANCHOR: none_at_the_call_site
/// Archives a customer's three invoices. It was given a token, but hands
/// each call a brand-new one: nobody holds a clone of those, so nothing can
/// cancel them. `&CancellationToken::new()` is `CancellationToken.None`.
pub async fn archive_invoices(_token: &CancellationToken) -> Result<(), Cancelled> {
    for _invoice in 0..3 {
        wait_for_payment(2, &CancellationToken::new()).await?;
    }
    Ok(())
}
// ANCHOR_END: none_at_the_call_site

// ANCHOR: orphan
/// Starts a cache refresher that can be stopped on its own. Its token comes
/// from `new()`: it has no parent, so the application's shutdown never
/// reaches it.
pub fn start_refresher_orphan(
    tracker: &TaskTracker,
    refreshes: Arc<AtomicU32>,
) -> CancellationToken {
    let stop = CancellationToken::new();
    tracker.spawn(refresh_every_second(stop.clone(), refreshes));
    stop
}
// ANCHOR_END: orphan

// ANCHOR: child
/// The same refresher, as a child of the application's token: its own
/// `cancel()` stops the refresher alone, and the shutdown stops it too.
pub fn start_refresher(
    app: &CancellationToken,
    tracker: &TaskTracker,
    refreshes: Arc<AtomicU32>,
) -> CancellationToken {
    let stop = app.child_token();
    tracker.spawn(refresh_every_second(stop.clone(), refreshes));
    stop
}
// ANCHOR_END: child

async fn refresh_every_second(token: CancellationToken, refreshes: Arc<AtomicU32>) {
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                refreshes.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::cancel_after;
    use test_support::paused;
    use tokio::time::{Instant, sleep, timeout};

    #[test]
    fn the_caller_cancels_a_function_that_takes_no_token() {
        paused(|| async {
            let steps = AtomicU32::new(0);
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(1500));
            assert_eq!(
                thumbnail_for_request(7, &token, &steps).await,
                Err(Cancelled)
            );
            sleep(Duration::from_secs(60)).await;
            assert_eq!(steps.load(Ordering::SeqCst), 1);

            let steps = AtomicU32::new(0);
            let token = CancellationToken::new();
            assert_eq!(
                thumbnail_for_request(7, &token, &steps).await,
                Ok(1_000_007)
            );
        });
    }

    #[test]
    fn a_borrowed_token_stops_the_wait_and_the_task_made_from_it() {
        paused(|| async {
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(3500));
            let start = Instant::now();
            assert_eq!(wait_for_payment(10, &token).await, Err(Cancelled));
            assert_eq!(start.elapsed(), Duration::from_millis(3500));

            let app = CancellationToken::new();
            let tracker = TaskTracker::new();
            watch_payment(&app, &tracker);
            tracker.close();
            app.cancel();
            assert!(
                timeout(Duration::from_secs(1), tracker.wait())
                    .await
                    .is_ok()
            );
        });
    }

    #[test]
    fn a_new_token_at_the_call_site_cannot_be_cancelled() {
        paused(|| async {
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(1500));
            let start = Instant::now();
            assert_eq!(archive_invoices(&token).await, Ok(()));
            // Three waits of 2 checks of 2 s each, all of it after the cancel.
            assert_eq!(start.elapsed(), Duration::from_secs(12));
        });
    }

    #[test]
    fn shutdown_does_not_reach_an_orphan() {
        paused(|| async {
            let app = CancellationToken::new();
            let tracker = TaskTracker::new();
            let refreshes = Arc::new(AtomicU32::new(0));
            let _stop = start_refresher_orphan(&tracker, refreshes.clone());
            sleep(Duration::from_millis(2500)).await;
            app.cancel();
            tracker.close();
            assert!(
                timeout(Duration::from_secs(1), tracker.wait())
                    .await
                    .is_err()
            );
            assert_eq!(refreshes.load(Ordering::SeqCst), 3); // still refreshing at t=3s
        });
    }

    #[test]
    fn shutdown_reaches_a_child_and_the_child_stops_alone() {
        paused(|| async {
            let app = CancellationToken::new();
            let tracker = TaskTracker::new();
            let refreshes = Arc::new(AtomicU32::new(0));
            let first = start_refresher(&app, &tracker, refreshes.clone());
            let _second = start_refresher(&app, &tracker, refreshes.clone());
            sleep(Duration::from_millis(2500)).await;
            first.cancel(); // stops the first refresher only
            assert!(!app.is_cancelled());
            sleep(Duration::from_millis(10)).await;
            assert_eq!(tracker.len(), 1);

            app.cancel();
            tracker.close();
            assert!(
                timeout(Duration::from_secs(1), tracker.wait())
                    .await
                    .is_ok()
            );
        });
    }
}

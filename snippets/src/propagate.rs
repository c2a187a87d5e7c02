//! Examples for "Passing cancellation down" (src/propagate.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

// ANCHOR: layers
/// Repository: one query. No token: if its future is dropped, it stops.
pub async fn load_line(invoice: u32, line: u32, queries: &AtomicU32) -> u32 {
    tokio::time::sleep(Duration::from_secs(1)).await; // the query
    queries.fetch_add(1, Ordering::SeqCst);
    invoice * 1000 + line
}

/// Service: twenty queries in a row. No token either: it is awaited, so it
/// stops wherever its caller stops it.
pub async fn build_invoice(invoice: u32, queries: &AtomicU32) -> Vec<u32> {
    let mut lines = Vec::new();
    for line in 1..=20 {
        lines.push(load_line(invoice, line, queries).await);
    }
    lines
}

/// Controller: the one place that hears the request's token. When it
/// fires, `run_until_cancelled` drops `build_invoice(..)`, and with it the
/// query in flight.
pub async fn get_invoice(
    invoice: u32,
    request_aborted: &CancellationToken,
    queries: &AtomicU32,
) -> Result<Vec<u32>, Cancelled> {
    request_aborted
        .run_until_cancelled(build_invoice(invoice, queries))
        .await
        .ok_or(Cancelled)
}
// ANCHOR_END: layers

// ANCHOR: detached
/// The same service with its loop moved to a task, "to keep the request
/// free". The task belongs to the runtime: when the controller drops this
/// future, only the JoinHandle is dropped, and the loop goes on.
pub async fn build_invoice_detached(invoice: u32, queries: Arc<AtomicU32>) -> Vec<u32> {
    let task = tokio::spawn(async move { build_invoice(invoice, &queries).await });
    task.await.expect("the invoice task panicked")
}
// ANCHOR_END: detached

// ANCHOR: ignored
/// Takes a token, as the convention says, and never looks at it. The leading
/// underscore silences the compiler's "unused variable" warning, and with it
/// the one hint that something is wrong.
pub async fn build_invoice_for(
    invoice: u32,
    _token: &CancellationToken,
    queries: &AtomicU32,
) -> Vec<u32> {
    build_invoice(invoice, queries).await
}
// ANCHOR_END: ignored

/// Syncs the catalogue once: 20 products, a second each.
pub async fn sync_catalogue(synced: &AtomicU32) {
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        synced.fetch_add(1, Ordering::SeqCst);
    }
}

// ANCHOR: outer_loop_only
/// A background worker that syncs the catalogue again and again until its
/// token is cancelled. The token stops at the outer loop: a sync in progress
/// never hears it, and runs to its end first.
pub async fn sync_worker(token: CancellationToken, synced: Arc<AtomicU32>) {
    while !token.is_cancelled() {
        sync_catalogue(&synced).await;
    }
}
// ANCHOR_END: outer_loop_only

// ANCHOR: inner_loop_too
/// The token reaches the work in progress too: the sync in flight is
/// dropped the moment the token fires.
pub async fn sync_worker_to_the_bottom(token: CancellationToken, synced: Arc<AtomicU32>) {
    loop {
        if token
            .run_until_cancelled(sync_catalogue(&synced))
            .await
            .is_none()
        {
            return; // cancelled, during a sync or between two
        }
    }
}
// ANCHOR_END: inner_loop_too

// ANCHOR: side_by_side
/// Two invoices at once, in one task: `join!` polls both futures inside
/// this one, so they run side by side and are dropped together with it.
pub async fn build_two_invoices(queries: &AtomicU32) -> (Vec<u32>, Vec<u32>) {
    tokio::join!(build_invoice(1, queries), build_invoice(2, queries))
}
// ANCHOR_END: side_by_side

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::cancel_after;
    use test_support::paused;
    use tokio::time::{Instant, sleep, timeout};

    #[test]
    fn the_token_at_the_top_stops_every_layer_below() {
        paused(|| async {
            let queries = AtomicU32::new(0);
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(3500));
            let start = Instant::now();
            assert_eq!(get_invoice(7, &token, &queries).await, Err(Cancelled));
            assert_eq!(start.elapsed(), Duration::from_millis(3500));
            sleep(Duration::from_secs(60)).await;
            assert_eq!(queries.load(Ordering::SeqCst), 3);
        });
    }

    #[test]
    fn an_uncancelled_invoice_has_twenty_lines() {
        paused(|| async {
            let queries = AtomicU32::new(0);
            let lines = get_invoice(7, &CancellationToken::new(), &queries).await;
            assert_eq!(lines.map(|lines| lines.len()), Ok(20));
        });
    }

    #[test]
    fn a_spawned_loop_goes_on_after_its_caller_is_dropped() {
        paused(|| async {
            let queries = Arc::new(AtomicU32::new(0));
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(3500));
            let outcome = token
                .run_until_cancelled(build_invoice_detached(7, queries.clone()))
                .await;
            assert!(outcome.is_none()); // the caller saw "cancelled" at t=3.5s...
            sleep(Duration::from_secs(60)).await;
            assert_eq!(queries.load(Ordering::SeqCst), 20); // ...and the queries all ran
        });
    }

    #[test]
    fn an_ignored_token_stops_nothing() {
        paused(|| async {
            let queries = AtomicU32::new(0);
            let token = CancellationToken::new();
            cancel_after(&token, Duration::from_millis(3500));
            let start = Instant::now();
            let lines = build_invoice_for(7, &token, &queries).await;
            assert_eq!(lines.len(), 20);
            assert_eq!(start.elapsed(), Duration::from_secs(20));
        });
    }

    #[test]
    fn a_token_checked_only_in_the_outer_loop_is_heard_late() {
        paused(|| async {
            let synced = Arc::new(AtomicU32::new(0));
            let token = CancellationToken::new();
            let worker = tokio::spawn(sync_worker(token.clone(), synced.clone()));
            sleep(Duration::from_millis(3500)).await;
            token.cancel();
            let cancelled_at = Instant::now();
            worker.await.unwrap();
            // The sync in progress ran to its end: 16.5 s after the cancel.
            assert_eq!(cancelled_at.elapsed(), Duration::from_millis(16500));
            assert_eq!(synced.load(Ordering::SeqCst), 20);
        });
    }

    #[test]
    fn a_token_that_reaches_the_inner_loop_is_heard_at_once() {
        paused(|| async {
            let synced = Arc::new(AtomicU32::new(0));
            let token = CancellationToken::new();
            let worker = tokio::spawn(sync_worker_to_the_bottom(token.clone(), synced.clone()));
            sleep(Duration::from_millis(3500)).await;
            token.cancel();
            let cancelled_at = Instant::now();
            worker.await.unwrap();
            assert_eq!(cancelled_at.elapsed(), Duration::ZERO);
            sleep(Duration::from_secs(60)).await;
            assert_eq!(synced.load(Ordering::SeqCst), 3);
        });
    }

    #[test]
    fn joined_futures_run_side_by_side_and_stop_together() {
        paused(|| async {
            let queries = AtomicU32::new(0);
            let start = Instant::now();
            let (first, second) = build_two_invoices(&queries).await;
            assert_eq!((first.len(), second.len()), (20, 20));
            assert_eq!(start.elapsed(), Duration::from_secs(20)); // not 40

            let queries = AtomicU32::new(0);
            let outcome = timeout(Duration::from_millis(2500), build_two_invoices(&queries)).await;
            assert!(outcome.is_err());
            sleep(Duration::from_secs(60)).await;
            assert_eq!(queries.load(Ordering::SeqCst), 4); // two each, then dropped
        });
    }
}

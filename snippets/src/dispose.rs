//! Examples for "No Dispose needed" (src/dispose.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio_util::sync::{CancellationToken, DropGuard};

// ANCHOR: nothing_to_dispose
/// A token per request, a child per helper: nothing to dispose. A token is
/// a reference-counted handle; the last clone to go frees it.
pub fn per_request(app: &CancellationToken) -> bool {
    let request = app.child_token();
    let helper = request.child_token();
    request.cancel();
    helper.is_cancelled() // true; and all three are freed at the end of scope
}
// ANCHOR_END: nothing_to_dispose

/// Prints a progress line once a second until `stop` is cancelled.
async fn show_progress(stop: CancellationToken, lines: Arc<AtomicU32>) {
    stop.run_until_cancelled(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            lines.fetch_add(1, Ordering::SeqCst);
        }
    })
    .await;
}

#[derive(Debug, PartialEq, Eq)]
pub struct MigrationFailed;

async fn migrate(fails: bool) -> Result<(), MigrationFailed> {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    if fails { Err(MigrationFailed) } else { Ok(()) }
}

// ANCHOR: drop_guard
/// Runs a schema migration with a progress display that stops on every way
/// out: `Ok`, `?`, a panic, or the caller dropping this future.
pub async fn run_migration(lines: Arc<AtomicU32>, fails: bool) -> Result<(), MigrationFailed> {
    let progress = CancellationToken::new();
    tokio::spawn(show_progress(progress.clone(), lines));
    let _stop_progress = progress.drop_guard(); // cancels when dropped

    migrate(fails).await?;
    Ok(())
}
// ANCHOR_END: drop_guard

// ANCHOR: guard_in_a_struct
/// An open session keeps a background pinger alive; closing (dropping) the
/// session stops it. The guard is a field, so it lives as long as the session.
pub struct Session {
    _stop_pinger: DropGuard,
}

#[derive(Debug, PartialEq, Eq)]
pub struct HandshakeFailed;

pub async fn open_session(
    pings: Arc<AtomicU32>,
    accepted: bool,
) -> Result<Session, HandshakeFailed> {
    let pinger = CancellationToken::new();
    tokio::spawn(show_progress(pinger.clone(), pings));
    let stop_pinger = pinger.drop_guard();

    tokio::time::sleep(Duration::from_millis(1500)).await; // the handshake
    if !accepted {
        return Err(HandshakeFailed); // `stop_pinger` is dropped here: the pinger stops
    }
    Ok(Session {
        _stop_pinger: stop_pinger, // moved into the session: the pinger runs on
    })
}
// ANCHOR_END: guard_in_a_struct

// ANCHOR: disarm
/// Starts a worker, but stops it again if the set-up after it fails. Once the
/// set-up succeeded, `disarm` takes the token back out of the guard, without
/// cancelling it, and hands it to the caller, who stops the worker later.
pub async fn start_indexer(
    indexed: Arc<AtomicU32>,
    setup_ok: bool,
) -> Result<CancellationToken, &'static str> {
    let indexer = CancellationToken::new();
    tokio::spawn(show_progress(indexer.clone(), indexed));
    let guard = indexer.drop_guard();

    tokio::time::sleep(Duration::from_millis(500)).await; // open the index
    if !setup_ok {
        return Err("the index is locked"); // the guard cancels the worker
    }
    Ok(guard.disarm()) // no cancel: the caller owns the worker's token now
}
// ANCHOR_END: disarm

// ANCHOR: let_underscore
/// Compiles without a single warning, and cancels the token at once: `_` is
/// not a name, so the guard is dropped at the end of this statement.
pub fn guard_bound_to_underscore(token: &CancellationToken) {
    let _ = token.clone().drop_guard();
    // Here, `token.is_cancelled()` is already true.
}
// ANCHOR_END: let_underscore

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;

    /// `drop_guard_ref` is a method that borrows the token (tokio-util
    /// `src/sync/cancellation_token.rs`: `pub fn drop_guard_ref(&self) ->
    /// DropGuardRef<'_>`), as the chapter writes it.
    #[test]
    fn a_borrowing_guard_cancels_and_leaves_the_token_usable() {
        let token = CancellationToken::new();
        {
            let _guard = token.drop_guard_ref();
            assert!(!token.is_cancelled()); // still ours to use meanwhile
        }
        assert!(token.is_cancelled());
    }

    fn counter() -> Arc<AtomicU32> {
        Arc::new(AtomicU32::new(0))
    }

    fn get(counter: &AtomicU32) -> u32 {
        counter.load(Ordering::SeqCst)
    }

    #[test]
    fn a_child_of_a_cancelled_token_is_cancelled() {
        assert!(per_request(&CancellationToken::new()));
    }

    #[test]
    fn the_guard_stops_the_progress_after_success() {
        paused(|| async {
            let lines = counter();
            assert_eq!(run_migration(lines.clone(), false).await, Ok(()));
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&lines), 2); // t=1s and t=2s
        });
    }

    #[test]
    fn the_guard_stops_the_progress_after_an_error() {
        paused(|| async {
            let lines = counter();
            assert_eq!(
                run_migration(lines.clone(), true).await,
                Err(MigrationFailed)
            );
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&lines), 2);
        });
    }

    #[test]
    fn the_guard_stops_the_progress_when_the_future_is_dropped() {
        paused(|| async {
            let lines = counter();
            let outcome = tokio::time::timeout(
                Duration::from_millis(1500),
                run_migration(lines.clone(), false),
            )
            .await;
            assert!(outcome.is_err());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&lines), 1);
        });
    }

    #[test]
    fn a_session_keeps_its_pinger_until_it_is_dropped() {
        paused(|| async {
            let pings = counter();
            let session = open_session(pings.clone(), true).await.unwrap();
            tokio::time::sleep(Duration::from_millis(2000)).await; // t=3.5s
            assert_eq!(get(&pings), 3);
            drop(session);
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&pings), 3);
        });
    }

    #[test]
    fn a_failed_handshake_stops_the_pinger() {
        paused(|| async {
            let pings = counter();
            assert!(open_session(pings.clone(), false).await.is_err());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&pings), 1);
        });
    }

    #[test]
    fn a_disarmed_guard_leaves_the_token_to_the_caller() {
        paused(|| async {
            let indexed = counter();
            let token = start_indexer(indexed.clone(), true).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3000)).await; // t=3.5s
            assert!(!token.is_cancelled());
            assert_eq!(get(&indexed), 3);
            token.cancel();
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&indexed), 3);
        });
    }

    #[test]
    fn a_failed_setup_stops_the_worker() {
        paused(|| async {
            let indexed = counter();
            assert!(start_indexer(indexed.clone(), false).await.is_err());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(get(&indexed), 0);
        });
    }

    #[test]
    fn a_guard_bound_to_underscore_cancels_at_once() {
        let token = CancellationToken::new();
        guard_bound_to_underscore(&token);
        assert!(token.is_cancelled());
    }
}

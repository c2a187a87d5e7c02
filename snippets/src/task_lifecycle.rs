//! The examples of the "task-lifecycle" chapter (src/task-lifecycle.md) that are not the
//! exercise's solution, compiled and tested here.
//!
//! Sources (tokio 1.54): `src/runtime/task/harness.rs` (`cancel_task` drops the
//! future inside `catch_unwind`: a clean `Drop` gives a cancelled `JoinError`,
//! a panicking `Drop` gives a panic one); `src/runtime/task/error.rs`
//! (`is_cancelled`, `is_panic`, `into_panic` panics unless it is a panic,
//! `try_into_panic` gives the error back otherwise); `src/runtime/task/join.rs`
//! (`abort_handle`, `is_finished`) and `src/runtime/task/abort.rs`
//! (`AbortHandle::abort`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinError;

/// What a job's clean-up got to do.
#[derive(Default)]
pub struct CleanUp {
    pub file_closed: AtomicBool,
    pub lease_released: AtomicBool,
}

struct OpenFile(Arc<CleanUp>);

impl Drop for OpenFile {
    fn drop(&mut self) {
        self.0.file_closed.store(true, Ordering::SeqCst);
    }
}

// ANCHOR: only_drop_runs
/// A job with two kinds of clean-up: a file closed by `Drop`, and a lease
/// given back by a call, after the work.
pub async fn job(clean_up: Arc<CleanUp>) {
    let _file = OpenFile(clean_up.clone());
    tokio::time::sleep(Duration::from_secs(10)).await; // the work
    // Aborted during the work, the task never gets here:
    release_lease(&clean_up).await;
}
// ANCHOR_END: only_drop_runs

async fn release_lease(clean_up: &CleanUp) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    clean_up.lease_released.store(true, Ordering::SeqCst);
}

// ANCHOR: outcome
/// What a task's `JoinError` says about how it ended.
pub fn describe(error: JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => match payload.downcast::<String>() {
            Ok(message) => format!("panicked: {message}"),
            Err(payload) => match payload.downcast::<&str>() {
                Ok(message) => format!("panicked: {message}"),
                Err(_) => "panicked".to_owned(),
            },
        },
        // Not a panic: `try_into_panic` gives the error back.
        Err(error) if error.is_cancelled() => "cancelled".to_owned(),
        Err(_) => "ended some other way".to_owned(),
    }
}
// ANCHOR_END: outcome

#[cfg(test)]
mod tests {
    use test_support::paused;
    use tokio::task::yield_now;

    use super::*;

    #[test]
    fn an_aborted_task_runs_its_drops_but_not_the_rest_of_its_code() {
        paused(|| async {
            let clean_up = Arc::new(CleanUp::default());
            let handle = tokio::spawn(job(clean_up.clone()));
            tokio::time::sleep(Duration::from_secs(1)).await;
            handle.abort();
            let error = handle.await.unwrap_err();
            assert!(error.is_cancelled());
            assert!(clean_up.file_closed.load(Ordering::SeqCst), "Drop ran");
            // Time for a release that would have been scheduled.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert!(
                !clean_up.lease_released.load(Ordering::SeqCst),
                "the code after the aborted .await never runs"
            );
        });
    }

    #[test]
    fn a_panic_comes_back_as_a_join_error_with_its_payload() {
        paused(|| async {
            let handle = tokio::spawn(async {
                yield_now().await;
                panic!("disk {} full", 2);
            });
            let error = handle.await.unwrap_err();
            assert!(error.is_panic() && !error.is_cancelled());
            assert_eq!(describe(error), "panicked: disk 2 full");

            let literal = tokio::spawn(async { panic!("no space") });
            assert_eq!(describe(literal.await.unwrap_err()), "panicked: no space");
        });
    }

    #[test]
    fn try_into_panic_gives_a_cancelled_error_back() {
        paused(|| async {
            let handle = tokio::spawn(std::future::pending::<()>());
            handle.abort();
            assert_eq!(describe(handle.await.unwrap_err()), "cancelled");
        });
    }

    struct PanicsOnDrop;

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("clean-up failed");
        }
    }

    #[test]
    fn a_drop_that_panics_during_an_abort_turns_the_cancel_into_a_panic() {
        paused(|| async {
            let handle = tokio::spawn(async {
                let _guard = PanicsOnDrop;
                std::future::pending::<()>().await;
            });
            yield_now().await; // let it start and reach its .await
            handle.abort();
            let error = handle.await.unwrap_err();
            assert!(error.is_panic(), "not is_cancelled(): {error}");
            assert_eq!(describe(error), "panicked: clean-up failed");
        });
    }

    /// `JoinSet::shutdown` (tokio `src/task/join_set.rs`) is `abort_all()`
    /// then `join_next()` until empty, results thrown away: a panic is lost.
    #[test]
    fn join_set_shutdown_throws_the_outcomes_away() {
        paused(|| async {
            let mut set = tokio::task::JoinSet::new();
            set.spawn(async { panic!("lost") });
            set.spawn(std::future::pending::<()>());
            yield_now().await; // the first task panics
            let nothing: () = set.shutdown().await;
            assert_eq!(nothing, ());
            assert!(set.is_empty() && set.join_next().await.is_none());
        });
    }

    fn is_clone_and_send<T: Clone + Send + 'static>(_: &T) {}

    // ANCHOR: abort_handle
    #[test]
    fn an_abort_handle_stops_a_task_it_does_not_own() {
        paused(|| async {
            let handle = tokio::spawn(std::future::pending::<()>());
            let remote = handle.abort_handle(); // Clone, Send: give it away
            is_clone_and_send(&remote);
            assert!(!remote.is_finished());
            remote.abort();
            assert!(handle.await.unwrap_err().is_cancelled());
            assert!(remote.is_finished());
        });
    }
    // ANCHOR_END: abort_handle
}

//! Examples for "Dropping is cancelling" (src/drop.md).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ANCHOR: after_the_await
/// Saves a record, then writes an audit line. Nothing guarantees the second
/// half: if the future is dropped during the sleep, `audited` stays false.
pub async fn save_then_audit(audited: Arc<AtomicBool>) {
    tokio::time::sleep(Duration::from_secs(2)).await; // the save
    audited.store(true, Ordering::SeqCst); // never runs if dropped above
}
// ANCHOR_END: after_the_await

// ANCHOR: select_drops_the_loser
/// `select!` finishes with the first branch to complete and drops the others:
/// here the save loses to a one-second timer, and is cancelled.
pub async fn save_or_give_up(audited: Arc<AtomicBool>) -> &'static str {
    tokio::select! {
        _ = save_then_audit(audited) => "saved",
        _ = tokio::time::sleep(Duration::from_secs(1)) => "gave up",
    }
}
// ANCHOR_END: select_drops_the_loser

// ANCHOR: guard
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Done,
    Abandoned,
}

/// Keeps a job's status right on every path: `Done` if the job called
/// `finish`, `Abandoned` if the guard was dropped any other way.
pub struct StatusGuard {
    status: Arc<Mutex<JobStatus>>,
    finished: bool,
}

impl StatusGuard {
    pub fn start(status: Arc<Mutex<JobStatus>>) -> Self {
        *status.lock().unwrap() = JobStatus::Running;
        StatusGuard {
            status,
            finished: false,
        }
    }

    pub fn finish(mut self) {
        self.finished = true;
        *self.status.lock().unwrap() = JobStatus::Done;
    }
}

impl Drop for StatusGuard {
    fn drop(&mut self) {
        if !self.finished {
            *self.status.lock().unwrap() = JobStatus::Abandoned;
        }
    }
}
// ANCHOR_END: guard

// ANCHOR: using_the_guard
pub async fn run_job(status: Arc<Mutex<JobStatus>>) {
    let guard = StatusGuard::start(status); // a named variable: lives to the end
    tokio::time::sleep(Duration::from_secs(10)).await; // may be dropped here
    guard.finish();
}
// ANCHOR_END: using_the_guard

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;

    #[test]
    fn code_after_the_await_does_not_run_when_dropped() {
        paused(|| async {
            let audited = Arc::new(AtomicBool::new(false));
            assert_eq!(save_or_give_up(audited.clone()).await, "gave up");
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert!(!audited.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn code_after_the_await_runs_when_awaited() {
        paused(|| async {
            let audited = Arc::new(AtomicBool::new(false));
            save_then_audit(audited.clone()).await;
            assert!(audited.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn a_dropped_job_is_marked_abandoned() {
        paused(|| async {
            let status = Arc::new(Mutex::new(JobStatus::Running));
            let outcome =
                tokio::time::timeout(Duration::from_secs(1), run_job(status.clone())).await;
            assert!(outcome.is_err());
            assert_eq!(*status.lock().unwrap(), JobStatus::Abandoned);
        });
    }

    #[test]
    fn a_finished_job_is_marked_done() {
        paused(|| async {
            let status = Arc::new(Mutex::new(JobStatus::Running));
            run_job(status.clone()).await;
            assert_eq!(*status.lock().unwrap(), JobStatus::Done);
        });
    }
}

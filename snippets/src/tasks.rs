//! Examples for "Tasks that outlive their parent" (src/tasks.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Sends ten reminder e-mails, one a second, counting them.
async fn send_reminders(sent: Arc<AtomicU32>) {
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        sent.fetch_add(1, Ordering::SeqCst);
    }
}

// ANCHOR: detached
/// The handle is dropped at the end of this function; the task is not.
pub fn start_and_forget(sent: Arc<AtomicU32>) {
    let handle = tokio::spawn(send_reminders(sent));
    drop(handle); // the task runs on: it belongs to the runtime
}
// ANCHOR_END: detached

// ANCHOR: join_set
/// Sends the reminders of several campaigns side by side. The set owns the
/// tasks: when this future is dropped, the set is dropped and aborts them.
pub async fn send_campaigns(campaigns: u32, sent: Arc<AtomicU32>) {
    let mut tasks = JoinSet::new();
    for _ in 0..campaigns {
        tasks.spawn(send_reminders(sent.clone()));
    }
    // `join_next` gives the tasks back in the order they finish.
    while let Some(done) = tasks.join_next().await {
        done.expect("a campaign panicked");
    }
}
// ANCHOR_END: join_set

// ANCHOR: abort
/// Aborts a task and tells "it was aborted" from "it panicked".
pub async fn abort_and_check(sent: Arc<AtomicU32>) -> &'static str {
    let handle = tokio::spawn(send_reminders(sent));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    handle.abort(); // takes effect at the task's next `.await`
    match handle.await {
        Ok(()) => "finished",
        Err(error) if error.is_cancelled() => "aborted",
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}
// ANCHOR_END: abort

// ANCHOR: tracker
/// Background workers for the whole service: the tracker waits for them,
/// the token tells them to stop. Neither does the other's job.
pub struct Workers {
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Workers {
    pub fn new() -> Self {
        Workers {
            tracker: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        }
    }

    pub fn start(&self, sent: Arc<AtomicU32>) {
        let stop = self.shutdown.child_token();
        self.tracker.spawn(async move {
            stop.run_until_cancelled(send_reminders(sent)).await;
        });
    }

    /// Stops every worker and waits until they have all ended.
    pub async fn shut_down(self) {
        self.shutdown.cancel(); // without this, `wait` waits for the work to finish
        self.tracker.close(); // no more `start`s: `wait` may now complete
        self.tracker.wait().await;
    }
}
// ANCHOR_END: tracker

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;

    fn counter() -> Arc<AtomicU32> {
        Arc::new(AtomicU32::new(0))
    }

    #[test]
    fn a_dropped_join_handle_does_not_stop_its_task() {
        paused(|| async {
            let sent = counter();
            start_and_forget(sent.clone());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(sent.load(Ordering::SeqCst), 10);
        });
    }

    #[test]
    fn dropping_a_join_set_aborts_its_tasks() {
        paused(|| async {
            let sent = counter();
            let outcome =
                tokio::time::timeout(Duration::from_millis(2500), send_campaigns(3, sent.clone()))
                    .await;
            assert!(outcome.is_err());
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(sent.load(Ordering::SeqCst), 6); // 3 campaigns at t=1s and t=2s
        });
    }

    #[test]
    fn an_aborted_task_reports_cancelled() {
        paused(|| async {
            let sent = counter();
            assert_eq!(abort_and_check(sent.clone()).await, "aborted");
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(sent.load(Ordering::SeqCst), 2);
        });
    }

    #[test]
    fn shutting_down_the_workers_cancels_then_waits() {
        paused(|| async {
            let sent = counter();
            let workers = Workers::new();
            workers.start(sent.clone());
            workers.start(sent.clone());
            tokio::time::sleep(Duration::from_millis(3500)).await;
            let started = tokio::time::Instant::now();
            workers.shut_down().await;
            assert_eq!(started.elapsed(), Duration::ZERO); // no waiting for the work
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(sent.load(Ordering::SeqCst), 6);
        });
    }

    #[test]
    fn a_tracker_alone_waits_for_the_work_to_finish() {
        paused(|| async {
            let sent = counter();
            let tracker = TaskTracker::new();
            tracker.spawn(send_reminders(sent.clone()));
            tracker.close();
            let started = tokio::time::Instant::now();
            tracker.wait().await; // nothing told the task to stop
            assert_eq!(started.elapsed(), Duration::from_secs(10));
            assert_eq!(sent.load(Ordering::SeqCst), 10);
        });
    }
}

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
    handle.abort(); // only asks: returns at once, the task stops later
    match handle.await {
        // Awaiting the handle waits until the task has really stopped.
        Ok(()) => "finished",
        Err(error) if error.is_cancelled() => "aborted",
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}
// ANCHOR_END: abort

// ANCHOR: stop_then_clean
/// Stops the import workers, and removes their scratch folder once none of
/// them can still be using it.
pub async fn stop_then_clean(mut workers: JoinSet<()>, remove_scratch: impl FnOnce()) {
    // `abort_all()` or dropping the set would only ask the tasks to stop.
    // `shutdown` asks, then waits until each task has ended, its guards
    // (which close files in the scratch folder) included.
    workers.shutdown().await;
    remove_scratch();
}
// ANCHOR_END: stop_then_clean

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

    /// Writes "closed <name>" to the log when dropped: a file in the scratch
    /// folder being closed by a worker's clean-up.
    struct OpenFile(&'static str, Arc<std::sync::Mutex<Vec<String>>>);

    impl Drop for OpenFile {
        fn drop(&mut self) {
            self.1.lock().unwrap().push(format!("closed {}", self.0));
        }
    }

    fn import_workers(log: &Arc<std::sync::Mutex<Vec<String>>>) -> JoinSet<()> {
        let mut workers = JoinSet::new();
        for name in ["a.csv", "b.csv"] {
            let file = OpenFile(name, log.clone());
            workers.spawn(async move {
                let _file = file;
                std::future::pending::<()>().await; // importing, for ever
            });
        }
        workers
    }

    #[test]
    fn the_scratch_folder_goes_after_every_worker_closed_its_file() {
        paused(|| async {
            let log = Arc::new(std::sync::Mutex::new(Vec::new()));
            let workers = import_workers(&log);
            tokio::task::yield_now().await; // both workers are importing
            let remover = log.clone();
            stop_then_clean(workers, move || {
                remover.lock().unwrap().push("removed scratch".into());
            })
            .await;
            let log = log.lock().unwrap().clone();
            assert_eq!(log.len(), 3);
            assert_eq!(log[2], "removed scratch", "{log:?}");
        });
    }

    #[test]
    fn abort_all_then_clean_removes_the_folder_under_the_workers() {
        paused(|| async {
            let log = Arc::new(std::sync::Mutex::new(Vec::new()));
            let mut workers = import_workers(&log);
            tokio::task::yield_now().await;
            workers.abort_all();
            log.lock().unwrap().push("removed scratch".into());
            tokio::task::yield_now().await; // the workers' clean-up runs now
            let log = log.lock().unwrap().clone();
            assert_eq!(log[0], "removed scratch", "{log:?}");
            assert_eq!(log.len(), 3);
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

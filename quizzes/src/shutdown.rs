//! "Graceful shutdown": a worker that listens only while it waits, and a
//! tracker that is never closed.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::{Question, cancel_after, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("shutdown-finish-the-job", worker_stops_at),
        paused!("shutdown-tracker-not-closed", drain_without_close),
    ]
}

// ANCHOR: worker_stops_at
/// Returns when the worker stopped, in seconds of virtual time.
pub async fn worker_stops_at() -> f64 {
    let start = Instant::now();
    let token = CancellationToken::new();
    cancel_after(&token, Duration::from_secs(1));
    let (jobs, mut queue) = mpsc::channel(8);
    for job in 1..=3 {
        jobs.send(job).await.unwrap();
    }
    loop {
        tokio::select! {
            biased;
            _ = token.cancelled() => break,
            Some(_job) = queue.recv() => sleep(Duration::from_secs(2)).await, // the job
        }
    }
    start.elapsed().as_secs_f64()
}
// ANCHOR_END: worker_stops_at

// ANCHOR: drain_without_close
pub async fn drain_without_close() -> String {
    let start = Instant::now();
    let tracker = TaskTracker::new();
    for secs in [1, 2] {
        tracker.spawn(sleep(Duration::from_secs(secs)));
    }
    match timeout(Duration::from_secs(60), tracker.wait()).await {
        Ok(()) => format!("drained at {:?}", start.elapsed()),
        Err(_) => format!("gave up at {:?}", start.elapsed()),
    }
}
// ANCHOR_END: drain_without_close

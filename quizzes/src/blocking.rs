//! "Blocking and CPU-bound work": `spawn_blocking` cannot be aborted.

use std::time::Duration;

use tokio::sync::oneshot;

use crate::{Counter, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("blocking-abort", abort_blocking)]
}

// ANCHOR: abort_blocking
pub async fn abort_blocking() -> String {
    let steps = Counter::default();
    let (started, has_started) = oneshot::channel();
    let handle = tokio::task::spawn_blocking({
        let steps = steps.clone();
        move || {
            let _ = started.send(());
            for _ in 0..3 {
                std::thread::sleep(Duration::from_millis(20)); // blocking work
                steps.add();
            }
        }
    });
    has_started.await.unwrap();
    handle.abort();
    let result = handle.await;
    format!("is_ok: {}, steps: {}", result.is_ok(), steps.get())
}
// ANCHOR_END: abort_blocking

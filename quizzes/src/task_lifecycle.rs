//! "A task's last moments": abort asks; a task that has finished stays finished.

use std::time::Duration;

use tokio::time::sleep;

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!(
        "task-lifecycle-abort-after-finish",
        abort_after_finish
    )]
}

// ANCHOR: abort_after_finish
pub async fn abort_after_finish() -> String {
    let handle = tokio::spawn(async {
        sleep(Duration::from_secs(1)).await;
        7
    });
    sleep(Duration::from_secs(2)).await;
    handle.abort();
    match handle.await {
        Ok(value) => format!("Ok({value})"),
        Err(error) if error.is_cancelled() => "cancelled".to_owned(),
        Err(_) => "panicked".to_owned(),
    }
}
// ANCHOR_END: abort_after_finish

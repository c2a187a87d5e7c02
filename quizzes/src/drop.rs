//! "Dropping is cancelling": the code after the `.await`, and `Drop`.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::{Log, PushOnDrop, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("drop-code-after-await", code_after_await)]
}

// ANCHOR: code_after_await
pub async fn code_after_await() -> String {
    let log = Log::default();
    let save = async {
        let _guard = PushOnDrop(log.clone(), "guard dropped");
        log.push("started");
        sleep(Duration::from_secs(5)).await;
        log.push("saved");
    };
    let _ = timeout(Duration::from_secs(1), save).await;
    log.to_string()
}
// ANCHOR_END: code_after_await

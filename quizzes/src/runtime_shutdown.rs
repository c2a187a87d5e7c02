//! "When the runtime ends": what happens to a task still running.

use std::time::Duration;

use tokio::time::sleep;

use crate::{Code, Log, PushOnDrop, Question};

pub fn questions() -> Vec<Question> {
    vec![Question {
        id: "runtime-shutdown-task-at-the-end",
        code: Code::Blocking(task_at_the_end),
    }]
}

// ANCHOR: task_at_the_end
pub fn task_at_the_end() -> String {
    let log = Log::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let task_log = log.clone();
    runtime.spawn(async move {
        let _guard = PushOnDrop(task_log.clone(), "dropped");
        task_log.push("started");
        sleep(Duration::from_secs(10)).await;
        task_log.push("finished");
    });
    runtime.block_on(async { sleep(Duration::from_secs(1)).await });
    drop(runtime);
    log.to_string()
}
// ANCHOR_END: task_at_the_end

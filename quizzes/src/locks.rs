//! "Locks across an `.await`": a futurelock.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{sleep, timeout};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("locks-futurelock", futurelock)]
}

// ANCHOR: futurelock
pub async fn futurelock() -> String {
    let counter = Mutex::new(0);
    let first = async {
        let mut n = counter.lock().await;
        sleep(Duration::from_secs(1)).await;
        *n += 1;
    };
    tokio::pin!(first);
    tokio::select! {
        _ = &mut first => {}
        _ = sleep(Duration::from_millis(100)) => {} // too slow: do something else
    }
    match timeout(Duration::from_secs(60), counter.lock()).await {
        Ok(n) => format!("got the lock: {}", *n),
        Err(_) => "still waiting at 60s".to_owned(),
    }
}
// ANCHOR_END: futurelock

//! "Tasks that outlive their parent": a JoinHandle does not own its task; a
//! JoinSet does.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

use crate::{Counter, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("tasks-dropped-join-handle", dropped_join_handle),
        paused!("tasks-dropped-join-set", dropped_join_set),
    ]
}

/// Five ticks, one a second.
async fn ticker(ticks: Counter) {
    for _ in 0..5 {
        sleep(Duration::from_secs(1)).await;
        ticks.add();
    }
}

// ANCHOR: dropped_join_handle
pub async fn dropped_join_handle() -> u32 {
    let ticks = Counter::default();
    let handle = tokio::spawn(ticker(ticks.clone()));
    sleep(Duration::from_millis(1500)).await;
    drop(handle);
    sleep(Duration::from_secs(60)).await;
    ticks.get()
}
// ANCHOR_END: dropped_join_handle

// ANCHOR: dropped_join_set
pub async fn dropped_join_set() -> u32 {
    let ticks = Counter::default();
    let mut set = JoinSet::new();
    set.spawn(ticker(ticks.clone()));
    sleep(Duration::from_millis(1500)).await;
    drop(set);
    sleep(Duration::from_secs(60)).await;
    ticks.get()
}
// ANCHOR_END: dropped_join_set

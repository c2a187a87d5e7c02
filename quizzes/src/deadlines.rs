//! "Deadlines that move": a timer made inside a loop starts over.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("deadlines-timer-in-loop", timer_in_loop)]
}

// ANCHOR: timer_in_loop
/// Meant to collect messages for 3 s, then stop. Returns when it stopped.
pub async fn timer_in_loop() -> f64 {
    let start = Instant::now();
    let (tx, mut rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for n in 0..5 {
            sleep(Duration::from_secs(2)).await;
            tx.send(n).await.unwrap();
        }
    });
    loop {
        tokio::select! {
            Some(_message) = rx.recv() => {}
            _ = sleep(Duration::from_secs(3)) => break,
        }
    }
    start.elapsed().as_secs_f64()
}
// ANCHOR_END: timer_in_loop

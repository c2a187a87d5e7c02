//! "Streams that stop": a producer task hears it last.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("streams-producer-hears-last", producer_stops_at)]
}

// ANCHOR: producer_stops_at
/// Returns when the producer stopped, in seconds of virtual time.
pub async fn producer_stops_at() -> f64 {
    let start = Instant::now();
    let (tx, mut rx) = mpsc::channel(8);
    let producer = tokio::spawn(async move {
        for n in 0.. {
            sleep(Duration::from_secs(1)).await; // make the next item
            if tx.send(n).await.is_err() {
                break; // nobody is reading any more
            }
        }
        start.elapsed()
    });
    for _ in 0..2 {
        rx.recv().await;
    }
    drop(rx); // the consumer has what it needs
    producer.await.unwrap().as_secs_f64()
}
// ANCHOR_END: producer_stops_at

//! "Cancel-safe APIs": a send under a time limit, into a full channel.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("cancel-safe-send-timeout", sends_under_a_limit)]
}

// ANCHOR: sends_under_a_limit
pub async fn sends_under_a_limit() -> String {
    let (tx, mut rx) = mpsc::channel(1);
    // A slow consumer: it takes one message every 1.5 s.
    let consumer = tokio::spawn(async move {
        let mut received = Vec::new();
        loop {
            sleep(Duration::from_millis(1500)).await;
            match rx.recv().await {
                Some(n) => received.push(n),
                None => return received,
            }
        }
    });
    for n in 1..=3 {
        // At most 1 s per message.
        let _ = timeout(Duration::from_secs(1), tx.send(n)).await;
    }
    drop(tx);
    format!("{:?}", consumer.await.unwrap())
}
// ANCHOR_END: sends_under_a_limit

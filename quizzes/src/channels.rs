//! "Channels and actors": the channel closes when the last sender goes.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("channels-last-sender", last_sender)]
}

// ANCHOR: last_sender
pub async fn last_sender() -> String {
    let start = Instant::now();
    let (tx, mut rx) = mpsc::channel(8);
    for (n, secs) in [(1, 1), (2, 3)] {
        let tx = tx.clone();
        tokio::spawn(async move {
            sleep(Duration::from_secs(secs)).await;
            tx.send(n).await.unwrap();
        });
    }
    let mut received = Vec::new();
    let read_all = async {
        while let Some(n) = rx.recv().await {
            received.push(n);
        }
    };
    let ended = timeout(Duration::from_secs(60), read_all).await;
    match ended {
        Ok(()) => format!("{received:?}, ended at {:?}", start.elapsed()),
        Err(_) => format!("{received:?}, still waiting at 60s"),
    }
}
// ANCHOR_END: last_sender

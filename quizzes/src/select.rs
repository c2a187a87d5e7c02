//! "select! and cancel safety": the losing branch is dropped, and with it
//! what it had read.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

use crate::{Log, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("select-loser-dropped", loser_dropped),
        paused!("select-pairs", pairs_with_heartbeat),
    ]
}

// ANCHOR: loser_dropped
pub async fn loser_dropped() -> String {
    let log = Log::default();
    let slow = async {
        sleep(Duration::from_millis(500)).await;
        log.push("half done");
        sleep(Duration::from_secs(1)).await;
        log.push("done");
    };
    tokio::select! {
        _ = slow => log.push("slow won"),
        _ = sleep(Duration::from_secs(1)) => log.push("timer won"),
    }
    sleep(Duration::from_secs(60)).await;
    log.to_string()
}
// ANCHOR_END: loser_dropped

// ANCHOR: pairs_with_heartbeat
async fn read_pair(rx: &mut mpsc::Receiver<u32>) -> Option<(u32, u32)> {
    let a = rx.recv().await?;
    let b = rx.recv().await?;
    Some((a, b))
}

/// Numbers 1 to 4 arrive at t=0.7s, 1.4s, 2.1s and 2.8s.
pub async fn pairs_with_heartbeat() -> String {
    let (tx, mut rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for n in 1..=4 {
            sleep(Duration::from_millis(700)).await;
            tx.send(n).await.unwrap();
        }
    });
    let mut pairs = Vec::new();
    loop {
        tokio::select! {
            pair = read_pair(&mut rx) => match pair {
                Some(pair) => pairs.push(pair),
                None => break,
            },
            _ = sleep(Duration::from_secs(1)) => {} // a heartbeat every second
        }
    }
    format!("{pairs:?}")
}
// ANCHOR_END: pairs_with_heartbeat

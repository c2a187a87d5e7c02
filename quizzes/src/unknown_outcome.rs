//! "Timed out, but did it happen?": a retry after a timeout.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use crate::{Counter, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("unknown-outcome-retry", payments_after_retry)]
}

// ANCHOR: payments_after_retry
/// The payment service, on its own: it books the payment after 1 s and
/// answers 0.5 s later. (A task stands for the other machine.)
fn charge(ledger: Counter) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        ledger.add();
        sleep(Duration::from_millis(500)).await;
    })
}

pub async fn payments_after_retry() -> u32 {
    let ledger = Counter::default();
    for _attempt in 0..2 {
        let answer = charge(ledger.clone());
        if timeout(Duration::from_millis(1200), answer).await.is_ok() {
            break;
        }
        // No answer in time: it failed, so try again.
    }
    sleep(Duration::from_secs(60)).await;
    ledger.get()
}
// ANCHOR_END: payments_after_retry

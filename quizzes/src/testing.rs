//! "Testing cancellation deterministically": what a paused clock does to
//! time, and a future driven by hand.

use std::time::Duration;

use tokio::time::{Instant, advance, sleep};

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("testing-an-hour-at-once", an_hour_at_once),
        paused!("testing-polled-by-hand", polled_by_hand),
    ]
}

// ANCHOR: an_hour_at_once
/// Run with the clock paused, as in `#[tokio::test(start_paused = true)]`.
pub async fn an_hour_at_once() -> String {
    let virtual_start = Instant::now();
    let wall_start = std::time::Instant::now();
    sleep(Duration::from_secs(3600)).await;
    format!(
        "virtual: {:?}, wall under 1s: {}",
        virtual_start.elapsed(),
        wall_start.elapsed() < Duration::from_secs(1)
    )
}
// ANCHOR_END: an_hour_at_once

// ANCHOR: polled_by_hand
pub async fn polled_by_hand() -> String {
    let mut nap = tokio_test::task::spawn(sleep(Duration::from_secs(1)));
    let pending = nap.poll().is_pending();
    advance(Duration::from_millis(999)).await;
    let woken_early = nap.is_woken();
    advance(Duration::from_millis(1)).await;
    format!(
        "pending: {pending}, woken at 999ms: {woken_early}, woken at 1s: {}",
        nap.is_woken()
    )
}
// ANCHOR_END: polled_by_hand

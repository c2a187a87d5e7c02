//! "Timeouts": a zero limit around a future that is already done.

use std::time::Duration;

use tokio::time::timeout;

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("timeouts-zero-limit", zero_limit)]
}

// ANCHOR: zero_limit
pub async fn zero_limit() -> String {
    let result = timeout(Duration::ZERO, std::future::ready(42)).await;
    format!("{result:?}")
}
// ANCHOR_END: zero_limit

//! "Two reasons to stop": the reason kept in the type.

use std::time::Duration;

use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;

use crate::{Question, cancel_after, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("linked-which-reason", which_reason)]
}

// ANCHOR: which_reason
pub async fn which_reason() -> String {
    let user = CancellationToken::new();
    cancel_after(&user, Duration::from_secs(1));
    let work = sleep(Duration::from_secs(5));
    let result = timeout(Duration::from_secs(2), user.run_until_cancelled(work)).await;
    format!("{result:?}")
}
// ANCHOR_END: which_reason

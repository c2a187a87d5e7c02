//! "One token type": every clone can cancel; a child cannot cancel its parent.

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;

use crate::{Question, paused};

pub fn questions() -> Vec<Question> {
    vec![
        paused!("token-basics-child-and-parent", child_and_parent),
        paused!("token-basics-clone-cancels", clone_cancels),
    ]
}

// ANCHOR: child_and_parent
pub async fn child_and_parent() -> String {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    child.cancel();
    format!(
        "parent: {}, child: {}",
        parent.is_cancelled(),
        child.is_cancelled()
    )
}
// ANCHOR_END: child_and_parent

// ANCHOR: clone_cancels
pub async fn clone_cancels() -> String {
    let start = Instant::now();
    let token = CancellationToken::new();
    let given_away = token.clone();
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        given_away.cancel();
    });
    match timeout(Duration::from_secs(60), token.cancelled()).await {
        Ok(()) => format!("cancelled at {:?}", start.elapsed()),
        Err(_) => "still not cancelled at 60s".to_owned(),
    }
}
// ANCHOR_END: clone_cancels

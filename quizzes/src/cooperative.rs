//! "Cooperative scheduling": an `.await` is not a yield (real time: the work
//! blocks the thread, which a paused clock does not see).

use std::time::Duration;

use tokio::time::timeout;

use crate::{Question, real_time};

pub fn questions() -> Vec<Question> {
    vec![real_time!(
        "cooperative-timeout-never-fires",
        busy_under_timeout
    )]
}

// ANCHOR: busy_under_timeout
pub async fn busy_under_timeout() -> String {
    let work = async {
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(20)); // CPU-bound work
            std::future::ready(()).await; // an .await, but never Pending
        }
        "finished"
    };
    format!("{:?}", timeout(Duration::from_millis(10), work).await)
}
// ANCHOR_END: busy_under_timeout

//! # Solution of exercise 23: TODO title
//!
//! Chapter: "TODO title of cancel-safe-apis.md" (`src/cancel-safe-apis.md`).
//!
//! TODO: the fix, and why it works. (Until it is written, this is the
//! starter, and `cargo lab verify` says so.)

use std::time::Duration;

/// How many steps the work takes, one second each.
pub const STEPS: u32 = 10;

/// The work under test: `on_step` is called after each step.
pub async fn run(on_step: impl Fn(u32) + Send + 'static) {
    // TODO: the chapter's mistake. This one spawns the work, so dropping
    // the future returned by `run` does not stop it.
    let work = tokio::spawn(async move {
        for step in 1..=STEPS {
            tokio::time::sleep(Duration::from_secs(1)).await;
            on_step(step);
        }
    });
    let _ = work.await;
}

#[cfg(test)]
#[path = "../../../exercises/23_cancel_safe_apis/src/tests.rs"]
mod tests;

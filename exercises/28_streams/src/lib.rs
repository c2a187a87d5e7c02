//! # Exercise 28: TODO title
//!
//! Chapter: "TODO title of streams.md" (`src/streams.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check streams` from anywhere in the course.
//!
//! TODO: what the code is for, and what is wrong with it, in the learner's terms.

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
mod tests;

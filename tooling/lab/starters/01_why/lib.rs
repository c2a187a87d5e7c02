//! # Exercise 01: a report that outlives its caller
//!
//! Chapter: "Why cancel?" (`src/why.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check why` from anywhere in the course.
//!
//! `build_report` is what a web handler awaits to answer "give me the
//! report". It takes 35 steps of one second each (a slow query, then some
//! processing). When the caller gives up (the client closed the tab, a
//! timeout fired), it drops the future that `build_report` returned, and the
//! work must stop then: nobody will ever read this report.
//!
//! The code below produces the right report, but it keeps working long after
//! its caller has gone. Make the work stop when the caller drops the future,
//! without changing what a caller who waits gets back.

use std::time::Duration;

/// How many steps a full report takes.
pub const STEPS: u32 = 35;
/// How long one step (one query plus its processing) takes.
pub const STEP_TIME: Duration = Duration::from_secs(1);

/// The finished report: one row per step.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub rows: Vec<u32>,
}

/// Builds the report, calling `on_step` after each step (for a progress bar).
pub async fn build_report(on_step: impl Fn(u32) + Send + 'static) -> Report {
    // Run the heavy part in the background, the way `Task.Run` keeps a
    // request thread free in .NET.
    let work = tokio::spawn(async move {
        let mut rows = Vec::new();
        for step in 1..=STEPS {
            tokio::time::sleep(STEP_TIME).await; // one query and its processing
            rows.push(step * step);
            on_step(step);
        }
        Report { rows }
    });
    work.await.expect("the report task panicked")
}

#[cfg(test)]
mod tests;

//! # Solution of exercise 01: a report that outlives its caller
//!
//! Chapter: "Why cancel?" (`src/why.md`).
//!
//! The fix is to *remove* code: await the work in the caller's own future.
//! Then the work is part of that future, and dropping the future drops the
//! work at whichever `.await` it was paused on. No token is needed, because
//! the caller already has a way to say "stop": dropping what it awaits.
//!
//! (If the work really must run on a task of its own, wrap its handle in
//! `tokio_util::task::AbortOnDropHandle`: see the chapter.)

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

// ANCHOR: build_report
/// Builds the report, calling `on_step` after each step (for a progress bar).
pub async fn build_report(on_step: impl Fn(u32) + Send + 'static) -> Report {
    let mut rows = Vec::new();
    for step in 1..=STEPS {
        // If the caller drops this future while it waits here, the loop
        // simply never resumes: that is the whole cancellation.
        tokio::time::sleep(STEP_TIME).await;
        rows.push(step * step);
        on_step(step);
    }
    Report { rows }
}
// ANCHOR_END: build_report

#[cfg(test)]
#[path = "../../../exercises/01_why/src/tests.rs"]
mod tests;

//! # Solution of exercise 15: a report that outlives its HTTP client
//!
//! Chapter: "HTTP: the client went away" (`src/http-disconnect.md`).
//!
//! When a client closes its connection, hyper drops the future of the
//! request it was serving: the handler and everything the handler awaits.
//! The starter awaited only a `JoinHandle`, so the drop stopped the waiting
//! and left the spawned task running. The fix removes the task: the report
//! is awaited in the handler, so it is part of the future hyper drops, and
//! it stops at whichever step it was waiting on.
//!
//! `snippets/src/http_disconnect.rs` shows the other fixes the chapter names:
//! an owned task (`AbortOnDropHandle`), and a `RequestAborted`-style token
//! made by a middleware, with an access log that records a client that left
//! as 499, at info level.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;

/// How many steps a full report takes.
pub const STEPS: u32 = 35;
/// How long one step (one query plus its processing) takes.
pub const STEP_TIME: Duration = Duration::from_secs(1);

/// Told after each step (a progress bar, a metric; the tests listen here).
pub type OnStep = Arc<dyn Fn(u32) + Send + Sync>;

/// The service: `GET /report`.
pub fn app(on_step: OnStep) -> Router {
    Router::new()
        .route("/report", get(report))
        .with_state(on_step)
}

// ANCHOR: report
async fn report(State(on_step): State<OnStep>) -> String {
    // Awaited right here: part of the future hyper drops when the client
    // goes away.
    let rows = build_report(on_step).await;
    render(&rows)
}
// ANCHOR_END: report

/// The report itself: one row per step.
async fn build_report(on_step: OnStep) -> Vec<u32> {
    let mut rows = Vec::new();
    for step in 1..=STEPS {
        tokio::time::sleep(STEP_TIME).await; // one query and its processing
        rows.push(step * step);
        on_step(step);
    }
    rows
}

/// One row per line.
fn render(rows: &[u32]) -> String {
    rows.iter().map(|row| format!("{row}\n")).collect()
}

#[cfg(test)]
#[path = "../../../exercises/15_http_disconnect/src/tests.rs"]
mod tests;

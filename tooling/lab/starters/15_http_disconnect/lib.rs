//! # Exercise 15: a report that outlives its HTTP client
//!
//! Chapter: "HTTP: the client went away" (`src/http-disconnect.md`). Solve it
//! with `cargo test` in this folder, or `cargo lab check http-disconnect`.
//!
//! `app` is a small axum service with one route, `GET /report`: 35 steps of
//! one second each (a slow query, then some processing), answered as one row
//! per line. The tests serve it on a real loopback port and call it with a
//! real HTTP client.
//!
//! When the client goes away (the user closed the tab, the client's own
//! timeout fired), nobody will ever read this report, and the work must stop
//! soon after. Today it runs all 35 steps whatever the client does. Make it
//! stop when the client leaves, without changing what a patient client gets.

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

async fn report(State(on_step): State<OnStep>) -> String {
    // Run the heavy part on a task of its own, the way `Task.Run` keeps a
    // request thread free in .NET.
    let work = tokio::spawn(build_report(on_step));
    let rows = work.await.expect("the report task panicked");
    render(&rows)
}

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
mod tests;

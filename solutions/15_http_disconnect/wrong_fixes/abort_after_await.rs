// WRONG FIX: abort the spawned task after awaiting it. When the client leaves, axum drops the handler at that `.await`, so the line after it never runs.
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
    let abort = work.abort_handle();
    let rows = work.await.expect("the report task panicked");
    // The request is over: stop the background work.
    abort.abort();
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

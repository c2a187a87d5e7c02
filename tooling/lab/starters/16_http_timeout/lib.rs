//! # Exercise 16: a time limit that stops only the waiting
//!
//! Chapter: "HTTP: request time limits" (`src/http-timeout.md`). Solve it
//! with `cargo test` in this folder, or `cargo lab check http-timeout`.
//!
//! `app` serves `GET /reports/{months}`: a sales report over the last
//! `months` months. It opens a database connection (half a second), then
//! runs one query of a second per month. Long reports are not worth waiting
//! for, so the route has a time limit: after `REPORT_LIMIT` it answers
//! `503 Service Unavailable` (the server was too slow, not the client). And
//! `GET /health` answers at once.
//!
//! The 503 comes on time. But the report goes on working after it, and
//! finishes 25 seconds later, for nobody. Give the report route a time
//! limit that stops the work, not only the waiting. A report that fits in
//! the limit must still be answered in full.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// How long a report may take before the server answers 503.
pub const REPORT_LIMIT: Duration = Duration::from_secs(10);
/// Opening the database connection.
pub const CONNECT_TIME: Duration = Duration::from_millis(500);
/// One query: one month of sales.
pub const QUERY_TIME: Duration = Duration::from_secs(1);

/// What the report's work tells the outside world (the tests listen here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The query for this month is done.
    Month(u32),
    /// Every month is done; the report is complete.
    Finished,
    /// The work has ended, whether it finished or not (sent on drop).
    Ended,
}

/// Where the progress goes.
pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// The service: `GET /reports/{months}` and `GET /health`.
pub fn app(on_progress: OnProgress) -> Router {
    Router::new()
        .route("/reports/{months}", get(sales_report))
        .route("/health", get(health))
        .with_state(on_progress)
}

async fn health() -> &'static str {
    "ok"
}

async fn sales_report(State(on_progress): State<OnProgress>, Path(months): Path<u32>) -> Response {
    // Run the report in the background, and stop waiting for it at the limit.
    let work = tokio::spawn(build_report(months, on_progress));
    match tokio::time::timeout(REPORT_LIMIT, work).await {
        Ok(Ok(rows)) => render(&rows).into_response(),
        Ok(Err(_panic)) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Err(_elapsed) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Sends `Progress::Ended` when dropped: however the work ends.
struct EndedOnDrop(OnProgress);

impl Drop for EndedOnDrop {
    fn drop(&mut self) {
        (self.0)(Progress::Ended);
    }
}

/// The report itself: one row per month.
async fn build_report(months: u32, on_progress: OnProgress) -> Vec<u32> {
    let _ended = EndedOnDrop(on_progress.clone());
    tokio::time::sleep(CONNECT_TIME).await; // open a connection
    let mut rows = Vec::new();
    for month in 1..=months {
        tokio::time::sleep(QUERY_TIME).await; // one query
        rows.push(month * 100);
        on_progress(Progress::Month(month));
    }
    on_progress(Progress::Finished);
    rows
}

/// One row per line.
fn render(rows: &[u32]) -> String {
    rows.iter().map(|row| format!("{row}\n")).collect()
}

#[cfg(test)]
mod tests;

//! # Solution of exercise 16: a time limit that stops only the waiting
//!
//! Chapter: "HTTP: request time limits" (`src/http-timeout.md`).
//!
//! The starter raced a *spawned* task against a timer: at the limit it
//! stopped waiting and answered 503, but the task belonged to the runtime
//! and ran on. The fix puts the limit around the handler's own future, with
//! tower-http's `TimeoutLayer` on the report route, and awaits the work in
//! that future. At the limit the layer answers 503 and drops the handler's
//! future, and with it the report at whichever query it was waiting on: the
//! guard in `build_report` runs, and no query starts after the limit.
//!
//! The layer sits on the report's `MethodRouter` (`get(..).layer(..)`), so
//! it limits that route only; `/health` is not touched.
//!
//! The status is 503 Service Unavailable, not 408 Request Timeout. 408 says
//! the *client* was too slow to send its request (RFC 9110, section
//! 15.5.9), and a client may send the same request again after it; some
//! browsers do so by themselves, which would start the slow report once
//! more. Here the server was slow: 503 (section 15.6.4) says so. The
//! deprecated `TimeoutLayer::new` answered 408; `with_status_code` lets the
//! service say what happened.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;

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

// ANCHOR: app
/// The service: `GET /reports/{months}` and `GET /health`.
pub fn app(on_progress: OnProgress) -> Router {
    // At the limit: answer 503 (the server was slow, not the client) and
    // drop the handler's future.
    let time_limit = TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REPORT_LIMIT);
    Router::new()
        .route("/reports/{months}", get(sales_report).layer(time_limit))
        .route("/health", get(health))
        .with_state(on_progress)
}
// ANCHOR_END: app

async fn health() -> &'static str {
    "ok"
}

// ANCHOR: handler
async fn sales_report(State(on_progress): State<OnProgress>, Path(months): Path<u32>) -> String {
    // Awaited here, so the report is part of the future the layer drops.
    let rows = build_report(months, on_progress).await;
    render(&rows)
}
// ANCHOR_END: handler

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
#[path = "../../../exercises/16_http_timeout/src/tests.rs"]
mod tests;

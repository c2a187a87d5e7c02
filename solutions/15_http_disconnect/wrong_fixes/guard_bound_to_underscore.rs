// WRONG FIX: a RequestAborted-style token from middleware with `let _ = token.drop_guard();`. `let _` drops the guard at once, so every request's token is cancelled before its handler even starts.
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_util::sync::CancellationToken;

/// How many steps a full report takes.
pub const STEPS: u32 = 35;
/// How long one step (one query plus its processing) takes.
pub const STEP_TIME: Duration = Duration::from_secs(1);

/// Told after each step (a progress bar, a metric; the tests listen here).
pub type OnStep = Arc<dyn Fn(u32) + Send + Sync>;

/// The request's token, like ASP.NET Core's `HttpContext.RequestAborted`.
#[derive(Clone)]
struct RequestAborted(CancellationToken);

/// The service: `GET /report`.
pub fn app(on_step: OnStep) -> Router {
    Router::new()
        .route("/report", get(report))
        .with_state(on_step)
        .layer(middleware::from_fn(request_token))
}

/// Gives every request a token that is cancelled when the request ends.
async fn request_token(mut request: Request, next: Next) -> Response {
    let token = CancellationToken::new();
    request
        .extensions_mut()
        .insert(RequestAborted(token.clone()));
    // Cancel the token whenever this function ends, however it ends.
    let _ = token.drop_guard();
    next.run(request).await
}

async fn report(
    State(on_step): State<OnStep>,
    Extension(RequestAborted(token)): Extension<RequestAborted>,
) -> Response {
    // Run the heavy part on a task of its own, the way `Task.Run` keeps a
    // request thread free in .NET, and let it listen to the request's token.
    let work = tokio::spawn(async move { token.run_until_cancelled(build_report(on_step)).await });
    match work.await.expect("the report task panicked") {
        Some(rows) => render(&rows).into_response(),
        // 499: the client closed the request (nobody will read it).
        None => StatusCode::from_u16(499)
            .expect("a valid status")
            .into_response(),
    }
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

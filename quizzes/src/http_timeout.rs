//! "HTTP: request time limits": a time limit that drops the handler.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tokio::time::{Instant, sleep};
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

use crate::{Counter, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("http-timeout-layer", slow_handler)]
}

// ANCHOR: slow_handler
pub async fn slow_handler() -> String {
    let start = Instant::now();
    let saved = Counter::default();
    let handler_saved = saved.clone();
    let handler = move || async move {
        sleep(Duration::from_secs(3)).await;
        handler_saved.add();
        "saved"
    };
    let app = Router::new()
        .route("/save", get(handler))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(2),
        ));
    let request = Request::get("/save").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    let answered = start.elapsed();
    sleep(Duration::from_secs(60)).await;
    format!(
        "{} at {answered:?}, saved: {}",
        response.status(),
        saved.get()
    )
}
// ANCHOR_END: slow_handler

//! "HTTP: the client went away": the handler is dropped, what it spawned is not.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use tokio::time::{sleep, timeout};
use tower::ServiceExt;

use crate::{Log, Question, paused};

pub fn questions() -> Vec<Question> {
    vec![paused!("http-disconnect-spawned-audit", client_left)]
}

// ANCHOR: client_left
pub async fn client_left() -> String {
    let log = Log::default();
    let handler_log = log.clone();
    let handler = move || async move {
        sleep(Duration::from_secs(1)).await;
        handler_log.push("a");
        let audit_log = handler_log.clone();
        tokio::spawn(async move {
            sleep(Duration::from_secs(2)).await;
            audit_log.push("audit");
        });
        sleep(Duration::from_secs(2)).await;
        handler_log.push("b");
        "report"
    };
    let app = Router::new().route("/report", get(handler));
    let request = Request::get("/report").body(Body::empty()).unwrap();
    // The client leaves at t=1.5s: the server drops the handler's future.
    let _ = timeout(Duration::from_millis(1500), app.oneshot(request)).await;
    sleep(Duration::from_secs(60)).await;
    log.to_string()
}
// ANCHOR_END: client_left

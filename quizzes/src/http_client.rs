//! "HTTP client calls": reqwest's own time limit, against a slow server on
//! 127.0.0.1 (real time: the socket is real I/O).

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::time::sleep;

use crate::{Question, real_time};

pub fn questions() -> Vec<Question> {
    vec![real_time!("http-client-timeout", client_timeout)]
}

// ANCHOR: client_timeout
pub async fn client_timeout() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            sleep(Duration::from_secs(2)).await;
            "late"
        }),
    );
    tokio::spawn(async move { axum::serve(listener, slow).await });
    let result = reqwest::Client::new()
        .get(format!("http://{address}/slow"))
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    match result {
        Ok(response) => format!("status {}", response.status()),
        Err(error) => format!("error, is_timeout: {}", error.is_timeout()),
    }
}
// ANCHOR_END: client_timeout

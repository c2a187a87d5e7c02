//! Examples for "HTTP client calls" (src/http-client.md) that are not the
//! exercise's solution: a client with its time limits, and what a caller
//! does about each kind of failure, with tests that pin what the chapter says.

use std::time::Duration;

use reqwest::Client;

// ANCHOR: client_builder
/// One client for the whole service (it holds the connection pool), with
/// limits for every request it sends.
pub fn supplier_client() -> reqwest::Result<Client> {
    Client::builder()
        // From connecting to the last byte of the body, per request.
        .timeout(Duration::from_secs(30))
        // The whole connect: DNS, TCP, and TLS or a proxy tunnel when there
        // are any (reqwest's connect.rs wraps the connector in it).
        .connect_timeout(Duration::from_secs(3))
        // Between two reads from the connection: a server that stalls.
        .read_timeout(Duration::from_secs(10))
        .build()
}
// ANCHOR_END: client_builder

// ANCHOR: classify
/// What a caller does about a failed call, by the kind of failure.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    RetryLater,
    CheckTheAddress,
    ReportTheStatus(u16),
    GiveUp,
}

pub fn what_next(error: &reqwest::Error) -> Next {
    if error.is_timeout() {
        Next::RetryLater
    } else if error.is_connect() {
        Next::CheckTheAddress
    } else if let Some(status) = error.status() {
        // Only set for errors made by `error_for_status()` (`is_status()`).
        Next::ReportTheStatus(status.as_u16())
    } else {
        Next::GiveUp
    }
}
// ANCHOR_END: classify

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;
    use test_support::http::TestServer;
    use test_support::paused;
    use tokio::time::Instant;

    use super::*;

    async fn server() -> TestServer {
        let router = Router::new()
            .route(
                "/silent",
                get(|| async {
                    std::future::pending::<()>().await;
                    "never"
                }),
            )
            .route(
                "/missing",
                get(|| async { (axum::http::StatusCode::NOT_FOUND, "no") }),
            );
        TestServer::start(router).await
    }

    #[test]
    fn the_client_timeout_applies_to_every_request() {
        paused(|| async {
            let server = server().await;
            let client = Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let start = Instant::now();
            let error = client.get(server.url("/silent")).send().await.unwrap_err();
            assert_eq!(start.elapsed(), Duration::from_secs(30));
            assert!(error.is_timeout());
            assert_eq!(what_next(&error), Next::RetryLater);
        });
    }

    #[test]
    fn a_per_request_timeout_overrides_the_clients() {
        paused(|| async {
            let server = server().await;
            let client = supplier_client().unwrap();
            let start = Instant::now();
            let error = client
                .get(server.url("/silent"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .unwrap_err();
            assert_eq!(start.elapsed(), Duration::from_secs(2));
            assert!(error.is_timeout());
        });
    }

    #[test]
    fn the_read_timeout_also_covers_waiting_for_the_answer() {
        paused(|| async {
            let server = server().await;
            let client = supplier_client().unwrap();
            let start = Instant::now();
            let error = client.get(server.url("/silent")).send().await.unwrap_err();
            // 10 s read timeout, before the 30 s total one.
            assert_eq!(start.elapsed(), Duration::from_secs(10));
            assert!(error.is_timeout());
        });
    }

    #[test]
    fn a_closed_port_is_a_connect_error() {
        paused(|| async {
            // A port that was free a moment ago, and has nobody listening now.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            drop(listener);
            let error = Client::new()
                .get(format!("http://{address}/"))
                .send()
                .await
                .unwrap_err();
            assert!(error.is_connect());
            assert_eq!(what_next(&error), Next::CheckTheAddress);
        });
    }

    #[test]
    fn an_error_status_is_an_error_only_after_error_for_status() {
        paused(|| async {
            let server = server().await;
            let response = Client::new()
                .get(server.url("/missing"))
                .send()
                .await
                .expect("a 404 is a response, not an error");
            assert_eq!(response.status(), 404);
            let error = response.error_for_status().unwrap_err();
            assert!(error.is_status());
            assert_eq!(what_next(&error), Next::ReportTheStatus(404));
        });
    }
}

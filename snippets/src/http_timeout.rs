//! Examples for "HTTP: request time limits" (src/http-timeout.md) that are
//! not the exercise's solution: one limit for a whole router, and a limit on
//! the pauses in a request body, with tests that pin what the chapter says.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

// ANCHOR: whole_router
/// One limit for every route: `Router::layer` wraps the routes added so far.
pub fn api() -> Router {
    Router::new()
        .route("/orders", get(|| async { "orders" }))
        .route("/customers", get(|| async { "customers" }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
}
// ANCHOR_END: whole_router

// ANCHOR: body_timeout
/// An upload route: the client may pause at most 5 s between two pieces of
/// its request body. The handler's own time is not limited by this layer.
pub fn uploads() -> Router {
    Router::new().route(
        "/upload",
        post(upload).layer(RequestBodyTimeoutLayer::new(Duration::from_secs(5))),
    )
}

async fn upload(body: Bytes) -> String {
    // Reading the body into `Bytes` fails if the client stalls too long.
    format!("{} bytes", body.len())
}
// ANCHOR_END: body_timeout

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll, ready};

    use axum::body::{Body, HttpBody};
    use axum::http::Request;
    use http_body::Frame;
    use tokio::time::{Instant, Sleep};
    use tower::ServiceExt;

    use super::*;

    /// A body that sends one piece, then nothing, for ever: a stalled client.
    struct Stalled {
        sent: bool,
    }

    impl HttpBody for Stalled {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            if self.sent {
                Poll::Pending
            } else {
                self.sent = true;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"first piece")))))
            }
        }
    }

    /// A body that sends `left` lines, one a second.
    struct Drip {
        left: u32,
        next: Pin<Box<Sleep>>,
    }

    impl HttpBody for Drip {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            if self.left == 0 {
                return Poll::Ready(None);
            }
            ready!(self.next.as_mut().poll(cx));
            self.left -= 1;
            let later = self.next.deadline() + Duration::from_secs(1);
            self.next.as_mut().reset(later);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"line\n")))))
        }
    }

    #[test]
    fn a_stalled_upload_is_cut_off_after_the_idle_time() {
        test_support::paused(|| async {
            let start = Instant::now();
            let request = Request::post("/upload")
                .body(Body::new(Stalled { sent: false }))
                .unwrap();
            let response = uploads().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            assert_eq!(start.elapsed(), Duration::from_secs(5));
        });
    }

    #[test]
    fn a_route_added_after_the_layer_has_no_limit() {
        test_support::paused(|| async {
            let app = api().route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "slow"
                }),
            );
            let start = Instant::now();
            let request = Request::get("/slow").body(Body::empty()).unwrap();
            let response = app.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(start.elapsed(), Duration::from_secs(60));
        });
    }

    #[test]
    fn the_time_limit_ends_with_the_response_head_not_the_body() {
        test_support::paused(|| async {
            let limited = Router::new().route(
                "/export",
                get(|| async {
                    Body::new(Drip {
                        left: 30,
                        next: Box::pin(tokio::time::sleep(Duration::from_millis(500))),
                    })
                })
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(10),
                )),
            );
            let start = Instant::now();
            let request = Request::get("/export").body(Body::empty()).unwrap();
            let response = limited.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            // 30 lines, the last at t=29.5s: well past the 10 s limit.
            assert_eq!(body.len(), 30 * 5);
            assert_eq!(start.elapsed(), Duration::from_millis(29_500));
        });
    }
}

//! Examples for the chapter "Capstone: a cancellable upload" that are not
//! the exercise's solution: what `DefaultBodyLimit` does and does not limit,
//! and progress reporting. Their tests pin what the chapter says.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::post;
use axum::{RequestExt, Router};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

/// Reads a body stream to its end: the number of bytes, or where it failed.
async fn count(body: Body) -> String {
    let mut chunks = body.into_data_stream();
    let mut total = 0;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(chunk) => total += chunk.len(),
            Err(error) => return format!("error after {total} bytes: {error}"),
        }
    }
    total.to_string()
}

// ANCHOR: default_body_limit
/// Three ways to take a body, under one `DefaultBodyLimit` of 1 KiB.
pub fn limits_router() -> Router {
    Router::new()
        // `Bytes` (like `String`, `Json`, `Form`, `Multipart`) obeys the limit:
        // a larger body is answered 413 before the handler runs.
        .route(
            "/bytes",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        // A raw `Body` stream does not: this handler reads every byte.
        .route("/raw", post(|body: Body| count(body)))
        // `into_limited_body` applies the limit to a stream: it fails past 1 KiB.
        .route(
            "/limited",
            post(|request: Request| count(request.into_limited_body())),
        )
        .layer(DefaultBodyLimit::max(1024))
}
// ANCHOR_END: default_body_limit

// ANCHOR: progress
/// Passes the chunks on unchanged, publishing the running byte count: a
/// progress bar (or a log line every few MiB) reads it from the receiver.
pub fn with_progress<S, E>(
    body: S,
    progress: watch::Sender<u64>,
) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    body.inspect(move |chunk| {
        if let Ok(chunk) = chunk {
            progress.send_modify(|received| *received += chunk.len() as u64);
        }
    })
}
// ANCHOR_END: progress

/// Reports what each request's handler saw: `"waited 10 s"`, then the
/// outcome of reading the body. The tests below pin the two ways a client
/// that leaves mid-upload reaches a handler.
pub fn disconnect_router(report: tokio::sync::mpsc::UnboundedSender<String>) -> Router {
    Router::new()
        // Reads the body from the start.
        .route(
            "/reads",
            post({
                let report = report.clone();
                move |body: Body| async move {
                    let outcome = count(body).await;
                    report.send(outcome.clone()).ok();
                    outcome
                }
            }),
        )
        // Waits ten seconds (a quota check, a virus scanner) before it reads.
        .route(
            "/waits",
            post(move |body: Body| async move {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                report.send("waited 10 s".to_owned()).ok();
                let outcome = count(body).await;
                report.send(outcome.clone()).ok();
                outcome
            }),
        )
}

#[cfg(test)]
mod tests {
    use std::io;

    use futures_util::stream;
    use test_support::http::TestServer;
    use test_support::{TempDir, paused};

    use super::*;
    use crate::{DEFAULT_LIMIT, UploadConfig, app, save_upload};

    async fn post(server: &TestServer, path: &str, size: usize) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(server.url(path))
            .body(vec![b'x'; size])
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    #[test]
    fn default_body_limit_stops_bytes_but_not_a_raw_stream() {
        paused(|| async {
            let server = TestServer::start(limits_router()).await;
            assert_eq!(
                post(&server, "/bytes", 1000).await,
                (200, "1000".to_owned())
            );
            assert_eq!(post(&server, "/bytes", 10_000).await.0, 413);
            assert_eq!(
                post(&server, "/raw", 10_000).await,
                (200, "10000".to_owned())
            );
            let (status, text) = post(&server, "/limited", 10_000).await;
            assert_eq!(status, 200);
            assert!(text.starts_with("error after"), "{text}");
            assert!(text.contains("length limit exceeded"), "{text}");
        });
    }

    /// A client still sending a body far over the limit gets the 413: the
    /// server answers early and reqwest (hyper) reads the early answer.
    #[test]
    fn a_client_still_sending_gets_the_early_413() {
        paused(|| async {
            let dir = TempDir::new("upload-early-413");
            let server =
                TestServer::start(app(UploadConfig::new(dir.path()).with_limit(64 * 1024))).await;
            let (status, _) = post(&server, "/upload?name=big.iso", 32 << 20).await;
            assert_eq!(status, 413);
            assert!(dir.file_names().is_empty());
        });
    }

    #[test]
    fn progress_counts_every_byte() {
        paused(|| async {
            let dir = TempDir::new("upload-progress");
            let (progress, watcher) = watch::channel(0);
            let body = stream::iter([
                Ok::<_, io::Error>(Bytes::from_static(b"hello ")),
                Ok(Bytes::from_static(b"world\n")),
            ]);
            let saved = save_upload(
                dir.path(),
                "greeting.txt",
                with_progress(body, progress),
                DEFAULT_LIMIT,
            )
            .await
            .unwrap();
            assert_eq!(saved.size, 12);
            assert_eq!(*watcher.borrow(), 12);
        });
    }

    /// Sends the start of a 10 000-byte body to `path`, then closes the
    /// connection: the client went away mid-upload.
    async fn leave_mid_body(server: &TestServer, path: &str) {
        use tokio::io::AsyncWriteExt;
        let mut socket = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let head = format!("POST {path} HTTP/1.1\r\nhost: test\r\ncontent-length: 10000\r\n\r\n");
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&[b'x'; 3000]).await.unwrap();
        drop(socket);
    }

    async fn reports(receiver: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> Vec<String> {
        // A virtual minute for the handler to do whatever it will do.
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        let mut seen = Vec::new();
        while let Ok(report) = receiver.try_recv() {
            seen.push(report);
        }
        seen
    }

    #[test]
    fn a_client_that_leaves_while_the_body_is_read_makes_the_stream_fail() {
        paused(|| async {
            let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
            let server = TestServer::start(disconnect_router(sender)).await;
            leave_mid_body(&server, "/reads").await;
            let seen = reports(&mut receiver).await;
            // The handler's next read fails: it sees the client leave.
            assert_eq!(seen.len(), 1, "{seen:?}");
            assert!(seen[0].starts_with("error after 3000 bytes"), "{seen:?}");
        });
    }

    #[test]
    fn a_client_that_leaves_while_the_handler_waits_is_not_noticed_until_it_reads() {
        paused(|| async {
            let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
            let server = TestServer::start(disconnect_router(sender)).await;
            leave_mid_body(&server, "/waits").await;
            let seen = reports(&mut receiver).await;
            // Nobody dropped the handler: it waited its ten seconds in full,
            // and learnt that the client had gone only when it read.
            assert_eq!(seen.len(), 2, "{seen:?}");
            assert_eq!(seen[0], "waited 10 s", "{seen:?}");
            assert!(seen[1].starts_with("error after 3000 bytes"), "{seen:?}");
        });
    }
}

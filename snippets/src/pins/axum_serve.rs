//! What "Graceful shutdown" (src/shutdown.md) says about `axum::serve`: each
//! connection runs on a task of its own, so dropping (or timing out) the
//! serve future leaves the requests in progress running; and an upgraded
//! connection (a WebSocket) is neither waited for nor told to stop by
//! `with_graceful_shutdown`.
//!
//! Source: axum `src/serve/mod.rs`, `handle_connection`: a `tokio::spawn` per
//! connection, whose task holds a `close_rx` clone (what the graceful
//! shutdown waits for) and calls `graceful_shutdown()` on the hyper
//! connection when the signal comes. hyper `src/server/conn/http1.rs`
//! (`UpgradeableConnection::poll`): on an upgrade the connection future hands
//! its socket over and completes, so that task ends and drops its `close_rx`.
//! The upgraded socket then lives in whatever task the handler spawned (axum's
//! `WebSocketUpgrade::on_upgrade` does a plain `tokio::spawn`,
//! `src/extract/ws.rs`), which the server knows nothing about.

#[cfg(test)]
mod tests {
    use std::future::IntoFuture;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::extract::Request;
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use test_support::real_time;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::{Notify, oneshot};
    use tokio::time::timeout;
    use tokio_util::sync::CancellationToken;

    /// Only a broken test waits this long for an event.
    const EVENT_LIMIT: Duration = Duration::from_secs(5);

    /// Sets its flag when dropped: "the handler (or the task) is gone".
    struct Flag(Arc<AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A handler that says it started, then waits for `release`.
    fn slow_app(
        started: oneshot::Sender<()>,
        release: Arc<Notify>,
        gone: Arc<AtomicBool>,
    ) -> Router {
        let started = Arc::new(std::sync::Mutex::new(Some(started)));
        let handler = move || {
            let started = started.lock().unwrap().take();
            let (release, gone) = (release.clone(), gone.clone());
            async move {
                let _gone = Flag(gone);
                let _ = started.map(|started| started.send(()));
                release.notified().await;
                "finished"
            }
        };
        Router::new().route("/report", get(handler))
    }

    #[test]
    fn dropping_the_serve_future_leaves_the_handler_running() {
        real_time(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/report", listener.local_addr().unwrap());
            let (started_tx, started) = oneshot::channel();
            let release = Arc::new(Notify::new());
            let gone = Arc::new(AtomicBool::new(false));
            let app = slow_app(started_tx, release.clone(), gone.clone());
            let never = CancellationToken::new();
            let serve = axum::serve(listener, app)
                .with_graceful_shutdown(never.cancelled_owned())
                .into_future();

            let client = tokio::spawn(async move {
                let client = reqwest::Client::builder().no_proxy().build()?;
                client.get(url).send().await?.text().await
            });
            // What `timeout(budget, serve)` does when the budget runs out: the
            // serve future is dropped, here as soon as the handler has started.
            tokio::select! {
                _ = serve => panic!("the server stopped by itself"),
                started = timeout(EVENT_LIMIT, started) => started.unwrap().unwrap(),
            }
            assert!(
                !gone.load(Ordering::SeqCst),
                "the handler was dropped with the serve future"
            );
            // The connection's own task still runs the handler to its end.
            release.notify_one();
            let body = timeout(EVENT_LIMIT, client).await.unwrap().unwrap();
            assert_eq!(body.unwrap(), "finished");
            assert!(gone.load(Ordering::SeqCst));
        });
    }

    /// Answers 101 and keeps the upgraded socket in a task of its own, as
    /// `WebSocketUpgrade::on_upgrade` does. The task writes one line when
    /// `release` is notified, then ends.
    fn upgrade_app(release: Arc<Notify>, gone: Arc<AtomicBool>) -> Router {
        let handler = move |mut request: Request| {
            let (release, gone) = (release.clone(), gone.clone());
            async move {
                let on_upgrade = hyper::upgrade::on(&mut request);
                tokio::spawn(async move {
                    let _gone = Flag(gone);
                    let Ok(mut upgraded) = on_upgrade.await else {
                        return;
                    };
                    release.notified().await;
                    let line = b"still here\n";
                    let mut written = 0;
                    while written < line.len() {
                        let n = std::future::poll_fn(|cx| {
                            hyper::rt::Write::poll_write(
                                Pin::new(&mut upgraded),
                                cx,
                                &line[written..],
                            )
                        })
                        .await
                        .unwrap();
                        written += n;
                    }
                });
                (
                    StatusCode::SWITCHING_PROTOCOLS,
                    [(header::CONNECTION, "upgrade"), (header::UPGRADE, "lines")],
                )
                    .into_response()
            }
        };
        Router::new().route("/lines", get(handler))
    }

    #[test]
    fn graceful_shutdown_neither_waits_for_nor_signals_an_upgraded_connection() {
        real_time(|| async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let release = Arc::new(Notify::new());
            let gone = Arc::new(AtomicBool::new(false));
            let shutdown = CancellationToken::new();
            let serve = tokio::spawn(
                axum::serve(listener, upgrade_app(release.clone(), gone.clone()))
                    .with_graceful_shutdown(shutdown.clone().cancelled_owned())
                    .into_future(),
            );

            let mut socket = TcpStream::connect(address).await.unwrap();
            socket
                .write_all(
                    b"GET /lines HTTP/1.1\r\nHost: test\r\nConnection: upgrade\r\nUpgrade: lines\r\n\r\n",
                )
                .await
                .unwrap();
            let head = timeout(EVENT_LIMIT, read_until(&mut socket, b"\r\n\r\n"))
                .await
                .unwrap();
            assert!(head.starts_with("HTTP/1.1 101"), "{head}");

            // The stop signal: serve completes without waiting for the
            // upgraded connection, which is still open...
            shutdown.cancel();
            timeout(EVENT_LIMIT, serve)
                .await
                .expect("serve returned although an upgraded connection is open")
                .unwrap()
                .unwrap();
            assert!(
                !gone.load(Ordering::SeqCst),
                "the upgraded task was stopped"
            );
            // ...and was told nothing: it goes on using the socket afterwards.
            release.notify_one();
            let line = timeout(EVENT_LIMIT, read_until(&mut socket, b"\n"))
                .await
                .unwrap();
            assert_eq!(line, "still here\n");
        });
    }

    /// Reads from `socket` until `end` has been read; returns what was read.
    async fn read_until(socket: &mut TcpStream, end: &[u8]) -> String {
        let mut read = Vec::new();
        while !read.ends_with(end) {
            let mut byte = [0; 1];
            let n = socket.read(&mut byte).await.unwrap();
            assert_eq!(n, 1, "the connection closed after {read:?}");
            read.push(byte[0]);
        }
        String::from_utf8(read).unwrap()
    }
}

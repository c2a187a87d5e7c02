//! The examples of the "streams" chapter (src/streams.md) that are not the
//! exercise's solution, compiled and tested here.
//!
//! A consumer that stops a stream with a token (`take_until`), a producer
//! task that stops the moment its receiver goes (`Sender::closed`), and a
//! spawned producer tied to a token (`run_until_cancelled_owned`). The tests
//! pin what the chapter says about futures-util, tokio and tokio-util.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

// ANCHOR: take_until
/// The consumer's side: read `rows` until `token` is cancelled. The `for`
/// loop of an `await foreach (.. in rows.WithCancellation(token))`.
pub async fn read_until_cancelled(
    rows: impl Stream<Item = u32>,
    token: CancellationToken,
) -> Vec<u32> {
    let rows = rows.take_until(token.cancelled_owned());
    let mut rows = std::pin::pin!(rows);
    let mut seen = Vec::new();
    while let Some(row) = rows.next().await {
        seen.push(row);
    }
    seen // `rows` is dropped here, and the stream inside it with it
}
// ANCHOR_END: take_until

/// One page of rows: a slow query.
pub async fn query(page: u32) -> u32 {
    tokio::time::sleep(Duration::from_secs(10)).await;
    page
}

// ANCHOR: closed
/// A producer that must be a task: it stops the moment the receiver is
/// dropped, not at its next `send`, because every query is raced against
/// `closed()`.
pub async fn produce(pages: mpsc::Sender<u32>, on_query_done: impl Fn(u32)) {
    for page in 1.. {
        let rows = tokio::select! {
            rows = query(page) => rows,
            () = pages.closed() => return, // nobody reads: drop the query
        };
        on_query_done(page);
        if pages.send(rows).await.is_err() {
            return;
        }
    }
}
// ANCHOR_END: closed

// ANCHOR: owned
/// A spawned producer tied to a token: `run_until_cancelled_owned` takes
/// the token by value, so the future is `'static` and can be spawned.
/// Cancelling the token drops `produce` wherever it waits.
pub fn spawn_producer(
    token: &CancellationToken,
    pages: mpsc::Sender<u32>,
) -> tokio::task::JoinHandle<Option<()>> {
    tokio::spawn(
        token
            .clone()
            .run_until_cancelled_owned(produce(pages, |_page| {})),
    )
}
// ANCHOR_END: owned

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use test_support::paused;

    use super::*;

    /// Something that says when it is dropped.
    struct Guard(Arc<Mutex<bool>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = true;
        }
    }

    /// futures-util 0.3 `src/stream/stream/take_until.rs`, `poll_next`:
    /// the stop future is polled first, so once it is ready the stream
    /// ends, even with items ready inside; the inner stream is not dropped
    /// then, only with the `TakeUntil` (tokio-stream 0.1 has no
    /// `take_until`: it is futures-util's).
    #[test]
    fn take_until_ends_the_stream_first_and_drops_it_only_with_itself() {
        paused(|| async {
            let token = CancellationToken::new();
            let dropped = Arc::new(Mutex::new(false));
            let guard = Guard(dropped.clone());
            let rows = futures_util::stream::iter(1..=1_000).map(move |row| {
                let _guard = &guard;
                row
            });
            let mut rows = Box::pin(rows.take_until(token.clone().cancelled_owned()));
            assert_eq!(rows.next().await, Some(1));
            token.cancel();
            assert_eq!(rows.next().await, None, "ended, with 999 rows ready");
            assert!(!*dropped.lock().unwrap(), "the inner stream is still alive");
            drop(rows);
            assert!(*dropped.lock().unwrap(), "dropped with the TakeUntil");

            // The example: a cancelled token ends the loop.
            let token = CancellationToken::new();
            token.cancel();
            let seen = read_until_cancelled(futures_util::stream::iter(1..=3), token).await;
            assert!(seen.is_empty());
        });
    }

    /// tokio 1.x `src/sync/mpsc/bounded.rs`, `Sender::closed`: completes
    /// when the receiver is dropped. The producer stops at that instant,
    /// in the middle of a 10-second query, and its query never finishes.
    #[test]
    fn closed_stops_the_producer_in_the_middle_of_a_query() {
        paused(|| async {
            let (pages, mut receiver) = mpsc::channel(1);
            let done = Arc::new(Mutex::new(Vec::new()));
            let log = done.clone();
            let start = tokio::time::Instant::now();
            let producer = tokio::spawn(produce(pages, move |page| log.lock().unwrap().push(page)));
            assert_eq!(receiver.recv().await, Some(1));
            tokio::time::sleep(Duration::from_secs(2)).await; // t=12s, page 2 due at t=20s
            drop(receiver);
            producer.await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(12), "stopped at once");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert_eq!(
                *done.lock().unwrap(),
                vec![1],
                "page 2's query never finished"
            );
        });
    }

    /// tokio-util 0.7.20 `src/sync/cancellation_token.rs`,
    /// `run_until_cancelled_owned`: `None` once the token is cancelled, and
    /// the future is dropped (here the producer's `Sender`, so the receiver
    /// sees the end).
    #[test]
    fn run_until_cancelled_owned_drops_the_spawned_future() {
        paused(|| async {
            let token = CancellationToken::new();
            let (pages, mut receiver) = mpsc::channel(1);
            let producer = spawn_producer(&token, pages);
            assert_eq!(receiver.recv().await, Some(1));
            token.cancel();
            assert_eq!(producer.await.unwrap(), None);
            assert_eq!(receiver.recv().await, None, "the Sender was dropped");
        });
    }

    /// hyper drops a streamed response body when its client goes away
    /// (hyper 1.12 `src/proto/h1/conn.rs`, `poll_read_keep_alive` and
    /// `mid_message_detect_eof`: an EOF while the response is in flight
    /// ends the connection and drops the body). The stream's own drop guard
    /// says so; no timer is involved.
    #[test]
    fn hyper_drops_the_body_stream_when_the_client_leaves() {
        /// Tells the test when the body stream is dropped.
        struct Told(mpsc::UnboundedSender<()>);
        impl Drop for Told {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        paused(|| async {
            let (told, mut dropped) = mpsc::unbounded_channel::<()>();
            let router = axum::Router::new().route(
                "/export",
                axum::routing::get(move || {
                    let guard = Told(told.clone());
                    async move {
                        let first =
                            futures_util::stream::iter([Ok::<_, std::io::Error>("page 1\n")]);
                        let rest = futures_util::stream::pending();
                        axum::body::Body::from_stream(first.chain(rest).map(move |chunk| {
                            let _guard = &guard;
                            chunk
                        }))
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

            let mut response = reqwest::Client::new()
                .get(format!("http://{addr}/export"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.chunk().await.unwrap().unwrap(), "page 1\n");
            assert!(dropped.try_recv().is_err(), "the body is still being sent");
            drop(response);
            // Only hyper's drop of the body can send this; no timer runs.
            assert_eq!(dropped.recv().await, Some(()));
        });
    }
}

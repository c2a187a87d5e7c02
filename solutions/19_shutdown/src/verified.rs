//! Behaviour the chapter states about axum's graceful shutdown, pinned here
//! (the exercise's tests cover the rest).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use test_support::paused;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use super::{Events, run};

/// A client that keeps its connection open (reqwest pools it) does not hold
/// the shutdown up: the server closes idle keep-alive connections itself.
#[test]
fn an_idle_keep_alive_connection_does_not_hold_up_the_stop() {
    paused(|| async {
        let origin = Instant::now();
        let (sender, mut started) = tokio::sync::mpsc::unbounded_channel();
        let events: Events = Arc::new(move |event| {
            let _ = sender.send(event);
        });
        let shutdown = CancellationToken::new();
        let service = tokio::spawn(run(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            shutdown.clone(),
            events,
        ));
        let addr = loop {
            if let Some(super::Event::Started(addr)) = started.recv().await {
                break addr;
            }
        };
        let client = reqwest::Client::new();
        sleep_until(origin + Duration::from_millis(1250)).await;
        let answer = client
            .get(format!("http://{addr}/report"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(answer, "the report\n");
        // The client (still alive) keeps the connection in its pool.
        sleep_until(origin + Duration::from_millis(20_500)).await;
        shutdown.cancel();
        service.await.unwrap().unwrap();
        assert_eq!(origin.elapsed(), Duration::from_millis(20_500));
        drop(client);
    });
}

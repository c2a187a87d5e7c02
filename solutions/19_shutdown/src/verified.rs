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

/// `serve_until_signal`, as `main` runs it: it serves until SIGTERM (what
/// `docker stop` and systemd send), then stops gracefully and returns `Ok`.
/// The signal is real: sent to this test process by `kill`, once the server
/// answers, so tokio's handler is in place (it replaces the default action,
/// which would end the process). Unix only; it binds 127.0.0.1:8080, as the
/// book's `main` does.
#[cfg(unix)]
#[test]
fn sigterm_stops_serve_until_signal_gracefully() {
    test_support::bounded::run_within(Duration::from_secs(30), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let serving = tokio::spawn(super::serve_until_signal());
            let client = reqwest::Client::new();
            // Up to 5 s of real time for the server to answer.
            let mut answered = false;
            for _ in 0..100 {
                if client
                    .get("http://127.0.0.1:8080/health")
                    .send()
                    .await
                    .is_ok()
                {
                    answered = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                answered,
                "serve_until_signal never answered on 127.0.0.1:8080 (is the port taken?)"
            );
            assert!(
                !serving.is_finished(),
                "serve_until_signal returned before any signal"
            );
            let sent = std::process::Command::new("kill")
                .args(["-TERM", &std::process::id().to_string()])
                .status()
                .expect("run kill");
            assert!(sent.success());
            // The sync that starts with the service takes 5 s, and a graceful
            // stop lets it finish: 8 s is enough, far less than the watchdog.
            let stopped = tokio::time::timeout(Duration::from_secs(8), serving)
                .await
                .expect("serve_until_signal did not stop within 8 s of SIGTERM");
            assert!(matches!(stopped, Ok(Ok(()))), "it stopped with {stopped:?}");
        });
    });
}

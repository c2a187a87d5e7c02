//! The tests of exercise 15, shared by the starter, the solution and every
//! wrong fix. A real axum server on a loopback port, a real HTTP client, and
//! tokio's paused clock: the 35-second report takes milliseconds of real time.
//!
//! The client does not leave after a timer: it listens to the report's
//! progress and drops its request right after step 5 (or as soon as the
//! server has the request, or after step 1 or 34). That drop closes the
//! connection, and the server sees the close.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use test_support::http::{TestServer, hold_the_clock};
use test_support::{Lesson, Timeline, at, nothing_left_running, paused};
use tokio::sync::mpsc;

use super::*;

const CHAPTER: &str = "\"HTTP: the client went away\", section \"Spawned work is not cancelled\" (src/http-disconnect.md)";

/// A progress listener that records each step on the timeline and also
/// sends its number to the test.
fn listen(timeline: &Timeline) -> (OnStep, mpsc::UnboundedReceiver<u32>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let timeline = timeline.clone();
    let on_step: OnStep = Arc::new(move |step| {
        timeline.record(format!("step {step} done"));
        let _ = sender.send(step);
    });
    (on_step, receiver)
}

/// Wraps a router in a layer that tells the test when the server lets go of
/// a request: its future has finished, or has been dropped. (The
/// solution's own tests use it.)
#[allow(dead_code)]
pub(crate) fn watched(router: axum::Router) -> (axum::Router, mpsc::UnboundedReceiver<()>) {
    let (router, _entered, let_go) = watched_from_the_start(router);
    (router, let_go)
}

/// `watched`, and also told when the server starts on a request.
fn watched_from_the_start(
    router: axum::Router,
) -> (
    axum::Router,
    mpsc::UnboundedReceiver<()>,
    mpsc::UnboundedReceiver<()>,
) {
    let (entered, entered_receiver) = mpsc::unbounded_channel();
    let (sender, receiver) = mpsc::unbounded_channel();
    let watch = move |request: Request, next: Next| {
        let sender = sender.clone();
        let _ = entered.send(());
        async move {
            struct LetGo(mpsc::UnboundedSender<()>);
            impl Drop for LetGo {
                fn drop(&mut self) {
                    let _ = self.0.send(());
                }
            }
            let _let_go = LetGo(sender);
            next.run(request).await
        }
    };
    (
        router.layer(middleware::from_fn(watch)),
        entered_receiver,
        receiver,
    )
}

/// The client drops its request right after step `leave_after` (0: as soon
/// as the server has the request); no step may run after that, ever.
async fn the_client_leaves_after(leave_after: u32) {
    let timeline = Timeline::start();
    let (on_step, mut steps) = listen(&timeline);
    let (router, mut entered, mut let_go) = watched_from_the_start(app(on_step));
    let server = TestServer::start(router).await;
    let client = reqwest::Client::new();

    timeline.record("client sends GET /report");
    // The clock stands still until the server has the request.
    let hold = hold_the_clock();
    let request = client.get(server.url("/report")).send();
    let moment = async {
        entered.recv().await;
        drop(hold);
        if leave_after == 0 {
            timeline.record("server: the request is in");
            return;
        }
        while let Some(step) = steps.recv().await {
            if step == leave_after {
                return;
            }
        }
    };
    // Whichever comes first: the answer, or the moment to leave. Then
    // `select!` drops the request future, and reqwest closes the connection.
    tokio::select! {
        response = request => {
            let what = match response {
                Ok(response) => format!("answered {}", response.status()),
                Err(error) => format!("failed ({error})"),
            };
            Lesson::new(CHAPTER, format!("the request {what} at {}, before step {leave_after} of 35", at(timeline.now())))
                .ask("A patient client must get the whole report. Does the work stop before it is done, or before it starts?")
                .timeline(&timeline)
                .fail();
        }
        () = moment => {}
    }
    let left_at = timeline.now();
    timeline.record_cancel("client gives up and closes the connection");
    // Let the server see the close before the clock moves on.
    let hold = hold_the_clock();
    if tokio::time::timeout(Duration::from_secs(60), let_go.recv())
        .await
        .is_ok()
    {
        timeline.record("server: the request's future is dropped");
    }
    drop(hold);

    // Give any work that is still running an hour to show itself.
    tokio::time::sleep(test_support::leftovers::AN_HOUR).await;
    let late = timeline.after(left_at, "step").len();
    let last = timeline.last("step").unwrap_or_default();
    Lesson::new(
        CHAPTER,
        format!(
            "the client left at {}, but the report went on: {late} more steps ran, the last at {}",
            at(left_at),
            at(last)
        ),
    )
    .ask(
        "axum drops the handler's future when its client goes away. Is the work part of that \
         future, or does it run on a task of its own that nobody stops? And once the work \
         hears of it, does it stop at once, or finish the step it is in?",
    )
    .timeline(&timeline)
    .check(late == 0);
    nothing_left_running(&timeline, CHAPTER, &["step"], &[]).await;
}

#[test]
fn the_report_stops_when_the_client_goes_away() {
    paused(|| the_client_leaves_after(5));
}

#[test]
fn the_report_stops_however_early_or_late_the_client_goes() {
    paused(|| async {
        for leave_after in [0, 1, 34] {
            the_client_leaves_after(leave_after).await;
        }
    });
}

#[test]
fn a_patient_client_gets_all_35_rows() {
    paused(|| async {
        let timeline = Timeline::start();
        let (on_step, _steps) = listen(&timeline);
        let server = TestServer::start(app(on_step)).await;
        let client = reqwest::Client::new();

        timeline.record("client sends GET /report and waits");
        let outcome = async {
            let response = client.get(server.url("/report")).send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        }
        .await;
        timeline.record("client has the answer");
        let (status, body) = match outcome {
            Ok(answer) => answer,
            Err(error) => Lesson::new(CHAPTER, format!("the request failed: {error}"))
                .timeline(&timeline)
                .fail(),
        };
        let expected: String = (1..=STEPS)
            .map(|step| format!("{}\n", step * step))
            .collect();
        Lesson::new(
            CHAPTER,
            format!(
                "a patient client got {status} with {} rows instead of 200 OK with 35",
                body.lines().count()
            ),
        )
        .ask("The fix should change when the work stops, not what it produces.")
        .timeline(&timeline)
        .check(status == reqwest::StatusCode::OK && body == expected);
        let answered = timeline.last("client has").unwrap_or_default();
        Lesson::new(
            CHAPTER,
            format!(
                "35 steps of 1 s should be answered at t=35s, but the answer came at {}",
                at(answered)
            ),
        )
        .timeline(&timeline)
        .check(answered == STEP_TIME * STEPS);
        // Answered: nothing of the report may go on.
        nothing_left_running(&timeline, CHAPTER, &["step"], &[]).await;
    });
}

//! The tests of exercise 16, shared by the starter, the solution and every
//! wrong fix. No network here: each test hands one request to the router
//! with `tower::ServiceExt::oneshot`, the way axum's own tests do, under
//! tokio's paused clock. Every instant below is exact.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use test_support::leftovers::AN_HOUR;
use test_support::{
    Lesson, Probe, Timeline, at, check_nothing_after, drop_at_every_point, nothing_left_running,
    paused,
};
use tower::ServiceExt;

use super::*;

const CHAPTER: &str = "\"HTTP: request time limits\", section \"A time limit that drops the handler\" (src/http-timeout.md)";
const DROPPED: &str = "\"HTTP: the client went away\", section \"Spawned work is not cancelled\" (src/http-disconnect.md)";

/// What counts as the report's work on the timeline.
const WORK: &[&str] = &["month", "report finished"];

/// Records the report's progress on the timeline. The callback also holds
/// `probe`: whatever still holds the callback is still alive.
fn record(timeline: &Timeline, probe: &Probe) -> OnProgress {
    let timeline = timeline.clone();
    let held = probe.hold();
    Arc::new(move |progress| {
        let _alive = &held;
        match progress {
            Progress::Month(month) => timeline.record(format!("month {month} queried")),
            Progress::Finished => timeline.record("report finished"),
            Progress::Ended => timeline.record("report work ended (its guard was dropped)"),
        }
    })
}

/// The probe that rides in the progress callback.
fn callback_probe() -> Probe {
    Probe::new("the report's progress callback")
}

/// Sends `GET path` to the app and records the answer. Returns the status,
/// the body, and when the answer came.
async fn get(timeline: &Timeline, probe: &Probe, path: &str) -> (StatusCode, String, Duration) {
    timeline.record(format!("GET {path}"));
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app(record(timeline, probe))
        .oneshot(request)
        .await
        .expect("axum routers never fail");
    let status = response.status();
    let answered = timeline.now();
    timeline.record(format!("answered {status}"));
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a readable body");
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        answered,
    )
}

#[test]
fn a_slow_report_answers_503_at_exactly_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let (status, _, answered) = get(&timeline, &probe, "/reports/35").await;
        Lesson::new(
            CHAPTER,
            format!(
                "a 35-month report (35.5 s of work) answered {status} at {}; with a 10 s limit \
                 it should answer 503 Service Unavailable at t=10s",
                at(answered)
            ),
        )
        .ask(if status == StatusCode::REQUEST_TIMEOUT {
            "408 Request Timeout says the *client* was too slow to send its request, and invites \
             it to send the same request again (some browsers do, by themselves). Who was slow \
             here, and which status says so?"
        } else {
            "Is the time limit on the route that serves the report? axum's `.layer` only wraps \
             the routes added before it."
        })
        .timeline(&timeline)
        .check(status == StatusCode::SERVICE_UNAVAILABLE && answered == REPORT_LIMIT);
    });
}

#[test]
fn the_limit_stops_the_report_work() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let (status, _, answered) = get(&timeline, &probe, "/reports/35").await;
        // An hour for any work that is still running to show itself.
        tokio::time::sleep(AN_HOUR).await;

        let ended = timeline.last("report work ended");
        let finished = timeline.count("report finished") > 0;
        let late = timeline.after(REPORT_LIMIT, "month").len();
        Lesson::new(
            CHAPTER,
            format!(
                "the report's work should stop at the limit (t=10s), but: the client got {status} \
                 at {}, {late} months were queried after t=10s, the report {}, and its guard \
                 was dropped {}",
                at(answered),
                if finished {
                    "finished"
                } else {
                    "did not finish"
                },
                match ended {
                    Some(ended) => format!("at {}", at(ended)),
                    None => "never".to_owned(),
                }
            ),
        )
        .ask(
            "When the limit is reached, who drops the report's future? A timeout that \
             races a spawned task stops the waiting, not the task.",
        )
        .timeline(&timeline)
        .check(!finished && late == 0 && ended == Some(REPORT_LIMIT));
        check_nothing_after(&timeline, CHAPTER, answered, WORK, &[&probe]);
    });
}

/// The request's future is dropped before the limit, at each of its await
/// points in turn: the client went away, the server is shutting down.
#[test]
fn a_request_dropped_before_the_limit_stops_its_work() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = callback_probe();
                timeline.record("GET /reports/35");
                let request = Request::get("/reports/35").body(Body::empty()).unwrap();
                let call = app(record(&timeline, &probe)).oneshot(request);
                ((timeline, probe), call)
            },
            async |(timeline, probe), point| {
                let dropped = timeline.now();
                timeline.record_cancel(format!("the request is dropped {point}"));
                nothing_left_running(&timeline, DROPPED, WORK, &[&probe]).await;
                let ended = timeline.last("report work ended");
                Lesson::new(
                    DROPPED,
                    format!(
                        "the request was dropped {point}, before the limit (the client went \
                         away, the server shut down), but the report's guard was dropped {}",
                        match ended {
                            Some(ended) => format!("only at {}", at(ended)),
                            None => "never".to_owned(),
                        }
                    ),
                )
                .ask(
                    "The limit is one way the request ends; a dropped request is another. Does \
                     the work stop on both, or only when the time limit fires?",
                )
                .timeline(&timeline)
                .check(ended == Some(dropped));
            },
        )
        .await;
    });
}

#[test]
fn a_quick_report_is_answered_in_full() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let (status, body, answered) = get(&timeline, &probe, "/reports/3").await;
        Lesson::new(
            CHAPTER,
            format!(
                "a 3-month report (3.5 s of work) answered {status} at {} with {:?}; \
                 it should answer 200 OK at t=3.5s with three rows",
                at(answered),
                body
            ),
        )
        .ask("The limit must cut off slow reports only.")
        .timeline(&timeline)
        .check(
            status == StatusCode::OK
                && body == "100\n200\n300\n"
                && answered == Duration::from_millis(3500),
        );
        // Answered: nothing of the report may go on, or hold on.
        nothing_left_running(&timeline, CHAPTER, WORK, &[&probe]).await;
    });
}

#[test]
fn the_health_check_answers_at_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let (status, body, answered) = get(&timeline, &callback_probe(), "/health").await;
        Lesson::new(
            CHAPTER,
            format!("GET /health answered {status} {body:?} at {}", at(answered)),
        )
        .timeline(&timeline)
        .check(status == StatusCode::OK && body == "ok" && answered == Duration::ZERO);
    });
}

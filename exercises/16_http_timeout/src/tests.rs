//! The tests of exercise 16, shared by the starter, the solution and every
//! wrong fix. No network here: each test hands one request to the router
//! with `tower::ServiceExt::oneshot`, the way axum's own tests do, under
//! tokio's paused clock. Every instant below is exact.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use test_support::{Lesson, Timeline, at, paused};
use tower::ServiceExt;

use super::*;

const CHAPTER: &str = "\"HTTP: request time limits\", section \"A time limit that drops the handler\" (src/http-timeout.md)";

/// Records the report's progress on the timeline.
fn record(timeline: &Timeline) -> OnProgress {
    let timeline = timeline.clone();
    Arc::new(move |progress| match progress {
        Progress::Month(month) => timeline.record(format!("month {month} queried")),
        Progress::Finished => timeline.record("report finished"),
        Progress::Ended => timeline.record("report work ended (its guard was dropped)"),
    })
}

/// Sends `GET path` to the app and records the answer. Returns the status,
/// the body, and when the answer came.
async fn get(timeline: &Timeline, path: &str) -> (StatusCode, String, Duration) {
    timeline.record(format!("GET {path}"));
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app(record(timeline))
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
fn a_slow_report_answers_408_at_exactly_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        let (status, _, answered) = get(&timeline, "/reports/35").await;
        Lesson::new(
            CHAPTER,
            format!(
                "a 35-month report (35.5 s of work) answered {status} at {}; \
                 with a 10 s limit it should answer 408 Request Timeout at t=10s",
                at(answered)
            ),
        )
        .ask("Is the time limit on the route that serves the report? axum's `.layer` only wraps the routes added before it.")
        .timeline(&timeline)
        .check(status == StatusCode::REQUEST_TIMEOUT && answered == REPORT_LIMIT);
    });
}

#[test]
fn the_limit_stops_the_report_work() {
    paused(|| async {
        let timeline = Timeline::start();
        let (status, _, answered) = get(&timeline, "/reports/35").await;
        // Give any work that is still running a whole minute to show itself.
        tokio::time::sleep(Duration::from_secs(60)).await;

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
    });
}

#[test]
fn a_quick_report_is_answered_in_full() {
    paused(|| async {
        let timeline = Timeline::start();
        let (status, body, answered) = get(&timeline, "/reports/3").await;
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
    });
}

#[test]
fn the_health_check_answers_at_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let (status, body, answered) = get(&timeline, "/health").await;
        Lesson::new(
            CHAPTER,
            format!("GET /health answered {status} {body:?} at {}", at(answered)),
        )
        .timeline(&timeline)
        .check(status == StatusCode::OK && body == "ok" && answered == Duration::ZERO);
    });
}

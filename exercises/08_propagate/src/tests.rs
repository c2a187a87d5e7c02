//! The tests of exercise 08, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Each query takes
//! 1 s, so pages are read on whole seconds; the tests act on half seconds, so
//! a query and a cancel never fall on the same instant.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Passing cancellation down\", section \"Where the chain breaks\" (src/propagate.md)";
const CHAPTER_PARALLEL: &str =
    "\"Passing cancellation down\", section \"Side by side without spawning\" (src/propagate.md)";

/// The client stops waiting here, half-way between the 5th and 6th page.
const GIVE_UP_AT: Duration = Duration::from_millis(5500);

fn service(timeline: &Timeline) -> ExportService {
    let timeline = timeline.clone();
    ExportService::new(OrderRepository::new(Arc::new(move |event| {
        timeline.record(event)
    })))
}

/// The pages read strictly after `instant`: (when, what).
fn pages_after(timeline: &Timeline, instant: Duration) -> Vec<(Duration, String)> {
    timeline
        .after(instant, "page")
        .into_iter()
        .map(|event| (event.at, event.what))
        .collect()
}

fn describe(pages: &[(Duration, String)]) -> String {
    match pages.last() {
        Some((when, what)) => format!(
            "{} pages were read after that, the last (\"{what}\") at {}",
            pages.len(),
            at(*when)
        ),
        None => "no page was read after that".to_owned(),
    }
}

#[test]
fn a_client_that_disconnects_stops_every_query() {
    paused(|| async {
        let timeline = Timeline::start();
        let service = service(&timeline);
        let request_aborted = CancellationToken::new();
        timeline.record("client asks for the export");
        let request = tokio::spawn({
            let request_aborted = request_aborted.clone();
            async move { export_orders(&service, &request_aborted).await }
        });

        tokio::time::sleep(GIVE_UP_AT).await;
        timeline.record("client disconnects: the request token is cancelled");
        request_aborted.cancel();
        let response = request.await.expect("the controller panicked");
        timeline.record(format!("controller answers {}", response.status));
        let answered_at = timeline.now();
        // Give any query that is still running a whole minute to show itself.
        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline.record("60 s later");

        let late = pages_after(&timeline, GIVE_UP_AT);
        Lesson::new(
            CHAPTER,
            format!(
                "the client disconnected at t=5.5s, but the queries went on: {}.",
                describe(&late)
            ),
        )
        .ask(
            "The controller hands the token to the service. Does the service hand it on to \
             the work that runs the queries, or only look at it once before starting?",
        )
        .timeline(&timeline)
        .check(late.is_empty());
        Lesson::new(
            CHAPTER,
            format!(
                "the client disconnected at t=5.5s, so the controller should answer 499 then; \
                 it answered {} at {}.",
                response.status,
                at(answered_at)
            ),
        )
        .ask("Does the service return `Err(Cancelled)` as soon as the token is cancelled?")
        .timeline(&timeline)
        .check(response.status == 499 && answered_at == GIVE_UP_AT);
    });
}

#[test]
fn a_caller_that_gives_up_stops_every_query() {
    paused(|| async {
        let timeline = Timeline::start();
        let service = service(&timeline);
        // Nobody cancels this token: the caller stops the export by dropping it.
        let request_aborted = CancellationToken::new();
        timeline.record("caller starts the export, and will wait 5.5 s at most");
        let outcome =
            tokio::time::timeout(GIVE_UP_AT, export_orders(&service, &request_aborted)).await;
        timeline.record("caller gives up and drops the controller's future");
        Lesson::new(
            CHAPTER,
            "the export was complete after 5.5 s, but ten pages of 1 s per region cannot be.",
        )
        .ask("Did the queries get shorter? Keep the work as it is; only make it stoppable.")
        .timeline(&timeline)
        .check(outcome.is_err());

        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline.record("60 s later");
        let late = pages_after(&timeline, GIVE_UP_AT);
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped the controller's future at t=5.5s (a timeout did it; a server \
                 does the same when the client goes away), but the queries went on: {}.",
                describe(&late)
            ),
        )
        .ask(
            "Which of the work is part of the future that was dropped? A task started with \
             `tokio::spawn` is not: dropping the JoinHandle you were awaiting leaves it running.",
        )
        .timeline(&timeline)
        .check(late.is_empty());
    });
}

#[test]
fn a_patient_client_gets_every_region_in_ten_seconds() {
    paused(|| async {
        let timeline = Timeline::start();
        let service = service(&timeline);
        let request_aborted = CancellationToken::new();
        timeline.record("client asks for the export, and waits");
        let response = export_orders(&service, &request_aborted).await;
        timeline.record(format!("controller answers {}", response.status));
        let answered_at = timeline.now();

        let expected: Vec<String> = REGIONS
            .iter()
            .flat_map(|region| {
                (1..=PAGES)
                    .flat_map(move |page| [1, 2].map(|n| format!("{region},{}", page * 100 + n)))
            })
            .collect();
        let lines = response.body.lines().count();
        Lesson::new(
            CHAPTER_PARALLEL,
            format!(
                "a client who waited got {} with {lines} lines, instead of 200 with {} lines in region order.",
                response.status,
                expected.len()
            ),
        )
        .ask("The fix should change when the work stops, not what it produces.")
        .timeline(&timeline)
        .check(response.status == 200 && response.body == expected.join("\n"));
        Lesson::new(
            CHAPTER_PARALLEL,
            format!(
                "the three regions should be read at the same time: ten pages of 1 s each take \
                 10 s, but the export answered at {}.",
                at(answered_at)
            ),
        )
        .ask(
            "Are the regions still read side by side? Running futures at the same time does \
             not need a task for each.",
        )
        .timeline(&timeline)
        .check(answered_at == QUERY_TIME * PAGES);
    });
}

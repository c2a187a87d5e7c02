//! The tests of exercise 08, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Each query takes
//! 1 s, so pages are read on whole seconds; the stories act on half seconds,
//! so a query and a cancel never fall on the same instant. Whatever ends an
//! export, the test then lets an hour pass: no page may be read, and nothing
//! may still hold the repository. The sweeps then stop the export at each of
//! its await points in turn (right after a poll, so never on a timer's
//! instant) and check the same things every time.

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, cancel_at_every_point, drop_at_every_point, nothing_left_running,
    paused,
};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Passing cancellation down\", section \"Where the chain breaks\" (src/propagate.md)";
const CHAPTER_PARALLEL: &str =
    "\"Passing cancellation down\", section \"Side by side without spawning\" (src/propagate.md)";
const CHAPTER_TOKEN: &str = "\"Token hygiene\", section \"Children, not orphans\" (src/hygiene.md)";

/// The client stops waiting here, half-way between the 5th and 6th page.
const GIVE_UP_AT: Duration = Duration::from_millis(5500);

/// A service whose repository records every page on `timeline`; its event
/// callback holds `probe`, so whatever still holds the repository shows up.
fn service(timeline: &Timeline, probe: &Probe) -> ExportService {
    let timeline = timeline.clone();
    let held = probe.hold();
    ExportService::new(OrderRepository::new(Arc::new(move |event| {
        let _ = &held;
        timeline.record(event)
    })))
}

fn repository_probe() -> Probe {
    Probe::new("the repository (its event callback)")
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

/// One export for a sweep: a fresh timeline, token and service, and the
/// controller's future, which owns the service.
struct Run {
    timeline: Timeline,
    request_aborted: CancellationToken,
    probe: Probe,
}

fn one_run() -> (Run, impl Future<Output = Response>) {
    let timeline = Timeline::start();
    let probe = repository_probe();
    let service = service(&timeline, &probe);
    let request_aborted = CancellationToken::new();
    let token = request_aborted.clone();
    let run = Run {
        timeline,
        request_aborted,
        probe,
    };
    (run, async move { export_orders(&service, &token).await })
}

#[test]
fn a_client_that_disconnects_stops_every_query() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = repository_probe();
        let service = service(&timeline, &probe);
        let request_aborted = CancellationToken::new();
        timeline.record("client asks for the export");
        let request = tokio::spawn({
            let request_aborted = request_aborted.clone();
            async move { export_orders(&service, &request_aborted).await }
        });

        tokio::time::sleep(GIVE_UP_AT).await;
        timeline.record_cancel("client disconnects: the request token is cancelled");
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
        nothing_left_running(&timeline, CHAPTER, &["page"], &[&probe]).await;

        // The same cancel at every point of an export, from its first poll
        // (a client that was gone before the first query) to its last.
        cancel_at_every_point(
            one_run,
            |run: &Run| {
                run.timeline
                    .record_cancel("client disconnects: the request token is cancelled");
                run.request_aborted.cancel();
            },
            async |run: Run, point, response: Response| {
                let cancelled_at = run.timeline.last("client disconnects").unwrap_or_default();
                run.timeline
                    .record(format!("controller answers {}", response.status));
                let answered_at = run.timeline.now();
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the client disconnected {point}, so the controller should \
                         answer 499 then; it answered {} at {}.",
                        response.status,
                        at(answered_at)
                    ),
                )
                .ask("Is the token heard during every part of the export, its first query and its last?")
                .timeline(&run.timeline)
                .check(response.status == 499 && answered_at == cancelled_at);
                nothing_left_running(&run.timeline, CHAPTER, &["page"], &[&run.probe]).await;
            },
        )
        .await;
    });
}

#[test]
fn a_caller_that_gives_up_stops_every_query() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = repository_probe();
        let service = service(&timeline, &probe);
        // Nobody cancels this token: the caller stops the export by dropping it.
        let request_aborted = CancellationToken::new();
        timeline.record("caller starts the export, and will wait 5.5 s at most");
        let outcome =
            tokio::time::timeout(GIVE_UP_AT, export_orders(&service, &request_aborted)).await;
        timeline.record_cancel("caller gives up and drops the controller's future");
        Lesson::new(
            CHAPTER,
            "the export was complete after 5.5 s, but ten pages of 1 s per region cannot be.",
        )
        .ask("Did the queries get shorter? Keep the work as it is; only make it stoppable.")
        .timeline(&timeline)
        .check(outcome.is_err());
        drop(service);

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
        nothing_left_running(&timeline, CHAPTER, &["page"], &[&probe]).await;
        check_the_token_was_left_alone(&request_aborted, &timeline, "dropped the export");

        // The same drop at every point of an export.
        drop_at_every_point(one_run, async |run: Run, point| {
            run.timeline
                .record_cancel(format!("caller drops the controller's future {point}"));
            nothing_left_running(&run.timeline, CHAPTER, &["page"], &[&run.probe]).await;
            check_the_token_was_left_alone(
                &run.request_aborted,
                &run.timeline,
                "dropped the export",
            );
        })
        .await;
    });
}

/// The request's token belongs to the server (in ASP.NET Core, to the
/// connection): the export may listen to it, never cancel it.
fn check_the_token_was_left_alone(token: &CancellationToken, timeline: &Timeline, caller: &str) {
    Lesson::new(
        CHAPTER_TOKEN,
        format!(
            "the caller {caller}, and afterwards the request's token was cancelled, though the \
             client never disconnected: everything else that listens to it (logging, other \
             handlers of the same connection) now believes the client has gone."
        ),
    )
    .ask(
        "Whose token is it? The export was handed it to listen to. If the export needs a \
         token of its own to cancel, which kind of token is cancelled with the request's, but \
         never the other way round?",
    )
    .timeline(timeline)
    .check(!token.is_cancelled());
}

#[test]
fn a_patient_client_gets_every_region_in_ten_seconds() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = repository_probe();
        let service = service(&timeline, &probe);
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
        check_the_token_was_left_alone(&request_aborted, &timeline, "got its export");
        drop(service);
        nothing_left_running(&timeline, CHAPTER, &["page"], &[&probe]).await;
    });
}

#[test]
fn the_service_itself_stops_when_its_token_is_cancelled() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = repository_probe();
        let service = service(&timeline, &probe);
        let token = CancellationToken::new();
        timeline.record("a caller (a scheduled job, say) runs ExportService::export on its own");
        let export = tokio::spawn({
            let token = token.clone();
            async move { service.export(&token).await }
        });

        tokio::time::sleep(GIVE_UP_AT).await;
        timeline.record_cancel("the caller cancels the token it gave export");
        token.cancel();
        let result = export.await.expect("the service panicked");
        let returned_at = timeline.now();
        timeline.record(format!(
            "export returned {}",
            match &result {
                Ok(lines) => format!("Ok with {} lines", lines.len()),
                Err(Cancelled) => "Err(Cancelled)".to_owned(),
            }
        ));
        Lesson::new(
            CHAPTER,
            format!(
                "`ExportService::export` takes a token, and it was cancelled at t=5.5s, but \
                 export returned {} at {}. Its other callers do not go through the controller.",
                if result.is_ok() {
                    "Ok"
                } else {
                    "Err(Cancelled)"
                },
                at(returned_at)
            ),
        )
        .ask(
            "If a function takes a token, its callers trust it to listen. Does the service \
             listen to the token it is given, or leave that to the controller?",
        )
        .timeline(&timeline)
        .check(result == Err(Cancelled) && returned_at == GIVE_UP_AT);
        nothing_left_running(&timeline, CHAPTER, &["page"], &[&probe]).await;
    });
}

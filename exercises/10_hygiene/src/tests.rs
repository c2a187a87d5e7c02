//! The tests of exercise 10, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Blocks and index
//! refreshes happen on whole seconds; the stories act on half seconds, and
//! the sweeps stop a publish right after one of its polls, so never on a
//! timer's instant. Whatever ends the work, the test then lets an hour pass:
//! nothing may be written or refreshed, and no task may be left alive.

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, cancel_at_every_point, drop_at_every_point, nothing_left_running,
    paused, tasks_alive,
};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER_NONE: &str =
    "\"Token hygiene\", section \"A new token is CancellationToken.None\" (src/hygiene.md)";
const CHAPTER_ORPHANS: &str =
    "\"Token hygiene\", section \"Children, not orphans\" (src/hygiene.md)";

fn record(timeline: &Timeline) -> Events {
    let timeline = timeline.clone();
    Arc::new(move |event| timeline.record(event))
}

/// Events that hold `probe`, so that whatever still holds them shows up.
fn record_holding(timeline: &Timeline, probe: &Probe) -> Events {
    let (timeline, held) = (timeline.clone(), probe.hold());
    Arc::new(move |event| {
        let _ = &held;
        timeline.record(event)
    })
}

/// What a publish does: its render and the blocks of its save.
const PUBLISH_WORK: &[&str] = &["block", "report-7"];

/// One publish for a sweep: a fresh timeline, service and request token,
/// and the future of `publish`, which owns the service.
fn one_publish() -> (
    (Timeline, Probe, CancellationToken),
    impl Future<Output = Result<(), Cancelled>>,
) {
    let timeline = Timeline::start();
    let probe = Probe::new("the document service (its event callback)");
    let service = DocumentService::new(record_holding(&timeline, &probe));
    let request = CancellationToken::new();
    let token = request.clone();
    ((timeline, probe, request), async move {
        service.publish(&report(), &token).await
    })
}

fn report() -> Document {
    Document {
        id: "report-7".to_owned(),
        text: "Quarterly figures".to_owned(),
    }
}

/// Events strictly after `instant` that start with `prefix`: (when, what).
fn after(timeline: &Timeline, instant: Duration, prefix: &str) -> Vec<(Duration, String)> {
    timeline
        .after(instant, prefix)
        .into_iter()
        .map(|event| (event.at, event.what))
        .collect()
}

fn refreshes(late: &[(Duration, String)]) -> String {
    match late.last() {
        Some((when, _)) => format!(
            "the index was still refreshed {} time(s) after that, the last at {}",
            late.len(),
            at(*when)
        ),
        None => "the index was not refreshed after that".to_owned(),
    }
}

fn describe(events: &[(Duration, String)], what: &str) -> String {
    match events.last() {
        Some((when, last)) => format!(
            "{} {what} after that, the last (\"{last}\") at {}",
            events.len(),
            at(*when)
        ),
        None => format!("no {what} after that"),
    }
}

#[test]
fn a_cancelled_publish_stops_saving() {
    paused(|| async {
        let timeline = Timeline::start();
        let service = Arc::new(DocumentService::new(record(&timeline)));
        let request = CancellationToken::new();
        timeline.record("client publishes report-7");
        let publishing = tokio::spawn({
            let service = Arc::clone(&service);
            let request = request.clone();
            async move { service.publish(&report(), &request).await }
        });

        // Rendering ends at t=2s; the save writes a block each second after.
        let cancel_at = Duration::from_millis(4500);
        tokio::time::sleep(cancel_at).await;
        timeline.record_cancel("client cancels the request");
        request.cancel();
        let result = publishing.await.expect("publish panicked");
        timeline.record(format!("publish returned {result:?}"));
        let returned_at = timeline.now();
        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline.record("60 s later");

        let late = after(&timeline, cancel_at, "block");
        Lesson::new(
            CHAPTER_NONE,
            format!(
                "the request was cancelled at t=4.5s, during the save, but the save went on: {}.",
                describe(&late, "blocks were written")
            ),
        )
        .ask(
            "Which token does the save listen to? Who holds a clone of it, and could ever \
             cancel it?",
        )
        .timeline(&timeline)
        .check(late.is_empty());
        Lesson::new(
            CHAPTER_NONE,
            format!(
                "the request was cancelled at t=4.5s, so publish should return Err(Cancelled) \
                 then; it returned {result:?} at {}.",
                at(returned_at)
            ),
        )
        .timeline(&timeline)
        .check(result == Err(Cancelled) && returned_at == cancel_at);
        nothing_left_running(&timeline, CHAPTER_NONE, PUBLISH_WORK, &[]).await;

        // The same cancel at every point of a publish: during the render as
        // well as during the save.
        cancel_at_every_point(
            one_publish,
            |(timeline, _, request)| {
                timeline.record_cancel("client cancels the request");
                request.cancel();
            },
            async |(timeline, probe, _), point, result| {
                let cancelled_at = timeline.last("client cancels").unwrap_or_default();
                timeline.record(format!("publish returned {result:?}"));
                let returned_at = timeline.now();
                Lesson::new(
                    CHAPTER_NONE,
                    format!(
                        "the request was cancelled {point}, so publish should return \
                         Err(Cancelled) then; it returned {result:?} at {}.",
                        at(returned_at)
                    ),
                )
                .ask(
                    "Is every part of publish under the request's token, the render as well \
                     as the save?",
                )
                .timeline(&timeline)
                .check(result == Err(Cancelled) && returned_at == cancelled_at);
                nothing_left_running(&timeline, CHAPTER_NONE, PUBLISH_WORK, &[&probe]).await;
            },
        )
        .await;

        // And a caller that drops publish at every point (a timeout).
        drop_at_every_point(one_publish, async |(timeline, probe, request), point| {
            timeline.record_cancel(format!("the caller drops publish {point}"));
            nothing_left_running(&timeline, CHAPTER_NONE, PUBLISH_WORK, &[&probe]).await;
            Lesson::new(
                CHAPTER_NONE,
                format!(
                    "the caller dropped publish {point}, and publish cancelled the request's \
                     token: a token it was given to listen to, not its own."
                ),
            )
            .timeline(&timeline)
            .check(!request.is_cancelled());
        })
        .await;
    });
}

#[test]
fn an_uncancelled_publish_saves_every_block() {
    paused(|| async {
        let timeline = Timeline::start();
        let service = DocumentService::new(record(&timeline));
        let request = CancellationToken::new();
        timeline.record("client publishes report-7, and waits");
        let result = service.publish(&report(), &request).await;
        timeline.record(format!("publish returned {result:?}"));
        let returned_at = timeline.now();

        let blocks = timeline.count("block");
        Lesson::new(
            CHAPTER_NONE,
            format!(
                "with no cancel, publish should render (2 s), write all 8 blocks (8 s) and \
                 return Ok(()) at t=10s; it wrote {blocks} blocks and returned {result:?} at {}.",
                at(returned_at)
            ),
        )
        .ask("The fix should change who can stop the save, not what the save does.")
        .timeline(&timeline)
        .check(result == Ok(()) && blocks == 8 && returned_at == Duration::from_secs(10));
        nothing_left_running(&timeline, CHAPTER_NONE, PUBLISH_WORK, &[]).await;
    });
}

#[test]
fn shutdown_stops_the_indexer() {
    paused(|| async {
        let timeline = Timeline::start();
        let app = App::new(record(&timeline));
        let _indexer = app.start_indexer();
        timeline.record("indexer started");

        let shutdown_at = Duration::from_millis(5500);
        tokio::time::sleep(shutdown_at).await;
        let refreshed: Vec<Duration> = timeline
            .events()
            .iter()
            .filter(|event| event.what == "index refreshed")
            .map(|event| event.at)
            .collect();
        Lesson::new(
            CHAPTER_ORPHANS,
            format!(
                "the indexer refreshes every {} s, so by t=5.5s it should have refreshed at t=2s and \
                 t=4s, but it refreshed {} time(s).",
                INDEX_EVERY.as_secs(),
                refreshed.len()
            ),
        )
        .ask("The fix changes when the indexer stops, not what it does: does it still refresh?")
        .timeline(&timeline)
        .check(refreshed == [INDEX_EVERY, 2 * INDEX_EVERY]);
        timeline.record_cancel("shutdown: the app's token is cancelled, the tracker closed");
        app.shutdown.cancel();
        app.tasks.close();
        let waited = tokio::time::timeout(Duration::from_secs(1), app.tasks.wait()).await;
        let still_running = app.tasks.len();
        match waited {
            Ok(()) => timeline.record("every task has ended"),
            Err(_) => timeline.record(format!(
                "shutdown gives up waiting: {still_running} task(s) still running"
            )),
        }
        let waited_until = timeline.now();
        let late = after(&timeline, shutdown_at, "index refreshed");
        Lesson::new(
            CHAPTER_ORPHANS,
            format!(
                "the app shut down at t=5.5s, but 1 s later its tracker still had \
                 {still_running} task(s) running, and {}.",
                refreshes(&late)
            ),
        )
        .ask(
            "Is the indexer's token part of the application's token tree? A token made with \
             `CancellationToken::new()` has no parent: only its own `cancel()` reaches it.",
        )
        .timeline(&timeline)
        .check(waited.is_ok() && late.is_empty());
        Lesson::new(
            CHAPTER_ORPHANS,
            format!(
                "the app shut down at t=5.5s, and the indexer had nothing to finish, but the \
                 shutdown waited for it until {}: the indexer heard the shutdown only when \
                 its next refresh was due.",
                at(waited_until)
            ),
        )
        .ask(
            "Does the indexer's loop wait on the shutdown, or only look at it now and then? \
             A token it can wait on, which the shutdown cancels, hears it at once.",
        )
        .timeline(&timeline)
        .check(waited_until == shutdown_at);
        nothing_left_running(&timeline, CHAPTER_ORPHANS, &["index refreshed"], &[]).await;
        let alive = tasks_alive();
        Lesson::new(
            CHAPTER_ORPHANS,
            format!("an hour after the shutdown, {alive} task(s) were still alive."),
        )
        .timeline(&timeline)
        .check(alive == 0);
    });
}

#[test]
fn stopping_the_indexer_leaves_the_app_running() {
    paused(|| async {
        let timeline = Timeline::start();
        let app = App::new(record(&timeline));
        let indexer = app.start_indexer();
        timeline.record("indexer started");

        let stop_at = Duration::from_millis(3500);
        tokio::time::sleep(stop_at).await;
        timeline.record_cancel("an admin pauses indexing: indexer.stop()");
        indexer.stop();
        nothing_left_running(&timeline, CHAPTER_ORPHANS, &["index refreshed"], &[]).await;
        timeline.record("an hour later");

        let late = after(&timeline, stop_at, "index refreshed");
        Lesson::new(
            CHAPTER_ORPHANS,
            format!(
                "the indexer was stopped at t=3.5s, but it went on: {}.",
                refreshes(&late)
            ),
        )
        .ask("Does `Indexer::stop` cancel the token the indexer's loop listens to?")
        .timeline(&timeline)
        .check(late.is_empty());
        Lesson::new(
            CHAPTER_ORPHANS,
            "stopping one indexer at t=3.5s cancelled the application's shutdown token: \
             every other task of the app now thinks it is shutting down.",
        )
        .ask(
            "Which token does `Indexer::stop` cancel? A clone of a token is the same token; \
             which kind of token is cancelled with its parent, but not the other way round?",
        )
        .timeline(&timeline)
        .check(!app.shutdown.is_cancelled());
        let alive = tasks_alive();
        Lesson::new(
            CHAPTER_ORPHANS,
            format!(
                "the indexer was stopped at t=3.5s, its only task, but an hour later {alive} \
                 task(s) started for it were still alive, waiting for a shutdown that may not \
                 come for weeks: one more with every pause."
            ),
        )
        .ask(
            "Did you start a task that carries the shutdown over to the indexer's token, like \
             .NET's `Register`? Tokens can do that themselves: which kind of token is \
             cancelled with its parent?",
        )
        .timeline(&timeline)
        .check(alive == 0);
        app.shutdown.cancel();
    });
}

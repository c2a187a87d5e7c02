//! The tests of exercise 10, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Blocks and index
//! refreshes happen on whole seconds; the tests act on half seconds.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
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
        timeline.record("client cancels the request");
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
        timeline.record("shutdown: the app's token is cancelled, the tracker closed");
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
        timeline.record("an admin pauses indexing: indexer.stop()");
        indexer.stop();
        tokio::time::sleep(Duration::from_secs(10)).await;
        timeline.record("10 s later");

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
        app.shutdown.cancel();
    });
}

//! The tests of exercise 02, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Steps land on whole
//! seconds and heartbeats in between, so no two timers ever share an instant.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"One token type\", section \"A read-only view: child_token\" (src/token-basics.md)";

fn record_events(timeline: &Timeline) -> Events {
    let timeline = timeline.clone();
    Arc::new(move |event| timeline.record(event))
}

/// Events recorded strictly after `instant` whose text starts with `prefix`.
fn events_after(timeline: &Timeline, instant: Duration, prefix: &str) -> Vec<String> {
    timeline
        .after(instant, prefix)
        .into_iter()
        .map(|event| format!("{} {}", at(event.at), event.what))
        .collect()
}

/// The importer stops at t=3s (failing, or finishing), the exporter has ten
/// steps to do. The exporter must not notice what happened to the importer.
fn the_exporter_outlives_the_importer(
    importer_job: Job,
    importer_expected: Result<u32, WorkerError>,
) {
    paused(move || async move {
        let timeline = Timeline::start();
        let app = CancellationToken::new();
        let exporter_job = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(&app, importer_job, exporter_job, record_events(&timeline));

        let importer = workers.importer.await.expect("the importer panicked");
        timeline.record(format!("importer returned {importer:?}"));
        let exporter = workers.exporter.await.expect("the exporter panicked");
        timeline.record(format!("exporter returned {exporter:?}"));

        Lesson::new(
            CHAPTER,
            format!("the importer should return {importer_expected:?}, but returned {importer:?}"),
        )
        .timeline(&timeline)
        .check(importer == importer_expected);
        let steps = timeline.count("exporter step");
        Lesson::new(
            CHAPTER,
            format!(
                "the importer stopped at t=3s, and the exporter stopped with it: it returned {exporter:?} after {steps} of its 10 steps."
            ),
        )
        .ask("Did the importer's `cancel()` reach the exporter? Any clone of the application's token can cancel the whole application.")
        .timeline(&timeline)
        .check(exporter == Ok(10));
        Lesson::new(CHAPTER, "the application's token was cancelled when a worker stopped: the whole app now thinks it is shutting down.")
            .ask("Which token does a worker cancel when it stops its heartbeat?")
            .timeline(&timeline)
            .check(!app.is_cancelled());
        app.cancel();
    });
}

#[test]
fn a_failing_importer_leaves_the_exporter_alone() {
    the_exporter_outlives_the_importer(
        Job {
            steps: 10,
            fails_at: Some(3),
        },
        Err(WorkerError::Failed { step: 3 }),
    );
}

#[test]
fn a_finished_importer_leaves_the_exporter_alone() {
    the_exporter_outlives_the_importer(
        Job {
            steps: 3,
            fails_at: None,
        },
        Ok(3),
    );
}

#[test]
fn a_failed_worker_stops_its_own_heartbeat() {
    paused(|| async {
        let timeline = Timeline::start();
        let app = CancellationToken::new();
        let importer = Job {
            steps: 10,
            fails_at: Some(3),
        };
        let exporter = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(&app, importer, exporter, record_events(&timeline));

        let result = workers.importer.await.expect("the importer panicked");
        timeline.record(format!("importer returned {result:?}"));
        let failed_at = timeline.now();
        tokio::time::sleep(Duration::from_secs(10)).await;
        timeline.record("10 s later");

        let beats = events_after(&timeline, failed_at, "importer heartbeat");
        Lesson::new(
            CHAPTER,
            format!(
                "the importer failed at {}, but its heartbeat went on: {} beats after that, the last at {}.",
                at(failed_at),
                beats.len(),
                beats.last().map(String::as_str).unwrap_or("-"),
            ),
        )
        .ask("A worker that stops must still stop its own helpers. Which token can it cancel without touching anyone else?")
        .timeline(&timeline)
        .check(beats.is_empty());
        app.cancel();
        let _ = workers.exporter.await;
    });
}

#[test]
fn cancelling_the_application_stops_both_workers() {
    paused(|| async {
        let timeline = Timeline::start();
        let app = CancellationToken::new();
        let job = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(&app, job, job, record_events(&timeline));

        tokio::time::sleep(Duration::from_millis(4500)).await;
        timeline.record("application cancelled (shutdown)");
        let cancelled_at = timeline.now();
        app.cancel();
        let importer = workers.importer.await.expect("the importer panicked");
        let exporter = workers.exporter.await.expect("the exporter panicked");
        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline.record("60 s later");

        let late = events_after(&timeline, cancelled_at, "importer");
        let late = [late, events_after(&timeline, cancelled_at, "exporter")].concat();
        Lesson::new(
            CHAPTER,
            format!(
                "the application was cancelled at t=4.5s, but the workers went on: {} events after that, the last \"{}\".",
                late.len(),
                late.last().map(String::as_str).unwrap_or("-"),
            ),
        )
        .ask("Is each worker's token connected to the application's? `CancellationToken::new()` starts a tree of its own.")
        .timeline(&timeline)
        .check(late.is_empty());
        Lesson::new(
            CHAPTER,
            format!("after a shutdown both workers should return Err(Cancelled); they returned {importer:?} and {exporter:?}"),
        )
        .timeline(&timeline)
        .check(importer == Err(WorkerError::Cancelled) && exporter == Err(WorkerError::Cancelled));
    });
}

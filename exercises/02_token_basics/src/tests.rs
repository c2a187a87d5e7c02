//! The tests of exercise 02, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. Steps land on whole
//! seconds and heartbeats in between, so no two timers ever share an instant.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Probe, Timeline, at, nothing_left_running, paused, tasks_alive};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"One token type\", section \"A read-only view: child_token\" (src/token-basics.md)";

/// Records every event on the timeline; whatever holds it holds `probe`.
fn record_events(timeline: &Timeline, probe: &Probe) -> Events {
    let timeline = timeline.clone();
    let held = probe.hold();
    Arc::new(move |event| {
        let _alive = &held;
        timeline.record(event)
    })
}

/// After everything stopped (`what`), an hour of virtual time: no event of a
/// worker, nothing holding the events callback, no task still alive.
async fn nothing_of_the_workers_is_left(timeline: &Timeline, probe: &Probe, what: &str) {
    nothing_left_running(timeline, CHAPTER, &["importer", "exporter"], &[probe]).await;
    let alive = tasks_alive();
    Lesson::new(
        CHAPTER,
        format!(
            "{what}, and an hour later {alive} task(s) they started are still alive, parked, doing nothing."
        ),
    )
    .ask("What are they waiting for? A task that waits for the application's token, to pass its cancel on, \
          lives until shutdown: one more for every worker ever started. Which token is linked to its parent without a task?")
    .timeline(timeline)
    .check(alive == 0);
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
        let probe = Probe::new("the events callback");
        let app = CancellationToken::new();
        let exporter_job = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(
            &app,
            importer_job,
            exporter_job,
            record_events(&timeline, &probe),
        );

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

/// The importer stops at t=3s (failing, or finishing); the exporter goes on
/// to t=10s. The importer's heartbeat must beat every 0.5 s from t=0.25s
/// until then, and never after; once both are done, nothing of theirs may
/// be left, although nobody cancelled the application.
fn a_stopped_worker_stops_its_own_heartbeat(importer: Job, how: &str) {
    let how = how.to_owned();
    paused(move || async move {
        let timeline = Timeline::start();
        let probe = Probe::new("the events callback");
        let app = CancellationToken::new();
        let exporter = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(&app, importer, exporter, record_events(&timeline, &probe));

        let result = workers.importer.await.expect("the importer panicked");
        timeline.record(format!("importer returned {result:?}"));
        let stopped_at = timeline.now();
        let exporter = workers.exporter.await.expect("the exporter panicked");
        timeline.record(format!("exporter returned {exporter:?}"));

        let beats: Vec<Duration> = timeline
            .events()
            .into_iter()
            .filter(|event| event.what == "importer heartbeat" && event.at <= stopped_at)
            .map(|event| event.at)
            .collect();
        let expected: Vec<Duration> = (0..6).map(|n| BEAT_EVERY / 2 + BEAT_EVERY * n).collect();
        Lesson::new(
            CHAPTER,
            format!(
                "until it {how} at t=3s, the importer's heartbeat should beat at t=0.25s, 0.75s, ... 2.75s; it beat at {}.",
                beats.iter().map(|beat| at(*beat)).collect::<Vec<_>>().join(", ")
            ),
        )
        .ask("Leave the heartbeat's own timing alone: the fix is about which token the worker gets.")
        .timeline(&timeline)
        .check(beats == expected);

        let late = timeline.after(stopped_at, "importer heartbeat");
        Lesson::new(
            CHAPTER,
            format!(
                "the importer {how} at {}, but its heartbeat went on: {} beats after that, the last at {}.",
                at(stopped_at),
                late.len(),
                late.last().map_or("-".to_owned(), |beat| at(beat.at)),
            ),
        )
        .ask("A worker that stops must still stop its own helpers, on every way out. Which token can it cancel without touching anyone else?")
        .timeline(&timeline)
        .check(late.is_empty());
        nothing_of_the_workers_is_left(&timeline, &probe, "both workers returned by t=10s").await;
        app.cancel();
    });
}

#[test]
fn a_failed_worker_stops_its_own_heartbeat() {
    a_stopped_worker_stops_its_own_heartbeat(
        Job {
            steps: 10,
            fails_at: Some(3),
        },
        "failed",
    );
}

#[test]
fn a_finished_worker_stops_its_own_heartbeat() {
    a_stopped_worker_stops_its_own_heartbeat(
        Job {
            steps: 3,
            fails_at: None,
        },
        "finished",
    );
}

#[test]
fn cancelling_the_application_stops_both_workers() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = Probe::new("the events callback");
        let app = CancellationToken::new();
        let job = Job {
            steps: 10,
            fails_at: None,
        };
        let workers = start_workers(&app, job, job, record_events(&timeline, &probe));

        tokio::time::sleep(Duration::from_millis(4500)).await;
        timeline.record_cancel("application cancelled (shutdown)");
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
        nothing_of_the_workers_is_left(
            &timeline,
            &probe,
            "the application was cancelled at t=4.5s",
        )
        .await;
    });
}

//! The tests of exercise 27, shared by the starter, the solution and
//! every wrong fix. They run under tokio's paused clock: workers step at
//! t=1s, 2s, 3s..., the stop comes at t=2.5s, a lease takes 0.3 s to release,
//! and the grace ends at t=3.5s (no two timers at one instant).
//!
//! What they rely on, next to the tokio source that shows it:
//! - `JoinSet::abort_all` only schedules the cancellation and returns
//!   (tokio `src/task/join_set.rs`, `abort_all` calls `abort` on each task;
//!   `src/runtime/task/harness.rs`, `remote_abort`);
//! - an aborted task's future is dropped, never polled again: no async
//!   clean-up runs (`src/runtime/task/harness.rs`, `cancel_task`);
//! - a panic in a task comes back as a `JoinError` whose `is_panic()` is true
//!   and whose payload `into_panic()` returns (`src/runtime/task/error.rs`).

use std::time::Duration;

use test_support::{
    Lesson, Timeline, at, drop_at_every_point, nothing_left_running, paused, tasks_alive,
};

use super::*;

const CHAPTER: &str =
    "\"A task's last moments\", section \"Asked, then made\" (src/task-lifecycle.md)";
const PANICS: &str =
    "\"A task's last moments\", section \"A panic is an outcome too\" (src/task-lifecycle.md)";

const STOP_AT: Duration = Duration::from_millis(2500);

fn job(kinds: &[Kind]) -> (Timeline, Supervisor) {
    let timeline = Timeline::start();
    let log = timeline.clone();
    let mut supervisor = Supervisor::new(move |line| log.record(line));
    for (id, kind) in (1..).zip(kinds) {
        supervisor.start(id, *kind);
    }
    (timeline, supervisor)
}

/// Stops the job at t=2.5s; gives up (and says so) if `shutdown` has not
/// returned a minute later.
async fn stop(timeline: &Timeline, supervisor: Supervisor) -> Report {
    tokio::time::sleep(STOP_AT).await;
    timeline.record_cancel("the job is stopped: shutdown() called");
    match tokio::time::timeout(Duration::from_secs(60), supervisor.shutdown()).await {
        Ok(report) => {
            timeline.record("shutdown() returned");
            report
        }
        Err(_) => Lesson::new(
            CHAPTER,
            "shutdown() was called at t=2.5s and was still waiting a minute later: one of the \
             workers never looks at its token, and nothing else ends it.",
        )
        .ask("Waiting for a worker is right; waiting for ever is not. What ends a task that does not listen, and when?")
        .timeline(timeline)
        .fail(),
    }
}

fn position(timeline: &Timeline, what: &str) -> Option<usize> {
    timeline.events().iter().position(|e| e.what == what)
}

fn count(timeline: &Timeline, what: &str) -> usize {
    timeline
        .events()
        .iter()
        .filter(|e| e.what.contains(what))
        .count()
}

/// The folder must be deleted after every worker closed its file.
fn check_the_folder_goes_last(timeline: &Timeline, workers: usize) {
    let deleted = position(timeline, "scratch folder deleted");
    let closed: Vec<usize> = timeline
        .events()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.what.ends_with("closed its file"))
        .map(|(i, _)| i)
        .collect();
    let in_order = deleted.is_some_and(|deleted| {
        closed.len() == workers && closed.iter().all(|&close| close < deleted)
    });
    Lesson::new(
        CHAPTER,
        format!(
            "when the scratch folder was deleted, {} of the {workers} workers had closed their files",
            closed
                .iter()
                .filter(|&&close| deleted.is_some_and(|deleted| close < deleted))
                .count()
        ),
    )
    .ask("When `abort_all()` returns, have the tasks ended? What tells you that a task has really gone?")
    .timeline(timeline)
    .check(in_order);
}

#[test]
fn the_folder_is_deleted_after_every_worker_closed_its_file() {
    paused(|| async {
        let (timeline, supervisor) = job(&[Kind::Polite, Kind::Polite, Kind::Polite]);
        stop(&timeline, supervisor).await;
        check_the_folder_goes_last(&timeline, 3);
        Lesson::new(
            CHAPTER,
            format!(
                "shutdown() returned with {} worker tasks still alive",
                tasks_alive()
            ),
        )
        .timeline(&timeline)
        .check(tasks_alive() == 0);
        nothing_left_running(&timeline, CHAPTER, &["worker", "scratch"], &[]).await;
    });
}

#[test]
fn every_polite_worker_releases_its_lease_before_shutdown_returns() {
    paused(|| async {
        let (timeline, supervisor) = job(&[Kind::Polite, Kind::Polite, Kind::Polite]);
        stop(&timeline, supervisor).await;
        let released = count(&timeline, "released its lease");
        Lesson::new(
            CHAPTER,
            format!(
                "shutdown() returned, and {released} of the 3 workers had released their leases"
            ),
        )
        .ask(
            "An aborted task's future is dropped where it waits: which of its lines still run? \
              Releasing a lease is an `.await`: who can give the worker the time to do it?",
        )
        .timeline(&timeline)
        .check(released == 3);
        let took = timeline.last("shutdown() returned").unwrap_or_default() - STOP_AT;
        Lesson::new(
            CHAPTER,
            format!(
                "the workers were done {} s after the stop, but shutdown() took {} s",
                RELEASE_TIME.as_secs_f64(),
                took.as_secs_f64()
            ),
        )
        .ask("Is the grace a wait for the workers, or a wait for the clock?")
        .timeline(&timeline)
        .check(took == RELEASE_TIME);
    });
}

#[test]
fn a_deaf_worker_is_stopped_when_the_grace_runs_out() {
    paused(|| async {
        let (timeline, supervisor) = job(&[Kind::Polite, Kind::Deaf]);
        stop(&timeline, supervisor).await;
        let returned = timeline.last("shutdown() returned").unwrap_or_default();
        Lesson::new(
            CHAPTER,
            format!(
                "shutdown() was called at t=2.5s with a GRACE of {} s, and returned at {}",
                GRACE.as_secs(),
                at(returned)
            ),
        )
        .timeline(&timeline)
        .check(returned <= STOP_AT + GRACE);
        check_the_folder_goes_last(&timeline, 2);
        Lesson::new(CHAPTER, "the polite worker did not release its lease")
            .timeline(&timeline)
            .check(count(&timeline, "worker 1 released its lease") == 1);
        nothing_left_running(&timeline, CHAPTER, &["worker", "scratch"], &[]).await;
    });
}

#[test]
fn a_crashed_worker_is_reported() {
    paused(|| async {
        let (timeline, supervisor) = job(&[Kind::Polite, Kind::Crashes, Kind::Polite]);
        let report = stop(&timeline, supervisor).await;
        Lesson::new(
            PANICS,
            "worker 2 does one step, then its disk fills up at t=2s: its first step is missing",
        )
        .ask("Was the job changed? Only the supervisor's shutdown needs fixing.")
        .timeline(&timeline)
        .check(count(&timeline, "worker 2 step 1") == 1);
        Lesson::new(
            PANICS,
            format!(
                "worker 2 panicked at t=2s with \"worker 2: disk full\", and shutdown() reported {:?}",
                report.panicked
            ),
        )
        .ask("What does a `JoinError` say about how a task ended, and where is the panic's message?")
        .timeline(&timeline)
        .check(report.panicked == ["worker 2: disk full"]);
        check_the_folder_goes_last(&timeline, 3);
        Lesson::new(PANICS, "a polite worker did not release its lease")
            .timeline(&timeline)
            .check(count(&timeline, "released its lease") == 2);
    });
}

#[test]
fn a_job_with_no_workers_still_deletes_its_folder() {
    paused(|| async {
        let (timeline, supervisor) = job(&[]);
        let report = stop(&timeline, supervisor).await;
        assert_eq!(report, Report::default());
        Lesson::new(
            CHAPTER,
            "shutdown() of a job with no workers left the folder",
        )
        .timeline(&timeline)
        .check(position(&timeline, "scratch folder deleted").is_some());
    });
}

#[test]
fn a_shutdown_dropped_at_any_point_leaves_no_worker_behind() {
    paused(|| async {
        drop_at_every_point(
            || {
                let (timeline, supervisor) = job(&[Kind::Polite, Kind::Deaf]);
                let stopping = async move {
                    tokio::time::sleep(STOP_AT).await;
                    supervisor.shutdown().await
                };
                (timeline, stopping)
            },
            async |timeline, point| {
                timeline.record_cancel(format!("the caller drops shutdown() {point}"));
                nothing_left_running(&timeline, CHAPTER, &["worker"], &[]).await;
                Lesson::new(
                    CHAPTER,
                    format!(
                        "shutdown() was dropped {point}, and an hour later {} worker tasks are alive",
                        tasks_alive()
                    ),
                )
                .ask("Does `shutdown` hand its workers to anything that outlives it?")
                .timeline(&timeline)
                .check(tasks_alive() == 0);
            },
        )
        .await;
    });
}

//! The tests of exercise 11, shared by the starter, the solution and every
//! wrong fix. Paused clock: the heartbeat beats at t=1s, 2s, 3s, ... and a
//! job ends at a half second (t=2.5s, 3.5s, 4.5s), so the two never meet.
//! After each way out of the job, the test waits a whole virtual minute and
//! then checks that no lease was renewed after the job ended.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str = "\"No Dispose needed\", section \"A guard that cancels\" (src/dispose.md)";

/// A queue that records every lease renewal on the timeline.
struct RecordingQueue(Timeline);

impl Queue for RecordingQueue {
    fn renew_lease(&self, job_id: u32) {
        self.0.record(format!("lease renewed for job {job_id}"));
    }
}

fn queue(timeline: &Timeline) -> Arc<dyn Queue> {
    Arc::new(RecordingQueue(timeline.clone()))
}

fn job(file: &str) -> Job {
    Job {
        id: 7,
        file: file.to_owned(),
    }
}

/// Checks the two things every exit path must get right: the lease was
/// renewed once a second while the job ran, and never after it ended.
fn check_the_heartbeat(timeline: &Timeline, ended: Duration, how: &str, question: &str) {
    let renewals: Vec<Duration> = timeline
        .events()
        .into_iter()
        .filter(|event| event.what.starts_with("lease"))
        .map(|event| event.at)
        .collect();
    let expected = ended.as_secs() as usize; // one per whole second
    let during = renewals.iter().filter(|t| **t <= ended).count();
    Lesson::new(
        CHAPTER,
        format!(
            "the job ran until {}, but its lease was renewed {during} times while it ran, \
             instead of {expected} (once a second).",
            at(ended)
        ),
    )
    .ask(
        "Was the heartbeat stopped before the job even started? `let _ = ...` drops a value \
         on the spot; `let _name = ...` keeps it alive to the end of the scope.",
    )
    .timeline(timeline)
    .check(during == expected);

    let after = renewals.iter().filter(|t| **t > ended).count();
    let last = renewals.last().copied().unwrap_or_default();
    Lesson::new(
        CHAPTER,
        format!(
            "the job {how} at {}, but its lease was still renewed {after} times afterwards, \
             the last at {}: the queue believes the job is still running.",
            at(ended),
            at(last)
        ),
    )
    .ask(question)
    .timeline(timeline)
    .check(after == 0);
}

#[test]
fn the_heartbeat_stops_when_the_job_succeeds() {
    paused(|| async {
        let timeline = Timeline::start();
        let result = run_job(queue(&timeline), job("customers.csv")).await;
        let ended = timeline.now();
        timeline.record("job succeeded");
        assert_eq!(result, Ok(Imported { rows: 3 }));

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            ended,
            "succeeded",
            "Does anything cancel the heartbeat's token when the job returns `Ok`? \
             (`disarm` takes the token out of its guard, so that the guard never cancels it.)",
        );
    });
}

#[test]
fn the_heartbeat_stops_when_the_job_fails() {
    paused(|| async {
        let timeline = Timeline::start();
        let result = run_job(queue(&timeline), job("missing.csv")).await;
        let ended = timeline.now();
        timeline.record("job failed: missing.csv not found");
        assert_eq!(result, Err(JobError::NotFound("missing.csv".to_owned())));

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            ended,
            "failed (the download returned an error)",
            "Does the `?` return before the line that stops the heartbeat? \
             What runs on every way out of a function, without being written on each one?",
        );
    });
}

#[test]
fn the_heartbeat_stops_when_the_job_panics() {
    paused(|| async {
        let timeline = Timeline::start();
        // On a task of its own, so that the test survives the panic.
        let outcome = tokio::spawn(run_job(queue(&timeline), job("empty.csv"))).await;
        let ended = timeline.now();
        timeline.record("job panicked (on purpose: the panic message above is expected)");
        assert!(
            outcome.is_err_and(|error| error.is_panic()),
            "empty.csv should make the import panic"
        );

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            ended,
            "panicked",
            "A panic skips every line after it. What still runs while a panic unwinds \
             the stack?",
        );
    });
}

#[test]
fn the_heartbeat_stops_when_the_caller_gives_up() {
    paused(|| async {
        let timeline = Timeline::start();
        let outcome = tokio::time::timeout(
            Duration::from_millis(3500),
            run_job(queue(&timeline), job("customers.csv")),
        )
        .await;
        let ended = timeline.now();
        timeline.record("caller gives up and drops the job");
        assert!(
            outcome.is_err(),
            "the job takes 4.5 s, so a 3.5 s timeout must fire"
        );

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            ended,
            "was dropped by its caller (a 3.5 s timeout)",
            "When the caller drops the future at an `.await`, no line after that `.await` runs. \
             What still runs when a future is dropped?",
        );
    });
}

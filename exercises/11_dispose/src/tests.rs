//! The tests of exercise 11, shared by the starter, the solution and every
//! wrong fix. Paused clock: the heartbeat beats at t=1s, 2s, 3s, ... and a
//! job ends at a half second (t=2.5s, 3.5s, 4.5s), so the two never meet.
//! After each way out of the job, the test checks the exact times of the
//! renewals while it ran, then lets an hour pass: no lease may be renewed,
//! and nothing may still hold the queue. The caller's drop is then tried at
//! every point of the job (right after one of its polls, so never on a
//! timer's instant).

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused,
};

use super::*;

const CHAPTER: &str = "\"No Dispose needed\", section \"A guard that cancels\" (src/dispose.md)";
const CHAPTER_HEARTBEAT: &str =
    "\"select! and cancel safety\", section \"A timer made inside the loop\" (src/select.md)";

/// A queue that records every lease renewal on the timeline, and holds a
/// probe: whatever still holds the queue shows up.
struct RecordingQueue(Timeline, #[allow(dead_code)] test_support::leftovers::Held);

impl Queue for RecordingQueue {
    fn renew_lease(&self, job_id: u32) {
        self.0.record(format!("lease renewed for job {job_id}"));
    }
}

fn queue_probe() -> Probe {
    Probe::new("the queue (the heartbeat renews its lease through it)")
}

fn queue(timeline: &Timeline, probe: &Probe) -> Arc<dyn Queue> {
    Arc::new(RecordingQueue(timeline.clone(), probe.hold()))
}

fn job(file: &str) -> Job {
    Job {
        id: 7,
        file: file.to_owned(),
    }
}

/// Checks the three things every exit path must get right: the lease was
/// renewed once a second while the job ran, on the second (t=1s, 2s, ...),
/// and never after it ended, not even an hour later.
async fn check_the_heartbeat(
    timeline: &Timeline,
    probe: &Probe,
    ended: Duration,
    how: &str,
    question: &str,
) {
    let renewals: Vec<Duration> = timeline
        .events()
        .into_iter()
        .filter(|event| event.what.starts_with("lease"))
        .map(|event| event.at)
        .collect();
    let expected: Vec<Duration> = (1..=ended.as_secs()).map(Duration::from_secs).collect();
    let during: Vec<Duration> = renewals.iter().copied().filter(|t| *t <= ended).collect();
    let times = |list: &[Duration]| list.iter().map(|t| at(*t)).collect::<Vec<_>>().join(", ");
    Lesson::new(
        CHAPTER,
        format!(
            "the job ran until {}, but its lease was never renewed while it ran: it should \
             have been, at {}.",
            at(ended),
            times(&expected)
        ),
    )
    .ask(
        "Was the heartbeat stopped before the job even started? `let _ = ...` drops a value \
         on the spot; `let _name = ...` keeps it alive to the end of the scope.",
    )
    .timeline(timeline)
    .check(!during.is_empty() || expected.is_empty());
    Lesson::new(
        CHAPTER_HEARTBEAT,
        format!(
            "the job ran until {}, and its lease should have been renewed once a second from \
             its start, at {}; it was renewed at {}.",
            at(ended),
            times(&expected),
            times(&during)
        ),
    )
    .ask(
        "Does the heartbeat keep one rhythm for the whole job? A timer started again for \
         each step of the job counts its second from the start of that step.",
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
    nothing_left_running(timeline, CHAPTER, &["lease"], &[probe]).await;
}

#[test]
fn the_heartbeat_stops_when_the_job_succeeds() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = queue_probe();
        let result = run_job(queue(&timeline, &probe), job("customers.csv")).await;
        let ended = timeline.now();
        timeline.record("job succeeded");
        assert_eq!(result, Ok(Imported { rows: 3 }));

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            &probe,
            ended,
            "succeeded",
            "Does anything cancel the heartbeat's token when the job returns `Ok`? \
             (`disarm` takes the token out of its guard, so that the guard never cancels it.)",
        )
        .await;
    });
}

#[test]
fn the_heartbeat_stops_when_the_job_fails() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = queue_probe();
        let result = run_job(queue(&timeline, &probe), job("missing.csv")).await;
        let ended = timeline.now();
        timeline.record("job failed: missing.csv not found");
        assert_eq!(result, Err(JobError::NotFound("missing.csv".to_owned())));

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            &probe,
            ended,
            "failed (the download returned an error)",
            "Does the `?` return before the line that stops the heartbeat? \
             What runs on every way out of a function, without being written on each one?",
        )
        .await;
    });
}

#[test]
fn the_heartbeat_stops_when_the_job_panics() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = queue_probe();
        // On a task of its own, so that the test survives the panic.
        let outcome = tokio::spawn(run_job(queue(&timeline, &probe), job("empty.csv"))).await;
        let ended = timeline.now();
        timeline.record("job panicked (on purpose: the panic message above is expected)");
        assert!(
            outcome.is_err_and(|error| error.is_panic()),
            "empty.csv should make the import panic"
        );

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            &probe,
            ended,
            "panicked",
            "A panic skips every line after it. What still runs while a panic unwinds \
             the stack?",
        )
        .await;
    });
}

#[test]
fn the_heartbeat_stops_when_the_caller_gives_up() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = queue_probe();
        let outcome = tokio::time::timeout(
            Duration::from_millis(3500),
            run_job(queue(&timeline, &probe), job("customers.csv")),
        )
        .await;
        let ended = timeline.now();
        timeline.record_cancel("caller gives up and drops the job");
        assert!(
            outcome.is_err(),
            "the job takes 4.5 s, so a 3.5 s timeout must fire"
        );

        tokio::time::sleep(Duration::from_secs(60)).await;
        check_the_heartbeat(
            &timeline,
            &probe,
            ended,
            "was dropped by its caller (a 3.5 s timeout)",
            "When the caller drops the future at an `.await`, no line after that `.await` runs. \
             What still runs when a future is dropped?",
        )
        .await;

        // The same drop at every point of the job, from its first poll on.
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = queue_probe();
                let job = run_job(queue(&timeline, &probe), job("customers.csv"));
                ((timeline, probe), job)
            },
            async |(timeline, probe), point| {
                let ended = timeline.now();
                timeline.record_cancel(format!("caller drops the job {point}"));
                check_the_heartbeat(
                    &timeline,
                    &probe,
                    ended,
                    &format!("was dropped by its caller {point}"),
                    "What still runs when a future is dropped, wherever it is waiting?",
                )
                .await;
            },
        )
        .await;
    });
}

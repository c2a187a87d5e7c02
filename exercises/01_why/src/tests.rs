//! The tests of exercise 01, shared by the starter, the solution and every
//! wrong fix. They run under tokio's paused clock: a 35-second report takes
//! microseconds of real time, and every instant below is exact.

use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str =
    "\"Why cancel?\", section \"Dropping a future is cancelling it\" (src/why.md)";

/// A progress callback that records each step on the timeline.
fn record_steps(timeline: &Timeline) -> impl Fn(u32) + Send + 'static {
    let timeline = timeline.clone();
    move |step| timeline.record(format!("step {step} done"))
}

#[test]
fn the_report_stops_when_its_caller_drops_it() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("caller starts the report, and will wait 5.5 s at most");

        // `timeout` drops the report future when the time is up: that drop is
        // the caller's way of saying "stop".
        let outcome = tokio::time::timeout(
            Duration::from_millis(5500),
            build_report(record_steps(&timeline)),
        )
        .await;
        timeline.record("caller gives up and drops the report");
        Lesson::new(
            CHAPTER,
            "the report was complete after 5.5 s, but 35 steps of 1 s cannot be",
        )
        .ask("Did the steps get shorter? Keep the work as it is; only make it stoppable.")
        .timeline(&timeline)
        .check(outcome.is_err());

        // Give any work that is still running a whole minute to show itself.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let steps = timeline.count("step");
        let last = timeline.last("step").unwrap_or_default();
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped the report at t=5.5s, but the work went on: {steps} steps ran, the last at {}.",
                at(last)
            ),
        )
        .ask("Nobody can read this report any more. Does the work run on a task of its own? \
              Dropping a JoinHandle does not stop the task it points to.")
        .timeline(&timeline)
        .check(steps == 5);
    });
}

#[test]
fn a_caller_who_waits_gets_all_35_rows() {
    paused(|| async {
        let timeline = Timeline::start();
        let report = build_report(record_steps(&timeline)).await;
        timeline.record("report returned");

        let expected: Vec<u32> = (1..=STEPS).map(|step| step * step).collect();
        Lesson::new(
            CHAPTER,
            format!(
                "a caller who waited got {} rows instead of 35",
                report.rows.len()
            ),
        )
        .ask("The fix should change when the work stops, not what it produces.")
        .timeline(&timeline)
        .check(report.rows == expected);
        let finished = timeline.last("report returned").unwrap_or_default();
        Lesson::new(
            CHAPTER,
            format!(
                "35 steps of 1 s should finish at t=35s, but the report returned at {}",
                at(finished)
            ),
        )
        .timeline(&timeline)
        .check(finished == STEP_TIME * STEPS);
    });
}

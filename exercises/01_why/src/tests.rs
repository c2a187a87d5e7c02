//! The tests of exercise 01, shared by the starter, the solution and every
//! wrong fix. They run under tokio's paused clock: a 35-second report takes
//! microseconds of real time, and every instant below is exact.

use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused, tasks_alive,
};

use super::*;

const CHAPTER: &str =
    "\"Why cancel?\", section \"Dropping a future is cancelling it\" (src/why.md)";
const NOT_YOURS: &str =
    "\"Why cancel?\", section \"When the work is not your future\" (src/why.md)";

/// A progress callback that records each step on the timeline, and holds
/// `probe` for as long as it lives.
fn record_steps(timeline: &Timeline, probe: &Probe) -> impl Fn(u32) + Send + use<> {
    let timeline = timeline.clone();
    let held = probe.hold();
    move |step| {
        let _alive = &held;
        timeline.record(format!("step {step} done"));
    }
}

/// Fails unless no task of the report was still alive one step after the
/// caller dropped it, at `dropped_at`. The work inside may show nothing: a
/// step that is not reported is still a query that runs for nobody.
fn no_task_was_left(timeline: &Timeline, dropped_at: Duration, alive: usize) {
    Lesson::new(
        NOT_YOURS,
        format!(
            "the caller dropped the report at {}, and one step later {alive} task(s) it started were still running. \
             Nothing they do shows up any more, but every query in them runs for nobody.",
            at(dropped_at)
        ),
    )
    .ask("Does the work run on a task of its own? Hiding its progress does not stop it: \
          a task runs on after its JoinHandle is dropped.")
    .timeline(timeline)
    .check(alive == 0);
}

#[test]
fn the_report_stops_when_its_caller_drops_it() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = Probe::new("the progress callback");
        timeline.record("caller starts the report, and will wait 5.5 s at most");

        // `timeout` drops the report future when the time is up: that drop is
        // the caller's way of saying "stop".
        let outcome = tokio::time::timeout(
            Duration::from_millis(5500),
            build_report(record_steps(&timeline, &probe)),
        )
        .await;
        timeline.record_cancel("caller gives up and drops the report");
        let dropped_at = timeline.now();
        Lesson::new(
            CHAPTER,
            "the report was complete after 5.5 s, but 35 steps of 1 s cannot be",
        )
        .ask("Did the steps get shorter? Keep the work as it is; only make it stoppable.")
        .timeline(&timeline)
        .check(outcome.is_err());

        tokio::time::sleep(STEP_TIME).await;
        let alive = tasks_alive();
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
        no_task_was_left(&timeline, dropped_at, alive);
        nothing_left_running(&timeline, CHAPTER, &["step"], &[&probe]).await;
    });
}

#[test]
fn the_report_stops_wherever_its_caller_drops_it() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = Probe::new("the progress callback");
                let report = build_report(record_steps(&timeline, &probe));
                ((timeline, probe), report)
            },
            async |(timeline, probe), point| {
                timeline.record_cancel(format!("caller drops the report {point}"));
                let steps = timeline.count("step");
                tokio::time::sleep(STEP_TIME).await;
                let alive = tasks_alive();
                tokio::time::sleep(Duration::from_secs(60)).await;
                let late = timeline.after(point.at, "step");
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the caller dropped the report {point}, with {steps} step(s) done; \
                         {} more step(s) ran after that, for nobody.",
                        late.len()
                    ),
                )
                .ask("Wherever the caller lets go, the work should stop there. What part of it is not inside the future it dropped?")
                .timeline(&timeline)
                .check(late.is_empty());
                no_task_was_left(&timeline, point.at, alive);
                nothing_left_running(&timeline, CHAPTER, &["step"], &[&probe]).await;
            },
        )
        .await;
    });
}

#[test]
fn a_caller_who_waits_gets_all_35_rows() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = Probe::new("the progress callback");
        let report = build_report(record_steps(&timeline, &probe)).await;
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
        nothing_left_running(&timeline, CHAPTER, &["step"], &[&probe]).await;
    });
}

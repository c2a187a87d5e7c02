//! The tests of exercise 29, shared by the starter, the solution and
//! every wrong fix. They run under tokio's paused clock.

use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str = "\"TODO title of cooperative.md\", section \"In Rust\" (src/cooperative.md)";

#[test]
fn the_work_stops_when_its_caller_drops_it() {
    paused(|| async {
        let timeline = Timeline::start();
        let steps = timeline.clone();
        let outcome = tokio::time::timeout(
            Duration::from_millis(3500),
            run(move |step| steps.record(format!("step {step}"))),
        )
        .await;
        timeline.record("caller drops the work");
        Lesson::new(CHAPTER, "the work finished within 3.5 s, but it takes 10 s")
            .timeline(&timeline)
            .check(outcome.is_err());

        // An hour for anything still running to show itself.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let steps = timeline.count("step");
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped the work at t=3.5s, but {steps} steps ran, the last at {}",
                at(timeline.last("step").unwrap_or_default())
            ),
        )
        .ask("TODO: the question that leads to the fix.")
        .timeline(&timeline)
        .check(steps == 3);
    });
}

//! The tests of exercise 22, shared by the starter, the solution and
//! every wrong fix. They run under tokio's paused clock: a quote takes 5 s
//! of virtual time, a refresh comes every 60 s, and no two timers of a test
//! fall on the same instant.

use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused, tasks_alive,
};
use tokio::time::Instant;

use super::*;

const LEFT: &str = "\"Channels and actors\", section \"A requester that left\" (src/channels.md)";
const ENDS: &str =
    "\"Channels and actors\", section \"An actor ends with its last handle\" (src/channels.md)";

/// A pricer whose every report goes on `timeline`, and the probe that rides
/// in its report callback (alive for as long as the actor is).
fn pricer(timeline: &Timeline) -> (Pricer, Probe) {
    let probe = Probe::new("the actor's report callback");
    let held = probe.hold();
    let recorder = timeline.clone();
    let pricer = Pricer::start(move |what| {
        let _alive = &held;
        recorder.record(what);
    });
    (pricer, probe)
}

/// Asks for a quote and records when the answer came.
async fn ask(pricer: &Pricer, timeline: &Timeline, item: u64) -> Option<u64> {
    timeline.record(format!("item {item} asked"));
    let answer = pricer.quote(item).await;
    timeline.record(format!("item {item} answered: {answer:?}"));
    answer
}

#[test]
fn a_quote_is_answered_after_its_five_steps() {
    paused(|| async {
        let timeline = Timeline::start();
        let (pricer, _probe) = pricer(&timeline);
        let answer = ask(&pricer, &timeline, 7).await;
        Lesson::new(
            LEFT,
            format!(
                "a quote for item 7 was answered {answer:?} at {}, instead of Some(700) at t=5s",
                at(timeline.now())
            ),
        )
        .timeline(&timeline)
        .check(answer == Some(700) && timeline.now() == STEP * STEPS as u32);
    });
}

#[test]
fn a_requester_that_times_out_stops_the_computation() {
    paused(|| async {
        let timeline = Timeline::start();
        let (pricer, _probe) = pricer(&timeline);
        let gave_up =
            tokio::time::timeout(Duration::from_millis(2500), ask(&pricer, &timeline, 7)).await;
        assert!(
            gave_up.is_err(),
            "a quote takes 5 s, so a 2.5 s timeout fires"
        );
        timeline.record("the requester of item 7 gave up");

        // The next requester arrives right away.
        let answer = ask(&pricer, &timeline, 8).await;
        let answered = timeline.now();
        tokio::time::sleep(Duration::from_secs(20)).await;
        let wasted = timeline.count("step 3 of item 7")
            + timeline.count("step 4 of item 7")
            + timeline.count("step 5 of item 7");
        Lesson::new(
            LEFT,
            format!(
                "the requester of item 7 gave up at t=2.5s, but the actor ran {wasted} more step(s) of item 7 \
                 (the last step at {}), and item 8, asked at t=2.5s, was answered at {} instead of t=7.5s.",
                at(timeline.last("step").unwrap_or_default()),
                at(answered)
            ),
        )
        .ask("When the timeout dropped the caller's `quote` future, its `oneshot::Receiver` was dropped with it. \
              What on the actor's `oneshot::Sender` tells the actor, at that very moment, that nobody is waiting?")
        .timeline(&timeline)
        .check(wasted == 0 && answer == Some(800) && answered == Duration::from_millis(7500));
    });
}

#[test]
fn a_requester_that_left_while_queued_is_skipped() {
    paused(|| async {
        let timeline = Timeline::start();
        let (pricer, _probe) = pricer(&timeline);
        let started = Instant::now();
        // Three requests at t=0s, in this order; the second gives up at t=3.5s,
        // while the first is still being computed.
        let (first, second, third) = tokio::join!(
            ask(&pricer, &timeline, 1),
            tokio::time::timeout(Duration::from_millis(3500), ask(&pricer, &timeline, 2)),
            async {
                let answer = ask(&pricer, &timeline, 3).await;
                (answer, started.elapsed())
            },
        );
        assert_eq!(first, Some(100));
        assert!(second.is_err(), "the second request waits 5 s in the queue");
        let (third, answered) = third;
        let wasted = timeline
            .events()
            .iter()
            .filter(|event| event.what.starts_with("step") && event.what.ends_with("of item 2"))
            .count();
        Lesson::new(
            LEFT,
            format!(
                "the requester of item 2 gave up at t=3.5s while its request was still queued, but the actor \
                 ran {} step(s) of item 2, and item 3 was answered {third:?} at {} instead of Some(300) at t=10s.",
                wasted,
                at(answered)
            ),
        )
        .ask("When the actor takes a request out of its inbox, has its requester already left? How does the actor find out before it starts?")
        .timeline(&timeline)
        .check(wasted == 0 && third == Some(300) && answered == Duration::from_secs(10));
    });
}

#[test]
fn the_actor_ends_when_its_last_handle_is_dropped() {
    paused(|| async {
        let timeline = Timeline::start();
        let (pricer, probe) = pricer(&timeline);
        let other = pricer.clone();
        assert_eq!(ask(&other, &timeline, 7).await, Some(700));
        drop(other);
        drop(pricer);
        timeline.record_cancel("the last handle is dropped");

        // A moment later (and long before the next refresh is due).
        tokio::time::sleep(Duration::from_millis(10)).await;
        Lesson::new(
            ENDS,
            format!(
                "every `Pricer` was dropped at t=5s, and at {} the actor is still alive ({} clone(s) of its callback held).",
                at(timeline.now()),
                probe.alive()
            ),
        )
        .ask("`recv()` returns `None` only when every `Sender` of the channel is gone. Who else holds one? \
              A sender the actor's own side keeps is a cycle: the actor waits for itself.")
        .timeline(&timeline)
        .check(probe.alive() == 0);

        nothing_left_running(&timeline, ENDS, &["step", "refresh"], &[&probe]).await;
        Lesson::new(
            ENDS,
            format!(
                "an hour after the last handle was dropped, {} task(s) of the pricer are still alive",
                tasks_alive()
            ),
        )
        .ask("Is something still parked, waiting for a timer or a channel that nobody will use again?")
        .timeline(&timeline)
        .check(tasks_alive() == 0);
    });
}

#[test]
fn prices_are_refreshed_every_minute_while_a_handle_exists() {
    paused(|| async {
        let timeline = Timeline::start();
        let (pricer, probe) = pricer(&timeline);
        tokio::time::sleep(Duration::from_secs(150)).await;
        let refreshes: Vec<String> = timeline
            .events()
            .into_iter()
            .filter(|event| event.what == "refresh")
            .map(|event| at(event.at))
            .collect();
        Lesson::new(
            ENDS,
            format!(
                "in the first 150 s the price list was refreshed at [{}], instead of at t=60s and t=120s",
                refreshes.join(", ")
            ),
        )
        .ask("The actor must still refresh once a minute for as long as somebody holds a handle. \
              Can the actor's own loop wait for the next tick and for the next message at once?")
        .timeline(&timeline)
        .check(refreshes == ["t=60s", "t=120s"]);

        drop(pricer);
        timeline.record_cancel("the last handle is dropped");
        nothing_left_running(&timeline, ENDS, &["step", "refresh"], &[&probe]).await;
    });
}

#[test]
fn quotes_dropped_at_any_point_stop_their_work() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let (pricer, probe) = pricer(&timeline);
                let asking = pricer.clone();
                let recorder = timeline.clone();
                let quotes = async move {
                    ask(&asking, &recorder, 1).await;
                    ask(&asking, &recorder, 2).await;
                };
                // The requester also turns a spinner every 1.3 s (never on a
                // whole second, when the actor's steps end), so that the sweep
                // drops it in the middle of a computation too.
                let spinner = async {
                    for _ in 0..8 {
                        tokio::time::sleep(Duration::from_millis(1300)).await;
                    }
                };
                let two_quotes = async move {
                    tokio::join!(quotes, spinner);
                };
                ((timeline, pricer, probe), two_quotes)
            },
            async |(timeline, pricer, _probe), point| {
                let dropped = timeline.now();
                timeline.record_cancel("the requester is dropped");
                tokio::time::sleep(Duration::from_secs(20)).await;
                let late = timeline.after(dropped, "step");
                Lesson::new(
                    LEFT,
                    format!(
                        "two quotes in a row were dropped {point}; afterwards the actor still ran {} step(s) \
                         for them, the first \"{}\".",
                        late.len(),
                        late.first().map_or(String::new(), |event| event.what.clone())
                    ),
                )
                .ask("Wherever the requester is dropped (its request queued or being computed), does the actor stop at that moment?")
                .timeline(&timeline)
                .check(late.is_empty());
                drop(pricer);
            },
        )
        .await;
    });
}

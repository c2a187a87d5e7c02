//! The tests of exercise 29, shared by the starter, the solution and every
//! wrong fix. Most run under tokio's paused clock, on one thread: a replay
//! that never gives the thread back keeps every other task from running,
//! and the tests count how far it got before they did. A paused clock never
//! moves while a task is busy, so the one test of the timeout runs on the
//! real clock, bounded by the watchdog.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use test_support::bounded::real_time_within;
use test_support::{Lesson, Timeline, cancel_at_every_point, paused, tasks_alive};
use tokio_util::sync::CancellationToken;

use super::*;

const YIELDS: &str =
    "\"Cooperative scheduling\", section \"An `.await` is not a yield\" (src/cooperative.md)";
const TIMEOUT: &str =
    "\"Cooperative scheduling\", section \"Why the timeout never fires\" (src/cooperative.md)";

/// Bigger than any batch a learner might pick.
const EVENTS: u64 = 1_000_000;

#[test]
fn a_shutdown_during_the_replay_stops_it_at_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let projection = Arc::new(Projection::default());
        let shutdown = CancellationToken::new();
        // A shutdown that is ready to run from the very start.
        let handler = tokio::spawn({
            let (shutdown, projection, timeline) =
                (shutdown.clone(), projection.clone(), timeline.clone());
            async move {
                let seen = projection.applied();
                timeline.record(format!(
                    "the shutdown task runs: {seen} events applied; cancel"
                ));
                shutdown.cancel();
                seen
            }
        });
        let result = replay(&mut Journal::new(EVENTS), &projection, &shutdown).await;
        let applied = projection.applied();
        timeline.record(format!(
            "replay returned {result:?} with {applied} events applied"
        ));
        let before = handler.await.unwrap();
        Lesson::new(
            YIELDS,
            format!(
                "a shutdown task was ready from the start, but it first ran after {before} of {EVENTS} events \
                 (it must get a turn within {FAIR_SHARE})."
            ),
        )
        .ask(
            "When does the replay give the thread back? A task yields only when a poll returns `Pending`, \
             and awaiting an event that is already in memory never does.",
        )
        .timeline(&timeline)
        .check(before <= FAIR_SHARE);
        Lesson::new(
            YIELDS,
            format!(
                "the shutdown token was cancelled after {before} events, but the replay returned {result:?} \
                 with {applied} events applied (expected Err(Cancelled), and not one event more)."
            ),
        )
        .ask("Once the replay has let the shutdown run, does it look at the token before it applies another event?")
        .timeline(&timeline)
        .check(result == Err(Cancelled) && applied == before);
    });
}

#[test]
fn a_shutdown_at_any_point_stops_the_replay_before_the_next_event() {
    paused(|| async {
        const SHORT: u64 = 2_000;
        cancel_at_every_point(
            || {
                let projection = Arc::new(Projection::default());
                let shutdown = CancellationToken::new();
                let applied_at_cancel = Arc::new(AtomicU64::new(0));
                let replay = {
                    let (projection, shutdown) = (projection.clone(), shutdown.clone());
                    async move { replay(&mut Journal::new(SHORT), &projection, &shutdown).await }
                };
                ((projection, shutdown, applied_at_cancel), replay)
            },
            |(projection, shutdown, applied_at_cancel)| {
                applied_at_cancel.store(projection.applied(), Ordering::SeqCst);
                shutdown.cancel();
            },
            async |(projection, _, applied_at_cancel), point, result| {
                let at_cancel = applied_at_cancel.load(Ordering::SeqCst);
                let after = projection.applied() - at_cancel;
                // An hour for anything the replay left behind to show itself.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                let later = projection.applied() - at_cancel - after;
                Lesson::new(
                    YIELDS,
                    format!(
                        "a replay of {SHORT} events was shut down {point}, with {at_cancel} applied; it returned \
                         {result:?} after applying {after} more, and {later} more in the hour after \
                         (expected Err(Cancelled), 0 and 0)."
                    ),
                )
                .ask("Where the replay gives the thread back, does it look at the token before it applies the next event?")
                .check(result == Err(Cancelled) && after == 0 && later == 0);
            },
        )
        .await;
    });
}

#[test]
fn the_heartbeat_keeps_beating_during_the_replay() {
    paused(|| async {
        let projection = Arc::new(Projection::default());
        let done = Arc::new(AtomicBool::new(false));
        // The health check's heartbeat: a beat each time it gets the thread.
        let heartbeat = tokio::spawn({
            let (projection, done) = (projection.clone(), done.clone());
            async move {
                let mut beats = vec![projection.applied()];
                while !done.load(Ordering::SeqCst) {
                    tokio::task::yield_now().await;
                    beats.push(projection.applied());
                }
                beats
            }
        });
        let result = replay(
            &mut Journal::new(EVENTS),
            &projection,
            &CancellationToken::new(),
        )
        .await;
        done.store(true, Ordering::SeqCst);
        let beats = heartbeat.await.unwrap();
        let (gap, from) = beats
            .windows(2)
            .map(|pair| (pair[1] - pair[0], pair[0]))
            .chain(beats.first().map(|&first| (first, 0)))
            .max()
            .unwrap_or((0, 0));
        Lesson::new(
            YIELDS,
            format!(
                "the replay of {EVENTS} events returned {result:?}; the heartbeat beat {} time(s), and the \
                 longest it had to wait was {gap} events (from event {from}), more than the fair share of \
                 {FAIR_SHARE}.",
                beats.len()
            ),
        )
        .ask(
            "How often does the replay let another task run? Once at the start, or once in ten thousand, is \
             not often enough: a health check that misses its beats gets the instance killed.",
        )
        .check(gap <= FAIR_SHARE && result == Ok(EVENTS));
    });
}

#[test]
fn a_replay_to_the_end_applies_every_event() {
    paused(|| async {
        let projection = Projection::default();
        let shutdown = CancellationToken::new();
        let result = replay(&mut Journal::new(EVENTS), &projection, &shutdown).await;
        let expected_total = EVENTS * (EVENTS + 1) / 2;
        Lesson::new(
            YIELDS,
            format!(
                "a replay of {EVENTS} events with no shutdown returned {result:?}, with a total of {} \
                 (expected Ok({EVENTS}) and {expected_total}); the token is {}cancelled.",
                projection.total(),
                if shutdown.is_cancelled() { "" } else { "not " }
            ),
        )
        .ask("Is every event applied exactly once, and is the caller's token left alone?")
        .check(
            result == Ok(EVENTS)
                && projection.total() == expected_total
                && !shutdown.is_cancelled(),
        );
        Lesson::new(
            YIELDS,
            format!(
                "{} task(s) are still alive after the replay returned",
                tasks_alive()
            ),
        )
        .ask("What did the replay start that nobody waits for?")
        .check(tasks_alive() == 0);
    });
}

#[test]
fn an_already_cancelled_shutdown_applies_nothing() {
    paused(|| async {
        let projection = Projection::default();
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let result = replay(&mut Journal::new(EVENTS), &projection, &shutdown).await;
        Lesson::new(
            YIELDS,
            format!(
                "the token was cancelled before the replay started; it returned {result:?} with {} events \
                 applied (expected Err(Cancelled) and 0).",
                projection.applied()
            ),
        )
        .ask("Is the token looked at before the first event is applied, or only at the yields?")
        .check(result == Err(Cancelled) && projection.applied() == 0);
    });
}

#[test]
fn a_timeout_stops_an_endless_replay() {
    // The real clock: a paused one does not move while a task is busy. A
    // replay that never yields spins until the watchdog stops it: 2 s.
    real_time_within(Duration::from_secs(2), || async {
        let projection = Projection::default();
        let limit = Duration::from_millis(50);
        let outcome = tokio::time::timeout(
            limit,
            replay(
                &mut Journal::endless(),
                &projection,
                &CancellationToken::new(),
            ),
        )
        .await;
        Lesson::new(
            TIMEOUT,
            format!(
                "a replay of a journal that never ends, under a {limit:?} timeout, returned {outcome:?} after {} \
                 events (expected the timeout's error).",
                projection.applied()
            ),
        )
        .ask("Is the replay's future ever polled again after its first poll? The timeout can only fire when it is.")
        .check(outcome.is_err());
    });
}

//! The tests of exercise 07, shared by the starter, the solution and every
//! wrong fix. Paused clock: the order service is slow on purpose, the user
//! presses Cancel at a set instant, and every time below is exact. (The
//! cancel comes at t=5s, the limit at t=10s, the answers at t=3s or t=35s:
//! never two at once.)

use std::time::Duration;

use test_support::leftovers::AN_HOUR;
use test_support::{Lesson, Timeline, at, drop_at_every_point, paused, tasks_alive};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Two reasons to stop\", section \"Keep the reason in the type\" (src/linked.md)";
const PARENT: &str =
    "\"Two reasons to stop\", section \"Parent and child: child_token\" (src/linked.md)";

const CUSTOMER: u32 = 42;

fn describe(result: &Result<Vec<Order>, LoadError>) -> String {
    match result {
        Ok(orders) => format!("Ok({} orders)", orders.len()),
        Err(error) => format!("Err({error:?})"),
    }
}

/// Fails unless the load, which `ended` (returned, or was dropped) at
/// `ended_at`, left no task running now, and unless the page's own token is
/// still not cancelled an hour later (when the page itself did not cancel).
async fn nothing_left(
    timeline: &Timeline,
    user: &CancellationToken,
    ended: &str,
    ended_at: Duration,
    the_page_cancelled: bool,
) {
    let alive = tasks_alive();
    let now = timeline.now();
    let when = if now == ended_at {
        "then".to_owned()
    } else {
        format!("at {}", at(now))
    };
    Lesson::new(
        CHAPTER,
        format!(
            "the load {ended} at {}, but {when} {alive} task(s) it started were still running: \
             one more for every page load, each holding a token until its timer fires.",
            at(ended_at)
        ),
    )
    .ask(
        "What did the load start that outlives it? A timer task that cancels a merged token \
         keeps running after the load is over. Can the limit be part of the load's own future, \
         so that it ends with it?",
    )
    .timeline(timeline)
    .check(alive == 0);
    tokio::time::sleep(AN_HOUR).await;
    if !the_page_cancelled {
        Lesson::new(
            PARENT,
            format!(
                "the load {ended} at {} and nobody pressed Cancel, yet an hour later the page's own token \
                 is cancelled: everything else on the page that listens to it has stopped too.",
                at(ended_at)
            ),
        )
        .ask(
            "Who cancelled the page's token? Whatever the reason the load stops, \
             it may listen to its caller's token, never cancel it.",
        )
        .timeline(timeline)
        .check(!user.is_cancelled());
    }
}

/// Loads the orders from a service that answers after `latency`, recording
/// when the load returned. Gives the result and that time.
async fn load(
    timeline: &Timeline,
    latency: Duration,
    user: &CancellationToken,
) -> (Result<Vec<Order>, LoadError>, Duration) {
    timeline.record(format!(
        "page loads the orders; the service answers after {}s, the limit is 10s",
        latency.as_secs()
    ));
    let result = load_orders(&OrderService::new(latency), CUSTOMER, user).await;
    timeline.record(format!("load returned {}", describe(&result)));
    (result, timeline.now())
}

#[test]
fn a_slow_load_times_out_at_exactly_10s() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        let (result, returned) = load(&timeline, Duration::from_secs(35), &user).await;
        Lesson::new(
            CHAPTER,
            format!(
                "nobody pressed Cancel and the service needs 35 s, so the load should end with \
                 Err(TimedOut) at t=10s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "Once one token carries both reasons, can anything still tell them apart? \
             What if each reason left its own shape in the result?",
        )
        .timeline(&timeline)
        .check(result == Err(LoadError::TimedOut) && returned == LOAD_LIMIT);
        nothing_left(&timeline, &user, "timed out", returned, false).await;
    });
}

#[test]
fn a_cancel_at_5s_stops_the_load_at_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        let (page, presses) = (user.clone(), timeline.clone());
        let presser = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            presses.record_cancel("user presses Cancel");
            page.cancel();
        });
        let (result, returned) = load(&timeline, Duration::from_secs(35), &user).await;
        presser.await.expect("the user's task panicked");
        Lesson::new(
            CHAPTER,
            format!(
                "the user pressed Cancel at t=5s, so the load should end with Err(Cancelled) at t=5s; \
                 it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "Is the load listening to the user's token *while* it waits for the service, \
             or only before or after?",
        )
        .timeline(&timeline)
        .check(result == Err(LoadError::Cancelled) && returned == Duration::from_secs(5));
        nothing_left(&timeline, &user, "was cancelled", returned, true).await;
    });
}

#[test]
fn a_quick_load_returns_the_orders() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        let (result, returned) = load(&timeline, Duration::from_secs(3), &user).await;
        let expected: Vec<Order> = (1..=3)
            .map(|n| Order {
                id: CUSTOMER * 100 + n,
            })
            .collect();
        Lesson::new(
            CHAPTER,
            format!(
                "the service answers after 3 s and nobody cancels, so the load should return \
                 Ok(3 orders) at t=3s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask("When neither reason happens, the orders should come through as they are.")
        .timeline(&timeline)
        .check(result == Ok(expected) && returned == Duration::from_secs(3));
        nothing_left(&timeline, &user, "returned the orders", returned, false).await;
    });
}

#[test]
fn the_load_never_cancels_the_pages_token() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        let (watched, noticed) = (user.clone(), timeline.clone());
        tokio::spawn(async move {
            watched.cancelled().await;
            noticed.record("the page's own token was cancelled");
        });
        let (result, _) = load(&timeline, Duration::from_secs(3), &user).await;
        timeline.record("the page shows the orders; the test waits 60 s more");
        tokio::time::sleep(Duration::from_secs(60)).await;

        let cancelled_at = timeline.last("the page's own token");
        Lesson::new(
            PARENT,
            format!(
                "the load returned {} at t=3s and nobody pressed Cancel, yet the page's own token was \
                 cancelled at {}: everything else on the page that listens to it has stopped too.",
                describe(&result),
                at(cancelled_at.unwrap_or_default())
            ),
        )
        .ask(
            "Every clone of a token can cancel it. Who cancelled the page's token? \
             A load may listen to its caller's token; for a stop of its own it needs a token of its own.",
        )
        .timeline(&timeline)
        .check(cancelled_at.is_none());
    });
}

#[test]
fn a_closed_page_leaves_nothing_behind() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let user = CancellationToken::new();
                let load = {
                    let (timeline, user) = (timeline.clone(), user.clone());
                    async move { load(&timeline, Duration::from_secs(35), &user).await }
                };
                ((timeline, user), load)
            },
            async |(timeline, user), point| {
                timeline.record(format!(
                    "the user closes the page: the load is dropped {point}"
                ));
                // Whatever was only scheduled to stop has had a second to do so.
                tokio::time::sleep(Duration::from_secs(1)).await;
                nothing_left(&timeline, &user, "was dropped", point.at, false).await;
            },
        )
        .await;
    });
}

#[test]
fn a_cancel_before_the_load_wins_even_against_a_ready_answer() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        user.cancel();
        timeline.record(
            "the user pressed Cancel before the load began; the service would answer at once",
        );
        const TRIES: usize = 100;
        let mut wrong = Vec::new();
        for _ in 0..TRIES {
            let result = load_orders(&OrderService::new(Duration::ZERO), CUSTOMER, &user).await;
            if result != Err(LoadError::Cancelled) {
                wrong.push(describe(&result));
            }
        }
        Lesson::new(
            CHAPTER,
            format!(
                "the user had pressed Cancel before the load began, so it should end with Err(Cancelled); \
                 with a service that answers at once it returned {} in {} of {TRIES} tries.",
                wrong.first().map_or("-", String::as_str),
                wrong.len()
            ),
        )
        .ask(
            "When the token is already cancelled and the answer is ready too, which one wins, \
             and is it the same one every time?",
        )
        .timeline(&timeline)
        .check(wrong.is_empty());
    });
}

//! The tests of exercise 07, shared by the starter, the solution and every
//! wrong fix. Paused clock: the order service is slow on purpose, the user
//! presses Cancel at a set instant, and every time below is exact. (The
//! cancel comes at t=5s, the limit at t=10s, the answers at t=3s or t=35s:
//! never two at once.)

use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
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
    });
}

#[test]
fn a_cancel_at_5s_stops_the_load_at_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let user = CancellationToken::new();
        let (page, presses) = (user.clone(), timeline.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            presses.record("user presses Cancel");
            page.cancel();
        });
        let (result, returned) = load(&timeline, Duration::from_secs(35), &user).await;
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

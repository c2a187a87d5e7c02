//! The tests of exercise 04, shared by the starter, the solution and every
//! wrong fix. Paused clock; a request is dropped the way a timeout drops it.

use std::time::Duration;

use test_support::{Lesson, paused};
use tokio_test::task;

use super::*;

const CHAPTER: &str = "\"Dropping is cancelling\", section \"Clean-up goes in Drop\" (src/drop.md)";

#[test]
fn a_dropped_request_is_no_longer_counted() {
    paused(|| async {
        let in_flight = InFlight::default();
        // The client gives up after 1 s; the look-up takes 2 s.
        let outcome = tokio::time::timeout(Duration::from_secs(1), handle(&in_flight, 7)).await;
        assert!(
            outcome.is_err(),
            "the look-up takes 2 s, so a 1 s timeout must fire"
        );

        Lesson::new(
            CHAPTER,
            format!(
                "at t=1s the timeout dropped the request while it waited for the look-up; \
                 afterwards the in-flight count is {} instead of 0, and a graceful shutdown would wait for ever.",
                in_flight.get()
            ),
        )
        .ask("Which line should have taken the request off the count? When a future is dropped at an `.await`, the code after that `.await` never runs; a value's `Drop` does.")
        .check(in_flight.get() == 0);
    });
}

#[test]
fn a_running_request_is_counted() {
    paused(|| async {
        let in_flight = InFlight::default();
        let mut request = task::spawn(handle(&in_flight, 7));
        assert!(request.poll().is_pending());
        Lesson::new(
            CHAPTER,
            format!("while a request waits for its look-up, the in-flight count is {} instead of 1", in_flight.get()),
        )
        .ask("Is the request counted while it runs? A guard bound to `_` is dropped on the spot: `let _ = ...` is not `let _guard = ...`.")
        .check(in_flight.get() == 1);

        tokio::time::advance(LOOKUP_TIME).await;
        let page = request.poll();
        assert_eq!(
            page,
            std::task::Poll::Ready(Ok("<h1>user 7</h1>".to_owned()))
        );
        drop(request);
        Lesson::new(
            CHAPTER,
            format!(
                "after a request succeeded, the in-flight count is {} instead of 0",
                in_flight.get()
            ),
        )
        .check(in_flight.get() == 0);
    });
}

#[test]
fn a_failed_request_is_no_longer_counted() {
    paused(|| async {
        let in_flight = InFlight::default();
        let result = handle(&in_flight, 0).await;
        assert_eq!(result, Err(NotFound));
        Lesson::new(
            CHAPTER,
            format!(
                "after a request failed with NotFound, the in-flight count is {} instead of 0",
                in_flight.get()
            ),
        )
        .ask("Does the `?` return early, past the line that takes the request off the count?")
        .check(in_flight.get() == 0);
    });
}

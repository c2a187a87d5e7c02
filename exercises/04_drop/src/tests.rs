//! The tests of exercise 04, shared by the starter, the solution and every
//! wrong fix. Paused clock; a request is dropped the way a timeout drops it.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, drop_at_every_point, paused};
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
        .ask("Is the request counted for as long as it runs, its `.await` included? A guard bound to `_` is dropped on the spot: `let _ = ...` is not `let _guard = ...`.")
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

/// Two requests at once: user 7 from t=0s to t=2s, user 8 from t=1s to t=3s.
async fn two_requests(in_flight: Arc<InFlight>) {
    let second = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        handle(&in_flight, 8).await
    };
    let (first, second) = tokio::join!(handle(&in_flight, 7), second);
    assert_eq!((first.is_ok(), second.is_ok()), (true, true));
}

#[test]
fn overlapping_requests_are_counted_one_by_one() {
    paused(|| async {
        let in_flight = InFlight::default();
        let mut first = task::spawn(handle(&in_flight, 7));
        assert!(first.poll().is_pending());
        tokio::time::advance(Duration::from_secs(1)).await;
        let mut second = task::spawn(handle(&in_flight, 8));
        assert!(second.poll().is_pending());
        Lesson::new(
            CHAPTER,
            format!(
                "at t=1s two requests wait for their look-ups, and the in-flight count is {} instead of 2",
                in_flight.get()
            ),
        )
        .check(in_flight.get() == 2);

        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(first.poll().is_ready(), "the first look-up ends at t=2s");
        drop(first);
        Lesson::new(
            CHAPTER,
            format!(
                "at t=2s the first request succeeded while the second still waits for its look-up; \
                 the in-flight count is {} instead of 1.",
                in_flight.get()
            ),
        )
        .ask("Does a request that succeeds take itself off the count exactly once, whatever else is running? \
              A count that is right for one request at a time can still be wrong for two.")
        .check(in_flight.get() == 1);

        drop(second);
        Lesson::new(
            CHAPTER,
            format!(
                "at t=2s the second request was dropped while it waited; the in-flight count is {} instead of 0",
                in_flight.get()
            ),
        )
        .check(in_flight.get() == 0);
    });
}

#[test]
fn requests_dropped_at_any_point_are_no_longer_counted() {
    paused(|| async {
        drop_at_every_point(
            || {
                let in_flight = Arc::new(InFlight::default());
                (in_flight.clone(), two_requests(in_flight))
            },
            async |in_flight, point| {
                Lesson::new(
                    CHAPTER,
                    format!(
                        "two requests (t=0s to 2s and t=1s to 3s) were dropped {point}; \
                         the moment the drop returned, the in-flight count was {} instead of 0.",
                        in_flight.get()
                    ),
                )
                .ask("Which of them was still counted? Wherever a request is dropped, its count must go back down in that very drop.")
                .check(in_flight.get() == 0);
            },
        )
        .await;
    });
}

//! The tests of exercise 09, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. A message takes
//! 1 s, so messages are handled on whole seconds; the shutdown comes on a
//! half second.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Swallowed cancellation\", section \"Keep cancellation in the error type\" (src/swallow.md)";

/// The service shuts down here: after message 102, during message 103.
const SHUTDOWN_AT: Duration = Duration::from_millis(3500);

/// Ten messages, offsets 100 to 109; `poison` makes one of them unreadable.
fn consumer(timeline: &Timeline, poison: Option<u64>) -> Arc<Consumer> {
    let messages = (100..110)
        .map(|offset| Message {
            offset,
            body: if poison == Some(offset) {
                "poison".to_owned()
            } else {
                format!("order {offset} paid")
            },
        })
        .collect();
    let timeline = timeline.clone();
    Arc::new(Consumer::new(
        messages,
        Arc::new(move |event| timeline.record(event)),
    ))
}

#[test]
fn a_batch_cancelled_half_way_is_not_committed() {
    paused(|| async {
        let timeline = Timeline::start();
        let consumer = consumer(&timeline, None);
        let shutdown = CancellationToken::new();
        timeline.record("consumer takes a batch: messages 100 to 109");
        let run = tokio::spawn({
            let consumer = Arc::clone(&consumer);
            let shutdown = shutdown.clone();
            async move { consumer.consume_one_batch(&shutdown).await }
        });

        tokio::time::sleep(SHUTDOWN_AT).await;
        timeline.record("shutdown: the token is cancelled");
        shutdown.cancel();
        let result = run.await.expect("the consumer panicked");
        timeline.record(format!("consume_one_batch returned {result:?}"));
        let returned_at = timeline.now();
        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline.record("60 s later");

        let handled = timeline.count("message");
        let commits = consumer.commits();
        Lesson::new(
            CHAPTER,
            format!(
                "the service shut down at t=3.5s during message 103, but the batch was \
                 committed anyway (commits: {commits:?}): only {handled} of its 10 messages were \
                 handled, and the queue will never deliver the other {} again.",
                10 - handled
            ),
        )
        .ask(
            "What does `process_batch` return when the token fires half-way? Its caller \
             commits on every `Ok`.",
        )
        .timeline(&timeline)
        .check(commits.is_empty());
        Lesson::new(
            CHAPTER,
            format!(
                "a batch stopped by a shutdown should come back as Err(Cancelled); \
                 consume_one_batch returned {result:?}."
            ),
        )
        .ask(
            "Is a shutdown a success? Is it a failure (an alert, a retry, a dead letter)? \
             Cancellation needs its own error, carried all the way up.",
        )
        .timeline(&timeline)
        .check(result == Err(BatchError::Cancelled));
        let late = timeline.after(SHUTDOWN_AT, "message").len();
        Lesson::new(
            CHAPTER,
            format!(
                "the service shut down at t=3.5s, but the batch went on until {}, handling \
                 {late} more message(s): none of them was committed, so the queue will deliver them \
                 again after the restart, and they will be handled twice.",
                at(returned_at)
            ),
        )
        .ask("Does the batch hear the token while a message is being handled?")
        .timeline(&timeline)
        .check(returned_at == SHUTDOWN_AT && late == 0);
    });
}

#[test]
fn a_finished_batch_is_committed_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let consumer = consumer(&timeline, None);
        let shutdown = CancellationToken::new();
        timeline.record("consumer takes a batch: messages 100 to 109");
        let result = consumer.consume_one_batch(&shutdown).await;
        timeline.record(format!("consume_one_batch returned {result:?}"));
        let returned_at = timeline.now();

        let commits = consumer.commits();
        Lesson::new(
            CHAPTER,
            format!(
                "with no shutdown, the batch of 10 should be handled by t=10s and committed up to \
                 110 once; consume_one_batch returned {result:?} at {}, and the commits were {commits:?}.",
                at(returned_at)
            ),
        )
        .ask("The fix should change what a cancel looks like, not what a finished batch does.")
        .timeline(&timeline)
        .check(
            result == Ok(10) && commits == [110] && returned_at == HANDLE_TIME * 10,
        );
    });
}

#[test]
fn a_rejected_message_stops_the_batch_uncommitted() {
    paused(|| async {
        let timeline = Timeline::start();
        let consumer = consumer(&timeline, Some(104));
        let shutdown = CancellationToken::new();
        timeline.record("consumer takes a batch: messages 100 to 109, 104 is unreadable");
        let result = consumer.consume_one_batch(&shutdown).await;
        timeline.record(format!("consume_one_batch returned {result:?}"));

        let commits = consumer.commits();
        let expected = Err(BatchError::Failed {
            offset: 104,
            error: HandleError::Rejected("unreadable body".to_owned()),
        });
        Lesson::new(
            CHAPTER,
            format!(
                "message 104 was rejected at t=5s: the batch should fail with {expected:?} and \
                 stay uncommitted; it returned {result:?}, and the commits were {commits:?}."
            ),
        )
        .ask("A real failure is not a cancel: keep the two apart.")
        .timeline(&timeline)
        .check(result == expected && commits.is_empty());
    });
}

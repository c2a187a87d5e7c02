//! The tests of exercise 09, shared by the starter, the solution and every
//! wrong fix. Paused clock: every instant below is exact. A message takes
//! 1 s, so messages are handled on whole seconds; the shutdown comes on a
//! half second. Whatever ends a batch, the test then lets an hour pass: no
//! message may be handled, and nothing may still hold the consumer's event
//! callback. A sweep then cancels a batch at each of its await points in
//! turn (right after a poll, so never on a timer's instant).

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, cancel_at_every_point, nothing_left_running, paused,
};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Swallowed cancellation\", section \"Keep cancellation in the error type\" (src/swallow.md)";

/// The service shuts down here: after message 102, during message 103.
const SHUTDOWN_AT: Duration = Duration::from_millis(3500);

fn callback_probe() -> Probe {
    Probe::new("the consumer's event callback")
}

/// Ten messages, offsets 100 to 109; `poison` makes one of them unreadable.
/// The event callback holds `probe`.
fn consumer(timeline: &Timeline, poison: Option<u64>, probe: &Probe) -> Arc<Consumer> {
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
    let held = probe.hold();
    Arc::new(Consumer::new(
        messages,
        Arc::new(move |event| {
            let _ = &held;
            timeline.record(event)
        }),
    ))
}

#[test]
fn a_batch_cancelled_half_way_is_not_committed() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let consumer = consumer(&timeline, None, &probe);
        let shutdown = CancellationToken::new();
        timeline.record("consumer takes a batch: messages 100 to 109");
        let run = tokio::spawn({
            let consumer = Arc::clone(&consumer);
            let shutdown = shutdown.clone();
            async move { consumer.consume_one_batch(&shutdown).await }
        });

        tokio::time::sleep(SHUTDOWN_AT).await;
        timeline.record_cancel("shutdown: the token is cancelled");
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
        drop(consumer);
        nothing_left_running(&timeline, CHAPTER, &["message"], &[&probe]).await;

        // The same shutdown at every point of a batch, from before its first
        // message to during its last.
        cancel_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = callback_probe();
                let consumer = self::consumer(&timeline, None, &probe);
                let shutdown = CancellationToken::new();
                let run = {
                    let (consumer, shutdown) = (Arc::clone(&consumer), shutdown.clone());
                    async move { consumer.consume_one_batch(&shutdown).await }
                };
                ((timeline, probe, consumer, shutdown), run)
            },
            |(timeline, _, _, shutdown)| {
                timeline.record_cancel("shutdown: the token is cancelled");
                shutdown.cancel();
            },
            async |(timeline, probe, consumer, _), point, result| {
                let cancelled_at = timeline.last("shutdown").unwrap_or_default();
                timeline.record(format!("consume_one_batch returned {result:?}"));
                let returned_at = timeline.now();
                let commits = consumer.commits();
                drop(consumer);
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the service shut down {point}: consume_one_batch should return \
                         Err(Cancelled) then, with nothing committed; it returned {result:?} at \
                         {}, and the commits were {commits:?}.",
                        at(returned_at)
                    ),
                )
                .ask("Is the cancel carried up as a cancel wherever it comes, during the first message or the last?")
                .timeline(&timeline)
                .check(
                    result == Err(BatchError::Cancelled)
                        && commits.is_empty()
                        && returned_at == cancelled_at,
                );
                nothing_left_running(&timeline, CHAPTER, &["message"], &[&probe]).await;
            },
        )
        .await;
    });
}

#[test]
fn process_batch_itself_reports_a_cancel() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let consumer = consumer(&timeline, None, &probe);
        let batch: Vec<Message> = (100..110)
            .map(|offset| Message {
                offset,
                body: format!("order {offset} paid"),
            })
            .collect();
        let shutdown = CancellationToken::new();
        timeline.record("a replay tool calls process_batch directly: messages 100 to 109");
        let run = tokio::spawn({
            let (consumer, shutdown, batch) =
                (Arc::clone(&consumer), shutdown.clone(), batch.clone());
            async move { consumer.process_batch(&batch, &shutdown).await }
        });
        tokio::time::sleep(SHUTDOWN_AT).await;
        timeline.record_cancel("shutdown: the token is cancelled");
        shutdown.cancel();
        let result = run.await.expect("process_batch panicked");
        timeline.record(format!("process_batch returned {result:?}"));
        let returned_at = timeline.now();
        Lesson::new(
            CHAPTER,
            format!(
                "`process_batch` is public, and other code calls it too (a replay tool, a \
                 retry loop). Shut down at t=3.5s during message 103, it should return \
                 Err(Cancelled) then; it returned {result:?} at {}.",
                at(returned_at)
            ),
        )
        .ask(
            "Does the function that met the cancel report it, or does it leave that to one of \
             its callers? Every caller of `process_batch` reads `Ok` as \"every message was handled\".",
        )
        .timeline(&timeline)
        .check(result == Err(BatchError::Cancelled) && returned_at == SHUTDOWN_AT);

        // A token that was cancelled before the batch even started.
        timeline.record("process_batch again, with the token already cancelled");
        let started = timeline.now();
        let result = consumer.process_batch(&batch, &shutdown).await;
        timeline.record(format!("process_batch returned {result:?}"));
        let handled = timeline.after(started, "message").len();
        Lesson::new(
            CHAPTER,
            format!(
                "with its token already cancelled, process_batch should return Err(Cancelled) \
                 at once, handling nothing; it returned {result:?} at {}, after handling \
                 {handled} message(s).",
                at(timeline.now())
            ),
        )
        .timeline(&timeline)
        .check(result == Err(BatchError::Cancelled) && handled == 0 && timeline.now() == started);
        drop(consumer);
        nothing_left_running(&timeline, CHAPTER, &["message"], &[&probe]).await;
    });
}

#[test]
fn a_finished_batch_is_committed_once() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = callback_probe();
        let consumer = consumer(&timeline, None, &probe);
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
        drop(consumer);
        nothing_left_running(&timeline, CHAPTER, &["message"], &[&probe]).await;
    });
}

#[test]
fn a_rejected_message_stops_the_batch_uncommitted() {
    // A failure early in the batch, and one in its very last message.
    for poison in [104, 109] {
        paused(move || async move {
            let timeline = Timeline::start();
            let probe = callback_probe();
            let consumer = consumer(&timeline, Some(poison), &probe);
            let shutdown = CancellationToken::new();
            timeline.record(format!(
                "consumer takes a batch: messages 100 to 109, {poison} is unreadable"
            ));
            let result = consumer.consume_one_batch(&shutdown).await;
            timeline.record(format!("consume_one_batch returned {result:?}"));
            let returned_at = timeline.now();

            let commits = consumer.commits();
            let expected = Err(BatchError::Failed {
                offset: poison,
                error: HandleError::Rejected("unreadable body".to_owned()),
            });
            let rejected_at = HANDLE_TIME * (poison - 99) as u32;
            Lesson::new(
                CHAPTER,
                format!(
                    "message {poison} was rejected at {}: the batch should fail with \
                     {expected:?} then and stay uncommitted; it returned {result:?} at {}, and \
                     the commits were {commits:?}.",
                    at(rejected_at),
                    at(returned_at)
                ),
            )
            .ask("A real failure is not a cancel: keep the two apart.")
            .timeline(&timeline)
            .check(result == expected && commits.is_empty() && returned_at == rejected_at);
            drop(consumer);
            nothing_left_running(&timeline, CHAPTER, &["message"], &[&probe]).await;
        });
    }
}

/// `HandleError::is_cancelled` is public: callers tell a cancel from a
/// rejection with it, so it is tested on its own.
#[test]
fn a_handle_error_tells_a_cancel_from_a_rejection() {
    let cancelled = HandleError::Cancelled.is_cancelled();
    let rejected = HandleError::Rejected("no".to_owned()).is_cancelled();
    Lesson::new(
        CHAPTER,
        format!(
            "HandleError::is_cancelled() said {cancelled} for a cancel and {rejected} for a rejection."
        ),
    )
    .ask("A caller that retries rejections and stops on a cancel relies on this answer: is it right for both?")
    .check(cancelled && !rejected);
}

//! The tests of exercise 03, shared by the starter, the solution and every
//! wrong fix. They drive `delay` by hand with `tokio_test::task::spawn`:
//! poll it, move the paused clock, cancel, and look at whether it was woken.

use std::time::Duration;

use std::task::Poll;

use test_support::{Lesson, paused};
use tokio_test::task;
use tokio_test::{assert_pending, assert_ready_eq};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Checking for cancellation\", section \"Task.Delay(d, token)\" (src/checking.md)";

#[test]
fn an_undisturbed_delay_ends_on_time() {
    paused(|| async {
        let token = CancellationToken::new();
        let mut waiting = task::spawn(delay(Duration::from_secs(10), &token));
        assert_pending!(waiting.poll());

        // Look once a second: was the task woken, and is the delay over?
        let mut woken_at = Vec::new();
        for second in 1..10 {
            tokio::time::advance(Duration::from_secs(1)).await;
            if waiting.is_woken() {
                woken_at.push(format!("t={second}s"));
            }
            Lesson::new(
                CHAPTER,
                format!("delay(10 s) was already over at t={second}s"),
            )
            .check(waiting.poll().is_pending());
        }
        Lesson::new(
            CHAPTER,
            format!(
                "delay(10 s), with nobody cancelling, woke its task at {} before its time was up: \
                 each wake-up is a poll for nothing, and a busy service waits in thousands of these delays.",
                woken_at.join(", ")
            ),
        )
        .ask("What wakes it? A delay that waits on the token and on one timer for the whole duration \
              is woken once: by the cancel, or when the time is up.")
        .check(woken_at.is_empty());

        tokio::time::advance(Duration::from_secs(1)).await;
        Lesson::new(
            CHAPTER,
            "delay(10 s) with nobody cancelling was not over at t=10s",
        )
        .ask("Does it still wait for the full duration when the token stays quiet?")
        .check(waiting.is_woken());
        assert_ready_eq!(waiting.poll(), Ok(()));
    });
}

#[test]
fn a_cancel_wakes_the_delay_at_once() {
    paused(|| async {
        let token = CancellationToken::new();
        let mut waiting = task::spawn(delay(Duration::from_secs(10), &token));
        assert_pending!(waiting.poll());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_pending!(waiting.poll());

        token.cancel();
        Lesson::new(
            CHAPTER,
            "the token was cancelled at t=2s, during delay(10 s), and nothing woke the delay up: \
             it would go on sleeping until t=10s (or, in a polling loop, until its next look).",
        )
        .ask("Is the delay waiting on the token as well as on the clock? Race `sleep` against `token.cancelled()`.")
        .check(waiting.is_woken());

        let result = waiting.poll();
        Lesson::new(
            CHAPTER,
            format!("the token was cancelled at t=2s, during delay(10 s); polled right then, the delay gave {result:?} instead of Ready(Err(Cancelled))"),
        )
        .ask("A cancelled delay is not a finished one: does the caller get told it was cancelled?")
        .check(result == Poll::Ready(Err(Cancelled)));
    });
}

#[test]
fn an_already_cancelled_token_ends_the_delay_before_it_starts() {
    paused(|| async {
        let token = CancellationToken::new();
        token.cancel();
        let mut waiting = task::spawn(delay(Duration::from_secs(10), &token));
        let result = waiting.poll();
        Lesson::new(
            CHAPTER,
            format!("delay(10 s) with a token that was already cancelled gave {result:?} on its first poll instead of Ready(Err(Cancelled))"),
        )
        .check(result == Poll::Ready(Err(Cancelled)));
    });
}

#[test]
fn a_cancelled_token_wins_even_with_no_time_to_wait() {
    paused(|| async {
        let token = CancellationToken::new();
        let result = task::spawn(delay(Duration::ZERO, &token)).poll();
        Lesson::new(
            CHAPTER,
            format!("delay(0 s) with a token nobody cancelled gave {result:?} on its first poll instead of Ready(Ok(()))"),
        )
        .check(result == Poll::Ready(Ok(())));

        token.cancel();
        const TRIES: usize = 100;
        let wrong: Vec<_> = (0..TRIES)
            .map(|_| task::spawn(delay(Duration::ZERO, &token)).poll())
            .filter(|result| *result != Poll::Ready(Err(Cancelled)))
            .collect();
        Lesson::new(
            CHAPTER,
            format!(
                "delay(0 s) with a token that was already cancelled gave {} on its first poll in {} of {TRIES} tries, \
                 instead of Ready(Err(Cancelled)): the caller carries on as if nobody had cancelled.",
                wrong.first().map_or(String::new(), |result| format!("{result:?}")),
                wrong.len()
            ),
        )
        .ask("With no time to wait, the clock and the token are ready at the same moment. \
              Which one does your code pick, and is it the same one every time?")
        .check(wrong.is_empty());
    });
}

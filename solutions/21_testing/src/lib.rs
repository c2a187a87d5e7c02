//! # Solution of exercise 21: checks that cannot tell "at once" from "eventually"
//!
//! Chapter: "Testing cancellation deterministically" (`src/testing.md`).
//!
//! Awaiting a delay under a paused clock says *what* it gave back, never
//! *when*: the runtime jumps the clock forward whenever it is idle, so a
//! 10 s wait and an instant return look the same, and so do a delay that
//! hears the cancel at once and one that hears it 8 s later.
//!
//! So the checks drive the delay by hand with `tokio_test::task::spawn`:
//! they poll it, move the clock with `advance` (which also fires the timers
//! it passes), and ask `is_woken()`. A delay that is still pending at 9 s and
//! woken at 10 s ends on time. A delay woken by `cancel()` itself, before any
//! more time passes, heard the token; one that only hears it at its next
//! look, or at the end of its sleep, is not woken. Then the value is checked
//! too: woken and `Ok(())` is a swallowed cancel.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::advance;
use tokio_test::task;
use tokio_test::{assert_pending, assert_ready_eq};
use tokio_util::sync::CancellationToken;

/// The delay was stopped by its token before its time was up.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// The future a delay gives back: await it, or poll it by hand with
/// `tokio_test::task::spawn`.
pub type DelayFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Cancelled>> + 'a>>;

/// A delay under test: `delay(Duration::from_secs(10), &token)` waits
/// 10 seconds, or until `token` is cancelled.
pub type DelayFn = fn(Duration, &CancellationToken) -> DelayFuture<'_>;

// ANCHOR: on_time
/// Must pass for a delay that, with nobody cancelling, is still waiting
/// until its time is up and ends with `Ok(())` right then; must fail for one
/// that ends early.
pub async fn check_an_undisturbed_delay_ends_on_time(delay: DelayFn) {
    let token = CancellationToken::new();
    let mut waiting = task::spawn(delay(Duration::from_secs(10), &token));

    // The first poll starts the delay's clock.
    assert_pending!(waiting.poll(), "delay(10 s) was over at t=0s");
    advance(Duration::from_secs(9)).await;
    assert_pending!(waiting.poll(), "delay(10 s) was over at t=9s");

    advance(Duration::from_secs(1)).await;
    assert!(waiting.is_woken(), "delay(10 s) was not woken at t=10s");
    assert_ready_eq!(waiting.poll(), Ok(()), "delay(10 s) at t=10s");
}
// ANCHOR_END: on_time

// ANCHOR: at_once
/// Must pass for a delay that ends with `Err(Cancelled)` the moment its
/// token is cancelled; must fail for one that hears the cancel late, never,
/// or answers `Ok(())`.
pub async fn check_a_cancel_wakes_the_delay_at_once(delay: DelayFn) {
    let token = CancellationToken::new();
    let mut waiting = task::spawn(delay(Duration::from_secs(10), &token));
    assert_pending!(waiting.poll(), "delay(10 s) was over at t=0s");
    advance(Duration::from_secs(2)).await;
    assert_pending!(waiting.poll(), "delay(10 s) was over at t=2s");

    // No time passes between the cancel and the two looks below.
    token.cancel();
    assert!(
        waiting.is_woken(),
        "cancelled at t=2s, delay(10 s) was not woken by the cancel"
    );
    assert_ready_eq!(
        waiting.poll(),
        Err(Cancelled),
        "delay(10 s) right after its cancel at t=2s"
    );
}
// ANCHOR_END: at_once

#[cfg(test)]
#[path = "../../../exercises/21_testing/src/tests.rs"]
mod tests;

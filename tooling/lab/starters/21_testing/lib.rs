//! # Exercise 21: checks that cannot tell "at once" from "eventually"
//!
//! Chapter: "Testing cancellation deterministically" (`src/testing.md`).
//! Solve it with `cargo test` in this folder, or `cargo lab check testing`.
//!
//! This time you write the tests. The two `check_…` functions below test a
//! cancellable delay, this code base's `Task.Delay(duration, token)`. A
//! correct delay:
//!
//! - waits its full duration when nobody cancels, and then gives `Ok(())`;
//! - gives `Err(Cancelled)` the moment its token is cancelled, not when the
//!   time is up.
//!
//! Each check receives the delay under test as a parameter and panics (with
//! `assert!`, `assert_eq!`, or tokio-test's `assert_pending!`,
//! `assert_ready_eq!`, ...) when the delay misbehaves. The course's tests in
//! `src/tests.rs` run every check against a correct delay, where it must
//! pass, and against broken delays, where it must fail. Each run gets a
//! current-thread runtime of its own whose clock starts paused at t=0s: time
//! moves when you call `tokio::time::advance`, or by itself when everything
//! is waiting on a timer.
//!
//! The checks below pass against the correct delay, but they also pass
//! against some broken ones: they look at what the delay gives back, never at
//! *when*. Make them strict enough to catch every broken delay, without
//! failing the correct one.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

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

/// Must pass for a delay that, with nobody cancelling, is still waiting
/// until its time is up and ends with `Ok(())` right then; must fail for one
/// that ends early.
pub async fn check_an_undisturbed_delay_ends_on_time(delay: DelayFn) {
    let token = CancellationToken::new();

    let result = delay(Duration::from_secs(10), &token).await;

    assert_eq!(result, Ok(()), "delay(10 s) with nobody cancelling");
}

/// Must pass for a delay that ends with `Err(Cancelled)` the moment its
/// token is cancelled; must fail for one that hears the cancel late, never,
/// or answers `Ok(())`.
pub async fn check_a_cancel_wakes_the_delay_at_once(delay: DelayFn) {
    let token = CancellationToken::new();
    let cancel_at_2s = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        token.cancel();
    };

    let (result, ()) = tokio::join!(delay(Duration::from_secs(10), &token), cancel_at_2s);

    assert_eq!(result, Err(Cancelled), "delay(10 s) cancelled at t=2s");
}

#[cfg(test)]
mod tests;

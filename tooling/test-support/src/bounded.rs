//! Bounded tests: a hung or spinning exercise fails in seconds, with a message.
//!
//! A paused tokio clock already turns "waits on a long timer" into an instant
//! result. Two kinds of bug still hang a plain `#[tokio::test]`:
//!
//! - a loop with no `.await` (it never yields, so nothing else runs), and
//! - waiting for something that never happens (no timer left to skip to, so the
//!   paused runtime parks for ever).
//!
//! So the test body runs on a thread of its own, and the test thread waits for
//! it with a wall-clock limit. On a hang the test fails with a message that
//! says so; the stuck thread is left behind and ends with the test process.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The wall-clock limit for one test, unless `LAB_TEST_TIMEOUT_SECS` says otherwise.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10);

/// Runs an async test body on a current-thread runtime whose clock starts
/// paused: sleeps complete as soon as the runtime has nothing else to do, so
/// a test of a 35-second report takes microseconds, and always the same ones.
pub fn paused<F, Fut>(body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    run_bounded(move || {
        crate::runs::set_clock("paused");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("build a paused tokio runtime");
        runtime.block_on(body());
    });
}

/// Runs an async test body on a multi-threaded runtime with the real clock,
/// for code whose libraries run threads of their own (a paused clock would
/// race ahead of them). Such tests wait on events, never on sleeps.
pub fn real_time<F, Fut>(body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    real_time_within(limit(), body);
}

/// [`real_time`] with its own wall-clock limit: for a test whose failure is
/// a spin (the code never yields, so only the watchdog can stop it), so that
/// the learner waits `limit` for the verdict, not the default 10 s.
pub fn real_time_within<F, Fut>(limit: Duration, body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    run_within(limit, move || {
        crate::runs::set_clock("real");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("build a tokio runtime");
        runtime.block_on(body());
    });
}

/// Runs `body` on its own thread and fails the calling test if it has not
/// finished within the limit. A panic in `body` fails the test as usual.
pub fn run_bounded(body: impl FnOnce() + Send + 'static) {
    run_within(limit(), body);
}

/// [`run_bounded`] with an explicit wall-clock limit.
pub fn run_within(limit: Duration, body: impl FnOnce() + Send + 'static) {
    crate::lesson::install_hook();
    let (done_tx, done_rx) = mpsc::channel();
    let name = thread::current().name().unwrap_or("test").to_owned();
    thread::Builder::new()
        .name(name)
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(body));
            // The receiver is gone only if the test already failed as hung.
            let _ = done_tx.send(outcome);
        })
        .expect("spawn the test thread");

    match done_rx.recv_timeout(limit) {
        Ok(Ok(())) => {}
        // The panic message was already printed by the test thread.
        Ok(Err(panic)) => resume_unwind(panic),
        Err(_) => crate::lesson::fail_quietly(hung_message(limit)),
    }
}

fn limit() -> Duration {
    std::env::var("LAB_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIMIT)
}

fn hung_message(limit: Duration) -> String {
    format!(
        "HUNG: the test did not finish within {} s of real time.\n\
         \n\
         With the paused clock, sleeps take no real time at all, so the code under test is\n\
         either spinning (a loop with no `.await` in it never lets anything else run), or\n\
         waiting for something that never happens (a token nobody cancels, a channel\n\
         nobody sends on, a task nobody stops).",
        limit.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passing_body_passes() {
        paused(|| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_the_body_fails_the_test() {
        paused(|| async { panic!("boom") });
    }

    #[test]
    fn a_spinning_body_is_reported_as_hung() {
        let outcome = catch_unwind(|| {
            run_within(Duration::from_millis(200), || {
                // Spins until the process ends: exactly the bug we want to catch.
                #[allow(clippy::empty_loop)]
                loop {
                    std::hint::spin_loop();
                }
            })
        });
        let message = *outcome.unwrap_err().downcast::<String>().unwrap();
        assert!(message.starts_with("HUNG"), "{message}");
    }

    #[test]
    fn waiting_for_ever_with_a_paused_clock_is_reported_as_hung() {
        let outcome = catch_unwind(|| {
            run_within(Duration::from_millis(200), || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .start_paused(true)
                    .build()
                    .unwrap();
                runtime.block_on(std::future::pending::<()>());
            })
        });
        assert!(outcome.is_err());
    }
}

//! Examples for "Cooperative scheduling" (src/cooperative.md), and the tests
//! that pin what the chapter says about tokio's scheduler, its timeout and
//! its coop budget. (`pins/coop.rs` pins the budget itself: 128 per poll,
//! `yield_now`, `consume_budget`, channels.)
//!
//! Sources (tokio 1.54):
//! - `src/time/timeout.rs`, `impl Future for Timeout`: the inner future is
//!   polled first, and the timer only when it returned `Pending`;
//!   `poll_delay` polls the timer outside the budget when the inner future
//!   spent it.
//! - `src/runtime/time/mod.rs`, `park_thread_timeout`: a paused clock
//!   advances only when the runtime parks with nothing woken.
//! - `src/task/blocking.rs` (`block_in_place` "panics if called from a
//!   `current_thread` runtime") and `src/runtime/scheduler/multi_thread/worker.rs`
//!   (the panic message).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A search index in memory: adding a document never waits.
#[derive(Debug, Default)]
pub struct Index {
    pub added: AtomicU64,
}

impl Index {
    pub async fn add(&self, _doc: &str) {
        self.added.fetch_add(1, Ordering::SeqCst);
    }
}

// ANCHOR: one_poll
/// Wrong: every `.await` here is ready at once, so the whole loop runs in
/// the first poll. No other task runs meanwhile, and a `timeout` around it
/// cannot fire: it looks at its timer only when this returns `Pending`.
pub async fn index_all(docs: &[String], index: &Index) {
    for doc in docs {
        index.add(doc).await; // ready: no yield
    }
}
// ANCHOR_END: one_poll

// ANCHOR: consume_budget
/// Right: one unit of the task's budget per document. Once the budget is
/// spent, `consume_budget` returns `Pending`, the task yields, and whoever
/// polls it (a `timeout`, a `select!`) gets to look at its other futures.
pub async fn index_all_cooperatively(docs: &[String], index: &Index) {
    for doc in docs {
        tokio::task::coop::consume_budget().await;
        index.add(doc).await;
    }
}
// ANCHOR_END: consume_budget

// ANCHOR: yield_now
/// Also right: give the thread back every 256 documents, budget or not.
pub async fn index_all_yielding(docs: &[String], index: &Index) {
    for (n, doc) in docs.iter().enumerate() {
        if n % 256 == 255 {
            tokio::task::yield_now().await;
        }
        index.add(doc).await;
    }
}
// ANCHOR_END: yield_now

// ANCHOR: block_in_place
/// `block_in_place` tells a multi-thread runtime to move its other tasks
/// off this thread, then runs the closure right here. But the task that
/// called it is stuck in it: the other futures of this task (a `join!`
/// sibling, a `select!` branch, a `timeout`'s timer) wait until it returns.
pub async fn hash_and_heartbeat(input: &[u8], beats: &AtomicU64) -> u64 {
    let hash = async {
        tokio::task::block_in_place(|| {
            std::thread::sleep(Duration::from_millis(50)); // CPU-bound work
            input.iter().map(|&b| u64::from(b)).sum()
        })
    };
    let heartbeat = async {
        loop {
            beats.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        hash = hash => hash,
        () = heartbeat => unreachable!("the heartbeat never ends"),
    }
}
// ANCHOR_END: block_in_place

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use test_support::{paused, real_time};

    use super::*;

    fn docs(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("doc {i}")).collect()
    }

    /// `Timeout` polls the inner future first: a future that finishes in
    /// one poll returns `Ok`, however long that poll took. Source:
    /// `src/time/timeout.rs`, `impl Future for Timeout`.
    #[test]
    fn a_timeout_cannot_stop_a_future_that_never_returns_pending() {
        real_time(|| async {
            let started = Instant::now();
            let outcome = tokio::time::timeout(Duration::from_millis(1), async {
                // 20 ms of work in one poll, with nothing ever `Pending`.
                while started.elapsed() < Duration::from_millis(20) {
                    std::hint::spin_loop();
                }
            })
            .await;
            assert!(outcome.is_ok(), "the timer was never looked at");
            assert!(started.elapsed() >= Duration::from_millis(20));
        });
    }

    /// The same 1 ms timeout fires once the loop yields now and then.
    #[test]
    fn a_timeout_stops_a_loop_that_yields() {
        real_time(|| async {
            let index = Index::default();
            let many = docs(2_000_000);
            let outcome =
                tokio::time::timeout(Duration::from_millis(1), index_all_yielding(&many, &index))
                    .await;
            assert!(outcome.is_err());
            assert!(index.added.load(Ordering::SeqCst) < 2_000_000);
        });
    }

    /// And it fires around a loop that spends its budget, although the
    /// timer is a budgeted resource too: `poll_delay` in `timeout.rs`
    /// polls it outside the budget when the inner future spent it. Without
    /// that, this loop would starve its own timeout for ever.
    #[test]
    fn a_timeout_stops_a_loop_that_spends_its_budget() {
        real_time(|| async {
            let outcome = tokio::time::timeout(Duration::from_millis(1), async {
                loop {
                    tokio::task::coop::consume_budget().await;
                }
            })
            .await;
            assert!(outcome.is_err());
        });
    }

    /// A loop of ready awaits keeps every other task off the thread.
    #[test]
    fn a_loop_of_ready_awaits_starves_other_tasks() {
        paused(|| async {
            let index = Arc::new(Index::default());
            let seen = tokio::spawn({
                let index = index.clone();
                async move { index.added.load(Ordering::SeqCst) }
            });
            index_all(&docs(10_000), &index).await;
            assert_eq!(seen.await.unwrap(), 10_000, "it ran only after the loop");

            let index = Arc::new(Index::default());
            let seen = tokio::spawn({
                let index = index.clone();
                async move { index.added.load(Ordering::SeqCst) }
            });
            index_all_cooperatively(&docs(10_000), &index).await;
            assert!(seen.await.unwrap() <= 128, "it ran after one budget");
        });
    }

    /// tokio's `Mutex` counts against the budget too: a loop of uncontended
    /// `lock().await`s yields after 128. Source: `Acquire::poll` in
    /// `src/sync/batch_semaphore.rs` (`coop::poll_proceed`).
    #[test]
    fn a_loop_of_uncontended_locks_yields_once_the_budget_is_spent() {
        paused(|| async {
            let mutex = tokio::sync::Mutex::new(0_u64);
            let rounds = Arc::new(AtomicU64::new(0));
            let seen = tokio::spawn({
                let rounds = rounds.clone();
                async move { rounds.load(Ordering::SeqCst) }
            });
            for _ in 0..1_000 {
                *mutex.lock().await += 1;
                rounds.fetch_add(1, Ordering::SeqCst);
            }
            assert_eq!(seen.await.unwrap(), 128);
        });
    }

    /// A paused clock moves only when the runtime has nothing to do: a
    /// task that keeps yielding keeps virtual time still, so a timer never
    /// fires and a test cannot see a timeout of a busy loop. Source:
    /// `park_thread_timeout` in `src/runtime/time/mod.rs`.
    #[test]
    fn a_busy_task_keeps_the_paused_clock_still() {
        paused(|| async {
            let start = tokio::time::Instant::now();
            let timer = tokio::spawn(tokio::time::sleep(Duration::from_millis(1)));
            for _ in 0..10_000 {
                tokio::task::yield_now().await;
            }
            assert_eq!(start.elapsed(), Duration::ZERO);
            assert!(!timer.is_finished());
            timer.await.unwrap(); // now idle: the clock jumps
            assert_eq!(start.elapsed(), Duration::from_millis(1));
        });
    }

    /// `block_in_place` needs the multi-thread runtime. Source:
    /// `src/task/blocking.rs`, `src/runtime/scheduler/multi_thread/worker.rs`.
    #[test]
    fn block_in_place_panics_on_a_current_thread_runtime() {
        paused(|| async {
            let outcome = std::panic::catch_unwind(|| tokio::task::block_in_place(|| 1));
            let message = outcome.unwrap_err();
            let message = message
                .downcast_ref::<&str>()
                .copied()
                .or(message.downcast_ref::<String>().map(String::as_str))
                .unwrap_or_default()
                .to_owned();
            assert!(message.contains("multi-threaded runtime"), "{message}");
        });
    }

    /// While the closure runs, the task's other futures are not polled:
    /// the heartbeat beats once (its first poll, if polled first) or not at
    /// all, for the whole 50 ms. And a timeout around it cannot fire.
    #[test]
    fn block_in_place_stalls_the_whole_task() {
        real_time(|| async {
            let beats = AtomicU64::new(0);
            let started = Instant::now();
            let outcome = tokio::time::timeout(
                Duration::from_millis(1),
                hash_and_heartbeat(&[1, 2, 3], &beats),
            )
            .await;
            assert_eq!(
                outcome,
                Ok(6),
                "the timeout did not fire during the closure"
            );
            assert!(started.elapsed() >= Duration::from_millis(50));
            assert!(beats.load(Ordering::SeqCst) <= 1);
        });
    }
}

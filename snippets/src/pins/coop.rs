//! What "Blocking and CPU-bound work" (src/blocking.md), "Timeouts"
//! (src/timeouts.md) and the glossary say about cooperative scheduling: a
//! task gives its thread back only when a poll returns `Pending`; an `.await`
//! on a future that is already ready does not yield. tokio's own resources
//! (channels, sockets, timers...) return `Pending` once the task's budget of
//! 128 operations is spent; other futures never do. `yield_now()` always
//! yields, `consume_budget()` yields when the budget is spent.
//!
//! Sources: tokio `src/task/coop/mod.rs` (`Budget::initial()` is
//! `Budget(Some(128))`; `poll_proceed` returns `Pending` when the budget is
//! spent), `src/task/coop/consume_budget.rs`, `src/task/yield_now.rs`, and
//! `src/sync/mpsc/chan.rs` (`recv` calls `coop::poll_proceed` first).

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use test_support::paused;
    use tokio::task::coop::{consume_budget, unconstrained};
    use tokio::task::yield_now;

    /// Nobody has looked yet.
    const NOT_RUN: u32 = u32::MAX;

    /// Runs `each_round` `rounds` times, while another task that is ready
    /// from the start waits for the thread (the paused runtime has one).
    /// Returns how many rounds were done when that other task first ran, or
    /// `None` if it never ran during the loop.
    async fn rounds_before_the_other_task_ran(
        rounds: u32,
        mut each_round: impl AsyncFnMut(),
    ) -> Option<u32> {
        let done = Arc::new(AtomicU32::new(0));
        let seen = Arc::new(AtomicU32::new(NOT_RUN));
        let other = tokio::spawn({
            let (done, seen) = (done.clone(), seen.clone());
            async move { seen.store(done.load(Ordering::SeqCst), Ordering::SeqCst) }
        });
        for _ in 0..rounds {
            each_round().await;
            done.fetch_add(1, Ordering::SeqCst);
        }
        let seen = seen.load(Ordering::SeqCst);
        other.await.unwrap(); // let it run now, before the next measurement
        (seen != NOT_RUN).then_some(seen)
    }

    #[test]
    fn awaiting_a_ready_future_does_not_yield() {
        paused(|| async {
            let seen = rounds_before_the_other_task_ran(10_000, || std::future::ready(())).await;
            assert_eq!(seen, None, "the other task ran during the loop");
            // An `async` block with nothing to wait for is ready at once too.
            let seen = rounds_before_the_other_task_ran(10_000, async || {}).await;
            assert_eq!(seen, None);
        });
    }

    #[test]
    fn yield_now_lets_the_other_task_run_at_once() {
        paused(|| async {
            let seen = rounds_before_the_other_task_ran(10, yield_now).await;
            assert_eq!(seen, Some(0));
        });
    }

    #[test]
    fn consume_budget_yields_once_the_budget_of_128_is_spent() {
        paused(|| async {
            let seen = rounds_before_the_other_task_ran(1_000, consume_budget).await;
            assert_eq!(seen, Some(128));
        });
    }

    #[test]
    fn a_tokio_channel_returns_pending_when_the_budget_is_spent() {
        paused(|| async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
            for n in 0..1_000 {
                tx.send(n).unwrap();
            }
            // Every `recv` finds a message waiting, and still the task yields.
            let seen = rounds_before_the_other_task_ran(1_000, async || {
                rx.recv().await.unwrap();
            })
            .await;
            assert_eq!(seen, Some(128));

            // Without a budget (`unconstrained`), the same loop never yields.
            for n in 0..1_000 {
                tx.send(n).unwrap();
            }
            let seen = unconstrained(rounds_before_the_other_task_ran(1_000, async || {
                rx.recv().await.unwrap();
            }))
            .await;
            assert_eq!(seen, None);
        });
    }
}

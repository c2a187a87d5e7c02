//! What "Checking for cancellation" (src/checking.md) says about the Rust
//! stand-in for .NET's `token.Register(callback)`: tokio-util's
//! `CancellationToken` has no callbacks. `cancel()` marks the token tree and
//! wakes the futures waiting in `cancelled()`; a task awaiting
//! `cancelled_owned()` runs later, when the runtime gets to it, and never if
//! the runtime shuts down first.
//!
//! Source: tokio-util `src/sync/cancellation_token.rs` (`cancel` calls
//! `tree_node::cancel`; "This will wake up all tasks which are waiting for
//! cancellation") and `src/sync/cancellation_token/tree_node.rs` (`cancel`
//! ends with `notify_waiters()` on each node's `tokio::sync::Notify`: a wake,
//! not a call).

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use test_support::paused;
    use tokio_util::sync::CancellationToken;

    use crate::checking::on_cancel;

    fn flag() -> (Arc<AtomicBool>, impl FnOnce() + Send + 'static) {
        let called = Arc::new(AtomicBool::new(false));
        let setter = called.clone();
        (called, move || setter.store(true, Ordering::SeqCst))
    }

    #[test]
    fn cancel_returns_before_the_waiting_task_runs() {
        paused(|| async {
            let token = CancellationToken::new();
            let (called, callback) = flag();
            let registration = on_cancel(&token, callback);
            tokio::task::yield_now().await; // the task is now waiting
            token.cancel();
            assert!(
                !called.load(Ordering::SeqCst),
                "the callback ran inside cancel()"
            );
            registration.await.unwrap(); // the first moment the task can run
            assert!(called.load(Ordering::SeqCst));
        });
    }

    #[test]
    fn the_waiting_task_never_runs_if_the_runtime_stops_first() {
        test_support::bounded::run_bounded(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let token = CancellationToken::new();
            let (called, callback) = flag();
            runtime.block_on(async {
                drop(on_cancel(&token, callback));
                tokio::task::yield_now().await; // the task is now waiting
            });
            token.cancel(); // wakes the task...
            drop(runtime); // ...which is dropped without being polled again
            assert!(!called.load(Ordering::SeqCst));
        });
    }
}

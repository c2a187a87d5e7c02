//! Examples for "Locks across an `.await`" (src/locks.md), and the tests
//! that pin what the chapter says about tokio's `Mutex`.
//!
//! Sources (tokio 1.54): `src/sync/mutex.rs` (no poisoning: the doc comment
//! on `Mutex`, and `impl Drop for MutexGuard`, which only releases the
//! permit; "# Cancel safety" of `lock`: a dropped call loses its place);
//! `src/sync/batch_semaphore.rs` (`add_permits_locked` hands a released
//! permit straight to the first waiter in the queue, before that waiter is
//! polled again; `impl Drop for Acquire` removes a dropped waiter and
//! passes on any permit it had been handed); `src/sync/semaphore.rs` (the
//! same queue, the same "# Cancel safety" note for `acquire`);
//! `src/sync/notify.rs` (`drop_notified` forwards a `notify_one` that a
//! dropped waiter had been picked for).

use std::pin::pin;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};

/// Stock in a warehouse: what can be sold, and what is set aside for orders.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stock {
    pub available: u32,
    pub reserved: u32,
}

/// Tells the warehouse about a reservation (a slow call).
async fn notify_warehouse() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

// ANCHOR: split_by_an_await
/// Wrong: the guard is held across the `.await`, and the update is split
/// by it. Dropped there, `available` has gone down and `reserved` not up.
pub async fn reserve_split(stock: &Mutex<Stock>, n: u32) {
    let mut stock = stock.lock().await;
    stock.available -= n;
    notify_warehouse().await; // dropped here: the books are half updated
    stock.reserved += n;
}
// ANCHOR_END: split_by_an_await

// ANCHOR: one_step
/// Right: the whole update is one synchronous step under the lock; the slow
/// call comes after the guard is gone.
pub async fn reserve(stock: &Mutex<Stock>, n: u32) {
    {
        let mut stock = stock.lock().await;
        stock.available -= n;
        stock.reserved += n;
    } // the guard is dropped here, before any other `.await`
    notify_warehouse().await;
}
// ANCHOR_END: one_step

// ANCHOR: actor
/// The other way out: one task owns the stock and handles one command at a
/// time. A caller that gives up drops only its reply channel; the command
/// it sent is carried out to the end.
pub enum Command {
    Reserve { n: u32, done: oneshot::Sender<()> },
}

pub async fn stock_keeper(mut stock: Stock, mut commands: mpsc::Receiver<Command>) -> Stock {
    while let Some(Command::Reserve { n, done }) = commands.recv().await {
        stock.available -= n;
        notify_warehouse().await; // nobody can drop this task's future halfway
        stock.reserved += n;
        let _ = done.send(()); // the caller may be gone: that is fine
    }
    stock
}
// ANCHOR_END: actor

// ANCHOR: futurelock
/// A futurelock: `refresh` takes the lock and is pinned and raced in a
/// `select!`. When the timer branch wins, its body waits for the same lock,
/// and `select!` no longer polls `refresh`, which holds it. Nothing moves.
pub async fn futurelock(cache: &Mutex<u32>) {
    let refresh = async {
        let mut value = cache.lock().await;
        tokio::time::sleep(Duration::from_secs(2)).await; // fetch, lock held
        *value += 1;
    };
    let mut refresh = pin!(refresh);
    tokio::select! {
        () = &mut refresh => {}
        () = tokio::time::sleep(Duration::from_secs(1)) => {
            // `refresh` holds the lock and is not polled while we wait here.
            let _value = cache.lock().await;
        }
    }
}
// ANCHOR_END: futurelock

// ANCHOR: no_futurelock
/// The same two jobs without the futurelock: the body of a branch no longer
/// awaits. Both futures are branches, so every wake polls both, and the one
/// that holds the lock can finish and let go.
pub async fn no_futurelock(cache: &Mutex<u32>) {
    let refresh = async {
        let mut value = cache.lock().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        *value += 1;
    };
    let read = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        *cache.lock().await
    };
    let ((), _read) = tokio::join!(refresh, read);
}
// ANCHOR_END: no_futurelock

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use test_support::paused;
    use tokio_test::task;

    use super::*;

    const AN_HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_dropped_split_update_leaves_the_stock_half_updated() {
        paused(|| async {
            let stock = Mutex::new(Stock {
                available: 10,
                reserved: 0,
            });
            let outcome =
                tokio::time::timeout(Duration::from_millis(500), reserve_split(&stock, 3)).await;
            assert!(outcome.is_err());
            // Unlocked, and wrong: 3 items are neither available nor reserved.
            let now = stock
                .try_lock()
                .expect("the guard was dropped with the future")
                .clone();
            assert_eq!(
                now,
                Stock {
                    available: 7,
                    reserved: 0
                }
            );
        });
    }

    #[test]
    fn a_dropped_one_step_update_is_done_or_not_at_all() {
        paused(|| async {
            let stock = Mutex::new(Stock {
                available: 10,
                reserved: 0,
            });
            let outcome =
                tokio::time::timeout(Duration::from_millis(500), reserve(&stock, 3)).await;
            assert!(outcome.is_err());
            assert_eq!(
                *stock.try_lock().unwrap(),
                Stock {
                    available: 7,
                    reserved: 3
                }
            );
        });
    }

    #[test]
    fn an_actor_finishes_a_command_whose_caller_gave_up() {
        paused(|| async {
            let (commands, inbox) = mpsc::channel(1);
            let keeper = tokio::spawn(stock_keeper(
                Stock {
                    available: 10,
                    reserved: 0,
                },
                inbox,
            ));
            let (done, reply) = oneshot::channel();
            commands
                .send(Command::Reserve { n: 3, done })
                .await
                .unwrap();
            drop(reply); // the caller leaves at once
            drop(commands);
            let stock = keeper.await.unwrap();
            assert_eq!(
                stock,
                Stock {
                    available: 7,
                    reserved: 3
                }
            );
        });
    }

    /// tokio's `Mutex` has no poisoning: a panic while the guard is held
    /// unlocks it, and the next `lock` sees whatever was half done.
    /// Source: `src/sync/mutex.rs` (the doc comment on `Mutex`; `impl Drop
    /// for MutexGuard` only releases).
    #[test]
    fn a_panic_under_the_lock_unlocks_it_without_poisoning() {
        paused(|| async {
            let stock = Arc::new(Mutex::new(Stock {
                available: 10,
                reserved: 0,
            }));
            let crashed = tokio::spawn({
                let stock = stock.clone();
                async move {
                    let mut stock = stock.lock().await;
                    stock.available -= 3;
                    panic!("the warehouse call failed");
                }
            })
            .await;
            assert!(crashed.unwrap_err().is_panic());
            let now = stock.lock().await.clone(); // no `PoisonError`, no `Result`
            assert_eq!(
                now,
                Stock {
                    available: 7,
                    reserved: 0
                }
            );
        });
    }

    #[test]
    fn the_futurelock_never_ends() {
        paused(|| async {
            let cache = Mutex::new(0);
            let outcome = tokio::time::timeout(AN_HOUR, futurelock(&cache)).await;
            assert!(
                outcome.is_err(),
                "still stuck after an hour of virtual time"
            );
        });
    }

    #[test]
    fn without_an_await_in_a_branch_body_both_jobs_finish() {
        paused(|| async {
            let cache = Mutex::new(0);
            let start = tokio::time::Instant::now();
            tokio::time::timeout(AN_HOUR, no_futurelock(&cache))
                .await
                .unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(2));
            assert_eq!(*cache.lock().await, 1);
        });
    }

    /// The queue is first come, first served, and a waiter that is dropped
    /// loses its place. Source: "# Cancel safety" of `Mutex::lock` in
    /// `src/sync/mutex.rs`; `impl Drop for Acquire` in `batch_semaphore.rs`.
    #[test]
    fn a_dropped_lock_call_loses_its_place_in_the_queue() {
        paused(|| async {
            let mutex = Mutex::new(());
            let held = mutex.lock().await;
            let mut first = task::spawn(mutex.lock());
            let mut second = task::spawn(mutex.lock());
            assert!(first.poll().is_pending() && second.poll().is_pending());
            drop(first); // gives up its place
            let mut again = task::spawn(mutex.lock()); // back of the queue
            assert!(again.poll().is_pending());
            drop(held);
            assert!(second.is_woken() && !again.is_woken());
            assert!(second.poll().is_ready());
        });
    }

    /// The RFD 609 ingredient: on release, the lock is handed to the first
    /// waiter in the queue at once, even though that waiter's future has
    /// not been polled again. Until it is polled (or dropped), nobody else
    /// gets the lock. Source: `add_permits_locked` in `batch_semaphore.rs`.
    #[test]
    fn a_released_lock_goes_to_the_queued_waiter_before_it_is_polled() {
        paused(|| async {
            let mutex = Mutex::new(());
            let held = mutex.lock().await;
            let mut queued = task::spawn(mutex.lock());
            assert!(queued.poll().is_pending());
            drop(held);
            // Free for nobody else: it already belongs to `queued`.
            assert!(mutex.try_lock().is_err());
            // Dropping the waiter passes the lock on (`impl Drop for Acquire`).
            drop(queued);
            assert!(mutex.try_lock().is_ok());
        });
    }

    /// `Notify::notified` has a queue too: `notify_one` picks the first
    /// waiter, and a picked waiter that is dropped before it is polled
    /// passes the notification to the next one. Source: "# Cancel safety"
    /// of `notified` and `drop_notified` in `src/sync/notify.rs`.
    #[test]
    fn a_dropped_notified_passes_its_notification_on() {
        paused(|| async {
            let notify = tokio::sync::Notify::new();
            let mut first = task::spawn(notify.notified());
            let mut second = task::spawn(notify.notified());
            assert!(first.poll().is_pending() && second.poll().is_pending());
            notify.notify_one();
            assert!(first.is_woken() && !second.is_woken());
            drop(first);
            assert!(second.is_woken());
            assert!(second.poll().is_ready());
        });
    }

    /// The same queue under `Semaphore::acquire`. Source: `src/sync/semaphore.rs`.
    #[test]
    fn a_semaphore_permit_goes_to_the_queued_waiter_too() {
        paused(|| async {
            let permits = tokio::sync::Semaphore::new(1);
            let held = permits.acquire().await.unwrap();
            let mut queued = task::spawn(permits.acquire());
            assert!(queued.poll().is_pending());
            drop(held);
            assert!(permits.try_acquire().is_err());
            assert_eq!(permits.available_permits(), 0);
        });
    }
}

//! # Solution of exercise 29
//!
//! An `.await` gives the thread back only if the future it awaits returns
//! `Pending`, and `Journal::next` never does: the events are in memory. So
//! the replay ran from its first poll to its last event without ever
//! letting the runtime run anything else, the shutdown task and the timeout
//! included.
//!
//! `tokio::task::coop::consume_budget().await` in every round takes one unit
//! of the task's budget (128 per poll) and returns `Pending` once it is
//! spent: the replay yields every 128 events, the other tasks run, the
//! timeout's timer is checked, and the future can be dropped there. The
//! token is checked right after, before the next event is applied.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio_util::sync::CancellationToken;

/// Other tasks must get the thread at least once every this many events.
pub const FAIR_SHARE: u64 = 1_000;

/// The replay was stopped by the shutdown token.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// The journal, in memory: reading the next event never waits.
#[derive(Debug)]
pub struct Journal {
    next: u64,
    end: Option<u64>,
}

impl Journal {
    /// A journal of `len` events: 1, 2, ..., `len`.
    pub fn new(len: u64) -> Journal {
        Journal {
            next: 1,
            end: Some(len),
        }
    }

    /// A journal that a busy writer keeps appending to: it never runs out.
    pub fn endless() -> Journal {
        Journal { next: 1, end: None }
    }

    /// The next event, or `None` at the end of the journal.
    pub async fn next(&mut self) -> Option<u64> {
        if self.end.is_some_and(|end| self.next > end) {
            return None;
        }
        self.next += 1;
        Some(self.next - 1)
    }
}

/// The read model the replay rebuilds.
#[derive(Debug, Default)]
pub struct Projection {
    applied: AtomicU64,
    total: AtomicU64,
}

impl Projection {
    /// How many events have been applied.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// The sum of the events applied.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }

    fn apply(&self, event: u64) {
        self.total.fetch_add(event, Ordering::SeqCst);
        self.applied.fetch_add(1, Ordering::SeqCst);
    }
}

/// Applies every event of `journal` to `projection`, unless `shutdown` is
/// cancelled first. Returns how many events were applied.
pub async fn replay(
    journal: &mut Journal,
    projection: &Projection,
    shutdown: &CancellationToken,
) -> Result<u64, Cancelled> {
    // ANCHOR: replay
    while let Some(event) = journal.next().await {
        // Yields once the task's budget is spent: every 128 events.
        tokio::task::coop::consume_budget().await;
        if shutdown.is_cancelled() {
            return Err(Cancelled);
        }
        projection.apply(event);
    }
    Ok(projection.applied())
    // ANCHOR_END: replay
}

#[cfg(test)]
#[path = "../../../exercises/29_cooperative/src/tests.rs"]
mod tests;

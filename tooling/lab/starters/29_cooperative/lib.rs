//! # Exercise 29: a replay that nobody can stop
//!
//! Chapter: "Cooperative scheduling" (`src/cooperative.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check cooperative` from
//! anywhere in the course.
//!
//! When the service starts, it rebuilds its read model by replaying its
//! journal: a million events, already in memory. The replay runs on the same
//! runtime as everything else (the health check's heartbeat, the task that
//! handles a shutdown), and it is called under a timeout.
//!
//! `replay` looks careful: it awaits every event and checks the shutdown
//! token before applying it. Yet while it runs, the heartbeat stops, a
//! shutdown is noticed only once the whole journal has been applied, and
//! the timeout around it never fires. Make the replay share its thread:
//! other tasks must get a turn at least every `FAIR_SHARE` events, and a
//! shutdown must stop it at once.

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
    while let Some(event) = journal.next().await {
        if shutdown.is_cancelled() {
            return Err(Cancelled);
        }
        projection.apply(event);
    }
    Ok(projection.applied())
}

#[cfg(test)]
mod tests;

//! # Exercise 04: an in-flight counter that leaks
//!
//! Chapter: "Dropping is cancelling" (`src/drop.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check drop`.
//!
//! The service counts the requests it is handling. The load balancer reads
//! the count to pick the least busy instance, and a graceful shutdown waits
//! for it to reach zero. So the count must be right on every path.
//!
//! `handle` adds one when a request starts and takes one away when it ends.
//! But a request future can be dropped at any `.await`: a client that leaves,
//! a timeout, a `select!` that picked another branch. Then the code after that
//! `.await` never runs, and the count stays one too high for ever; a shutdown
//! would wait on it until it is killed. Make the count go back down on every
//! path: success, error, and drop. Rust has no `finally` for async code, but
//! it has `Drop`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The number of requests being handled right now.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
}

impl InFlight {
    pub fn get(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub fn enter(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    pub fn leave(&self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long the user look-up takes.
pub const LOOKUP_TIME: Duration = Duration::from_secs(2);

#[derive(Debug, PartialEq, Eq)]
pub struct NotFound;

/// Answers a request for a user's page.
pub async fn handle(in_flight: &InFlight, user_id: u32) -> Result<String, NotFound> {
    in_flight.enter();
    let name = lookup(user_id).await?;
    let page = format!("<h1>{name}</h1>");
    in_flight.leave();
    Ok(page)
}

/// Looks a user up in a slow directory. User 0 does not exist.
async fn lookup(user_id: u32) -> Result<String, NotFound> {
    tokio::time::sleep(LOOKUP_TIME).await;
    match user_id {
        0 => Err(NotFound),
        id => Ok(format!("user {id}")),
    }
}

#[cfg(test)]
mod tests;

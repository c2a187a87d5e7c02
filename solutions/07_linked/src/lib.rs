//! # Solution of exercise 07: a load that cannot say why it stopped
//!
//! Chapter: "Two reasons to stop" (`src/linked.md`).
//!
//! A merged token has one bit: cancelled or not. Once the user's Cancel and
//! the timer both feed it, "why" is gone. So the fix does not merge: it puts
//! one wrapper per reason around the work, and each wrapper leaves its own
//! mark in the type:
//!
//! - `user.run_until_cancelled(f)` gives `Option<T>`: `None` means the user
//!   cancelled (and `f` was dropped at once);
//! - `timeout(LOAD_LIMIT, ..)` around that gives `Result<Option<T>, Elapsed>`:
//!   `Err(Elapsed)` means the time ran out (and everything inside was dropped).
//!
//! One `match` turns the three shapes into the page's three answers. Nothing
//! is spawned and nothing cancels the user's token; there is no timer task
//! left behind after a quick load.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long the order-history page waits for the order service.
pub const LOAD_LIMIT: Duration = Duration::from_secs(10);

/// One order in a customer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: u32,
}

/// Why the orders did not come back. The page does something different for
/// each one.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The user pressed Cancel: show nothing, they asked for it.
    Cancelled,
    /// [`LOAD_LIMIT`] passed first: "the order service is slow, try again".
    TimedOut,
}

/// The order service. A stand-in: it answers after `latency`.
#[derive(Debug, Clone)]
pub struct OrderService {
    latency: Duration,
}

impl OrderService {
    pub fn new(latency: Duration) -> Self {
        OrderService { latency }
    }

    /// A customer's orders (three of them, in this stand-in).
    pub async fn orders_of(&self, customer: u32) -> Vec<Order> {
        tokio::time::sleep(self.latency).await;
        (1..=3)
            .map(|n| Order {
                id: customer * 100 + n,
            })
            .collect()
    }
}

// ANCHOR: load_orders
/// Loads the orders of `customer`, unless the user cancels or the limit passes.
pub async fn load_orders(
    service: &OrderService,
    customer: u32,
    user: &CancellationToken,
) -> Result<Vec<Order>, LoadError> {
    let load = user.run_until_cancelled(service.orders_of(customer));
    match tokio::time::timeout(LOAD_LIMIT, load).await {
        Ok(Some(orders)) => Ok(orders),
        Ok(None) => Err(LoadError::Cancelled),
        Err(_elapsed) => Err(LoadError::TimedOut),
    }
}
// ANCHOR_END: load_orders

#[cfg(test)]
#[path = "../../../exercises/07_linked/src/tests.rs"]
mod tests;

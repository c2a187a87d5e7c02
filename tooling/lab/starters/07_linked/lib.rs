//! # Exercise 07: a load that cannot say why it stopped
//!
//! Chapter: "Two reasons to stop" (`src/linked.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check linked` from anywhere in
//! the course.
//!
//! The order-history page loads a customer's orders from the order service.
//! Two things can stop the load: the user presses Cancel (the page cancels
//! the `user` token it passes in), or 10 s pass. The page reacts differently:
//! nothing at all after a cancel (the user asked for it), "the order service
//! is slow, try again" after a timeout (`LoadError::TimedOut`), and the list
//! when the orders arrive.
//!
//! The code below does what .NET code does with `CreateLinkedTokenSource` and
//! `CancelAfter`: one token that either reason cancels. It stops at the right
//! moment, but afterwards it cannot tell which reason it was. Make
//! `load_orders` report the right one. The `user` token belongs to the page:
//! the load may listen to it, never cancel it.

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

/// A token cancelled when `user` is, or when `limit` has passed: the usual
/// .NET `CreateLinkedTokenSource(user)` followed by `CancelAfter(limit)`.
fn linked_with_timeout(user: &CancellationToken, limit: Duration) -> CancellationToken {
    let linked = user.child_token();
    let timer = linked.clone();
    tokio::spawn(async move {
        tokio::time::sleep(limit).await;
        timer.cancel();
    });
    linked
}

/// Loads the orders of `customer`, unless the user cancels or the limit passes.
pub async fn load_orders(
    service: &OrderService,
    customer: u32,
    user: &CancellationToken,
) -> Result<Vec<Order>, LoadError> {
    let token = linked_with_timeout(user, LOAD_LIMIT);
    token
        .run_until_cancelled(service.orders_of(customer))
        .await
        .ok_or(LoadError::Cancelled)
}

#[cfg(test)]
mod tests;

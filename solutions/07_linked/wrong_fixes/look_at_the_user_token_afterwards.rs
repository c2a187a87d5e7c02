// WRONG FIX: time the load out with `timeout`, then look at `user.is_cancelled()` to pick the answer. Looking afterwards is not listening: a Cancel at 5 s gets the right answer, but only at 10 s.
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

/// Loads the orders of `customer`, unless the user cancels or the limit passes.
pub async fn load_orders(
    service: &OrderService,
    customer: u32,
    user: &CancellationToken,
) -> Result<Vec<Order>, LoadError> {
    let result = tokio::time::timeout(LOAD_LIMIT, service.orders_of(customer)).await;
    // Whatever happened, a cancel by the user wins.
    if user.is_cancelled() {
        return Err(LoadError::Cancelled);
    }
    result.map_err(|_elapsed| LoadError::TimedOut)
}

#[cfg(test)]
mod tests;

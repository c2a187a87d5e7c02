// WRONG FIX: skip the linked token and have a timer cancel the user's token itself (every clone can cancel), then tell the reasons apart by the clock. The answers are right, but the load cancels its caller's token, even 7 s after a load that finished in time.
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
    let started = tokio::time::Instant::now();
    // One token is enough: the timer cancels it too when the time is up.
    let timer = user.clone();
    tokio::spawn(async move {
        tokio::time::sleep(LOAD_LIMIT).await;
        timer.cancel();
    });
    match user.run_until_cancelled(service.orders_of(customer)).await {
        Some(orders) => Ok(orders),
        None if started.elapsed() >= LOAD_LIMIT => Err(LoadError::TimedOut),
        None => Err(LoadError::Cancelled),
    }
}

#[cfg(test)]
mod tests;

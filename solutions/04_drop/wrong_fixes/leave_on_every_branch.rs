// WRONG FIX: call `leave()` on the success and the error branch, like a `finally`. A future dropped at the `.await` reaches neither branch.
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
    // Take the request off the count on both branches, like a `finally`.
    match lookup(user_id).await {
        Ok(name) => {
            in_flight.leave();
            Ok(format!("<h1>{name}</h1>"))
        }
        Err(error) => {
            in_flight.leave();
            Err(error)
        }
    }
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

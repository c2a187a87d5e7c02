// WRONG FIX: a Drop guard, bound with `let _ = ...`. `_` is not a name: the guard is dropped on the spot, so a running request is not counted at all.
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

/// Counts one request for as long as it lives.
struct Counted<'a>(&'a InFlight);

impl<'a> Counted<'a> {
    fn enter(in_flight: &'a InFlight) -> Self {
        in_flight.enter();
        Counted(in_flight)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// How long the user look-up takes.
pub const LOOKUP_TIME: Duration = Duration::from_secs(2);

#[derive(Debug, PartialEq, Eq)]
pub struct NotFound;

/// Answers a request for a user's page.
pub async fn handle(in_flight: &InFlight, user_id: u32) -> Result<String, NotFound> {
    let _ = Counted::enter(in_flight);
    let name = lookup(user_id).await?;
    Ok(format!("<h1>{name}</h1>"))
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

//! # Solution of exercise 22
//!
//! Two fixes, one per way the actor outlived its purpose:
//!
//! - A requester that left has dropped its `oneshot::Receiver`, and the
//!   actor's `oneshot::Sender::closed()` completes at that moment. Racing the
//!   computation against `reply.closed()` in `select!` stops a quote as soon
//!   as nobody waits for it, and skips at once a request whose requester left
//!   while it was queued (`closed()` is then ready on the first poll).
//! - The actor ends when `recv()` returns `None`, and that happens only
//!   once every `Sender` is gone. The refresh task held one, so the last
//!   `Pricer` was never the last sender: a cycle. The refresh timer now lives
//!   inside the actor, as a `select!` branch on an `Interval` (its `tick` is
//!   cancel safe), so the only senders are the callers' handles.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

/// How long one step of a quote takes.
pub const STEP: Duration = Duration::from_secs(1);

/// How many steps one quote takes.
pub const STEPS: u64 = 5;

/// How often the actor refreshes its price list.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// What the actor is asked to do.
pub enum Msg {
    /// Price `item`, and send the answer on `reply`.
    Quote {
        item: u64,
        reply: oneshot::Sender<u64>,
    },
    /// Reload the price list.
    Refresh,
}

/// A handle on the pricing actor. Clone it freely; the actor runs for as long
/// as a handle exists.
#[derive(Clone)]
pub struct Pricer {
    requests: mpsc::Sender<Msg>,
}

impl Pricer {
    /// Starts the actor. `report` is told of every step of its work:
    /// `"step 3 of item 7"`, `"refresh"`.
    // ANCHOR: start
    pub fn start(report: impl Fn(String) + Send + Sync + 'static) -> Pricer {
        let (requests, inbox) = mpsc::channel(16);
        // No sender goes to the actor's side: the callers' handles are the
        // only ones, so dropping the last of them closes the inbox.
        tokio::spawn(actor(inbox, report));
        Pricer { requests }
    }
    // ANCHOR_END: start

    /// Asks for the price of `item`. `None` if the actor is gone.
    pub async fn quote(&self, item: u64) -> Option<u64> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Msg::Quote { item, reply }).await.ok()?;
        answer.await.ok()
    }
}

// ANCHOR: actor
/// The actor: one request at a time, a refresh once a minute, until its
/// inbox is closed.
async fn actor(mut inbox: mpsc::Receiver<Msg>, report: impl Fn(String) + Sync) {
    let start = tokio::time::Instant::now() + REFRESH_EVERY;
    let mut every = tokio::time::interval_at(start, REFRESH_EVERY);
    loop {
        let msg = tokio::select! {
            msg = inbox.recv() => msg,
            _ = every.tick() => Some(Msg::Refresh),
        };
        match msg {
            // Every handle is gone: nobody can ask for anything any more.
            None => return,
            Some(Msg::Quote { item, mut reply }) => {
                tokio::select! {
                    price = compute(item, &report) => {
                        let _ = reply.send(price);
                    }
                    // The requester dropped its receiver: stop now.
                    () = reply.closed() => report(format!("item {item} abandoned")),
                }
            }
            Some(Msg::Refresh) => report("refresh".to_owned()),
        }
    }
}
// ANCHOR_END: actor

/// The slow part: five steps of one second each.
async fn compute(item: u64, report: &(impl Fn(String) + Sync)) -> u64 {
    for step in 1..=STEPS {
        tokio::time::sleep(STEP).await;
        report(format!("step {step} of item {item}"));
    }
    item * 100
}

#[cfg(test)]
#[path = "../../../exercises/22_channels/src/tests.rs"]
mod tests;

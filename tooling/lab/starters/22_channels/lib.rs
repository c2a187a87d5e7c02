//! # Exercise 22: a pricing actor that never lets go
//!
//! Chapter: "Channels and actors" (`src/channels.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check channels` from anywhere in the course.
//!
//! The shop asks one task, the pricing actor, for quotes. Callers hold a
//! [`Pricer`] (a handle around a channel's `Sender`); the actor owns the
//! `Receiver`, works through the requests one at a time (a quote takes five
//! one-second steps), answers each on a `oneshot` channel, and refreshes its
//! price list once a minute.
//!
//! Two things go wrong in production:
//!
//! - Callers put a timeout on `quote`. When it fires, the caller is gone, but
//!   the actor goes on computing a quote that nobody will read, and everyone
//!   queued behind it waits for nothing.
//! - When the shop drops its last `Pricer`, the actor should end. It never
//!   does: it goes on refreshing prices for ever.
//!
//! Make the actor stop working for requesters who left (whether they left
//! while their request was queued or while it was being computed), and make
//! it end as soon as its last handle is dropped, while it still refreshes
//! once a minute for as long as anybody holds a handle.

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
    pub fn start(report: impl Fn(String) + Send + Sync + 'static) -> Pricer {
        let (requests, inbox) = mpsc::channel(16);
        tokio::spawn(refresh_every_minute(requests.clone()));
        tokio::spawn(actor(inbox, report));
        Pricer { requests }
    }

    /// Asks for the price of `item`. `None` if the actor is gone.
    pub async fn quote(&self, item: u64) -> Option<u64> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Msg::Quote { item, reply }).await.ok()?;
        answer.await.ok()
    }
}

/// Sends the actor a `Refresh` once a minute.
async fn refresh_every_minute(requests: mpsc::Sender<Msg>) {
    let start = tokio::time::Instant::now() + REFRESH_EVERY;
    let mut every = tokio::time::interval_at(start, REFRESH_EVERY);
    loop {
        every.tick().await;
        if requests.send(Msg::Refresh).await.is_err() {
            return;
        }
    }
}

/// The actor: one request at a time, until its inbox is closed.
async fn actor(mut inbox: mpsc::Receiver<Msg>, report: impl Fn(String) + Sync) {
    while let Some(msg) = inbox.recv().await {
        match msg {
            Msg::Quote { item, reply } => {
                let price = compute(item, &report).await;
                let _ = reply.send(price);
            }
            Msg::Refresh => report("refresh".to_owned()),
        }
    }
}

/// The slow part: five steps of one second each.
async fn compute(item: u64, report: &(impl Fn(String) + Sync)) -> u64 {
    for step in 1..=STEPS {
        tokio::time::sleep(STEP).await;
        report(format!("step {step} of item {item}"));
    }
    item * 100
}

#[cfg(test)]
mod tests;

//! Examples for "Channels and actors" (src/channels.md), and the tests that
//! pin what the chapter says about tokio's channels (tokio 1.54:
//! `src/sync/mpsc/bounded.rs`, `src/sync/mpsc/chan.rs`, `src/sync/oneshot.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

// ANCHOR: drain
/// A consumer that stops when the producers are gone: `recv` returns `None`
/// once every `Sender` is dropped *and* the buffer is empty, so nothing that
/// was sent before the end is lost.
pub async fn drain(mut inbox: mpsc::Receiver<String>) -> Vec<String> {
    let mut got = Vec::new();
    while let Some(line) = inbox.recv().await {
        got.push(line);
    }
    got // every sender is gone: nothing more can ever arrive
}
// ANCHOR_END: drain

// ANCHOR: job
/// A request to the thumbnail actor, with the channel its answer goes back on.
pub struct Job {
    pub width: u32,
    pub reply: oneshot::Sender<String>,
}

/// Makes one thumbnail: three seconds of work.
async fn render(width: u32) -> String {
    tokio::time::sleep(Duration::from_secs(3)).await;
    format!("thumbnail {width}px")
}
// ANCHOR_END: job

// ANCHOR: actor
/// The actor: one job at a time. `rendered` counts the thumbnails it made.
pub async fn thumbnails(mut jobs: mpsc::Receiver<Job>, rendered: Arc<AtomicUsize>) {
    while let Some(Job { width, mut reply }) = jobs.recv().await {
        tokio::select! {
            picture = render(width) => {
                rendered.fetch_add(1, Ordering::SeqCst);
                let _ = reply.send(picture); // Err: the requester left just now
            }
            // The requester dropped its `oneshot::Receiver` (a timeout, a
            // client that went away): nobody will read the answer, so stop.
            () = reply.closed() => {}
        }
    }
    // The channel is closed: every handle below was dropped.
}
// ANCHOR_END: actor

// ANCHOR: handle
/// What callers hold. Cloning it clones the `Sender`; the actor ends when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Thumbnails {
    jobs: mpsc::Sender<Job>,
}

impl Thumbnails {
    pub fn start(rendered: Arc<AtomicUsize>) -> Thumbnails {
        let (jobs, inbox) = mpsc::channel(8);
        tokio::spawn(thumbnails(inbox, rendered));
        Thumbnails { jobs }
    }

    /// `None` if the actor is gone. Dropping this future withdraws the job.
    pub async fn make(&self, width: u32) -> Option<String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { width, reply }).await.ok()?;
        answer.await.ok()
    }
}
// ANCHOR_END: handle

// ANCHOR: cycle
/// The mistake: a task on the actor's side keeps a `Sender` of the actor's own
/// inbox (here, to send it a "tick" every minute). The callers' handles are
/// then never the last senders, and the actor never sees `None`.
pub fn start_with_a_cycle(ticks: Arc<AtomicUsize>) -> mpsc::Sender<&'static str> {
    let (tx, mut inbox) = mpsc::channel(8);
    let to_myself = tx.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            if to_myself.send("tick").await.is_err() {
                return; // never: the actor's inbox is open as long as we hold this
            }
        }
    });
    tokio::spawn(async move {
        while inbox.recv().await.is_some() {
            ticks.fetch_add(1, Ordering::SeqCst);
        }
    });
    tx
}
// ANCHOR_END: cycle

// ANCHOR: weak
/// A way out, if the ticks must come from another task: a `WeakSender` does
/// not keep the channel open. Upgrade it for each send, and drop the strong
/// sender at once, or the cycle is back.
pub fn start_with_a_weak_ticker(ticks: Arc<AtomicUsize>) -> mpsc::Sender<&'static str> {
    let (tx, mut inbox) = mpsc::channel(8);
    let to_myself = tx.downgrade();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let Some(tx) = to_myself.upgrade() else {
                return; // every caller's handle is gone
            };
            if tx.send("tick").await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while inbox.recv().await.is_some() {
            ticks.fetch_add(1, Ordering::SeqCst);
        }
    });
    tx
}
// ANCHOR_END: weak

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::{paused, tasks_alive};
    use tokio_test::{assert_pending, assert_ready, task};

    /// tokio `src/sync/mpsc/bounded.rs` (`Receiver::recv`: "returns `None` if
    /// the channel has been closed and there are no remaining messages") and
    /// `chan.rs` (the last `Tx` dropped closes the channel).
    #[test]
    fn recv_returns_none_only_after_the_buffer_is_drained() {
        paused(|| async {
            let (tx, rx) = mpsc::channel(4);
            let other = tx.clone();
            tx.send("a".to_owned()).await.unwrap();
            other.send("b".to_owned()).await.unwrap();
            drop(tx);
            let mut draining = task::spawn(drain(rx));
            assert_pending!(draining.poll(), "one sender is still alive");
            drop(other);
            assert!(draining.is_woken(), "dropping the last sender wakes recv");
            assert_eq!(assert_ready!(draining.poll()), ["a", "b"]);
        });
    }

    /// tokio `src/sync/oneshot.rs`: `Sender::closed` completes and
    /// `is_closed` is true once the `Receiver` is dropped (its `Drop` closes).
    #[test]
    fn a_oneshot_sender_learns_at_once_that_its_receiver_left() {
        paused(|| async {
            let (mut reply, answer) = oneshot::channel::<u32>();
            assert!(!reply.is_closed());
            let mut closed = task::spawn(async move {
                reply.closed().await;
                reply
            });
            assert_pending!(closed.poll());
            drop(answer);
            assert!(closed.is_woken(), "the drop itself wakes `closed()`");
            let reply = assert_ready!(closed.poll());
            assert!(reply.is_closed());
            assert!(reply.send(1).is_err(), "and a send fails");
        });
    }

    /// tokio `src/sync/mpsc/bounded.rs`: `Sender::closed` completes when the
    /// receiver is dropped, for every sender.
    #[test]
    fn an_mpsc_sender_learns_that_its_receiver_left() {
        paused(|| async {
            let (tx, rx) = mpsc::channel::<u32>(1);
            let mut closed = task::spawn(tx.closed());
            assert_pending!(closed.poll());
            drop(rx);
            assert!(closed.is_woken());
            assert_ready!(closed.poll());
            assert!(tx.is_closed());
        });
    }

    #[test]
    fn a_withdrawn_job_stops_the_actor_at_once() {
        paused(|| async {
            let rendered = Arc::new(AtomicUsize::new(0));
            let actor = Thumbnails::start(rendered.clone());
            let gave_up = tokio::time::timeout(Duration::from_millis(1500), actor.make(200)).await;
            assert!(gave_up.is_err());
            // The next job starts at t=1.5s, not at t=3s.
            let start = tokio::time::Instant::now();
            assert_eq!(actor.make(100).await.as_deref(), Some("thumbnail 100px"));
            assert_eq!(start.elapsed(), Duration::from_secs(3));
            assert_eq!(rendered.load(Ordering::SeqCst), 1);
            drop(actor);
            tokio::task::yield_now().await;
            assert_eq!(tasks_alive(), 0, "the last handle dropped ends the actor");
        });
    }

    #[test]
    fn a_sender_kept_by_the_actor_side_keeps_it_alive_for_ever() {
        paused(|| async {
            let ticks = Arc::new(AtomicUsize::new(0));
            drop(start_with_a_cycle(ticks.clone()));
            tokio::time::sleep(Duration::from_secs(3630)).await;
            assert_eq!(
                ticks.load(Ordering::SeqCst),
                60,
                "still ticking an hour later"
            );
            assert_eq!(tasks_alive(), 2);
        });
    }

    /// tokio `src/sync/mpsc/bounded.rs`: `downgrade` ("does not count towards
    /// RAII semantics") and `WeakSender::upgrade` (`None` once no `Sender` is left).
    #[test]
    fn a_weak_sender_lets_the_actor_end_and_its_ticker_ends_at_the_next_tick() {
        paused(|| async {
            let ticks = Arc::new(AtomicUsize::new(0));
            let tx = start_with_a_weak_ticker(ticks.clone());
            tokio::time::sleep(Duration::from_secs(150)).await;
            assert_eq!(ticks.load(Ordering::SeqCst), 2);
            drop(tx);
            tokio::task::yield_now().await;
            assert_eq!(tasks_alive(), 1, "the actor ended; the ticker sleeps on");
            tokio::time::sleep(Duration::from_secs(31)).await;
            assert_eq!(tasks_alive(), 0, "at t=180s its upgrade failed");
        });
    }
}

//! Examples for "Deadlines that move" (src/deadlines.md).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

/// A stand-in for a service that fails every call after `latency`.
pub struct FlakyService {
    pub latency: Duration,
}

impl FlakyService {
    pub async fn call(&self) -> Result<String, ()> {
        tokio::time::sleep(self.latency).await;
        Err(())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct GaveUp;

// ANCHOR: overall_deadline
/// Calls the service until it answers, giving all the attempts together
/// 10 s. (A real client would also pause between attempts.)
pub async fn call_with_retries(service: &FlakyService) -> Result<String, GaveUp> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Every attempt races the same instant, not a fresh 10 s.
        match tokio::time::timeout_at(deadline, service.call()).await {
            Ok(Ok(answer)) => return Ok(answer),
            Ok(Err(_failed)) => continue,
            Err(_elapsed) => return Err(GaveUp),
        }
    }
}
// ANCHOR_END: overall_deadline

// ANCHOR: idle_timeout
/// Collects chat messages until the line has been quiet for 30 s.
pub async fn read_until_quiet(messages: &mut mpsc::Receiver<String>) -> Vec<String> {
    let mut received = Vec::new();
    loop {
        tokio::select! {
            Some(message) = messages.recv() => received.push(message),
            // A new 30 s timer every time round: it starts over at each message.
            _ = tokio::time::sleep(Duration::from_secs(30)) => return received,
        }
    }
}
// ANCHOR_END: idle_timeout

// ANCHOR: auction
/// Runs an auction that closes after `length`, except that a bid always
/// leaves at least 10 s for a counter-bid. Returns the highest bid.
pub async fn run_auction(bids: &mut mpsc::Receiver<u32>, length: Duration) -> Option<u32> {
    // Created once, before the loop, and pinned: `select!` polls it by
    // `&mut`, so it must not move.
    let mut close = std::pin::pin!(tokio::time::sleep(length));
    let mut best = None;
    loop {
        tokio::select! {
            Some(bid) = bids.recv() => {
                best = best.max(Some(bid));
                let at_least = Instant::now() + Duration::from_secs(10);
                if close.deadline() < at_least {
                    close.as_mut().reset(at_least);
                }
            }
            () = &mut close => return best,
        }
    }
}
// ANCHOR_END: auction

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;

    fn secs(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    /// Sends each `(when, item)` at its instant, then keeps the channel open.
    fn send_at<T: Send + 'static>(items: Vec<(Duration, T)>) -> mpsc::Receiver<T> {
        let (sender, receiver) = mpsc::channel(8);
        let start = Instant::now();
        tokio::spawn(async move {
            for (when, item) in items {
                tokio::time::sleep_until(start + when).await;
                sender.send(item).await.unwrap();
            }
            std::future::pending::<()>().await;
        });
        receiver
    }

    #[test]
    fn retries_share_one_deadline() {
        paused(|| async {
            // Attempts end at t=3s, 6s, 9s; the fourth is cut at t=10s.
            let service = FlakyService { latency: secs(3) };
            let start = Instant::now();
            assert_eq!(call_with_retries(&service).await, Err(GaveUp));
            assert_eq!(start.elapsed(), secs(10));
        });
    }

    #[test]
    fn the_idle_timer_starts_over_at_each_message() {
        paused(|| async {
            let mut messages = send_at(vec![
                (secs(10), "hi".to_owned()),
                (secs(35), "bye".to_owned()),
            ]);
            let start = Instant::now();
            let received = read_until_quiet(&mut messages).await;
            assert_eq!(received, ["hi", "bye"]);
            assert_eq!(start.elapsed(), secs(65));
        });
    }

    #[test]
    fn an_early_bid_leaves_the_close_alone() {
        paused(|| async {
            let mut bids = send_at(vec![(secs(20), 5)]);
            let start = Instant::now();
            assert_eq!(run_auction(&mut bids, secs(60)).await, Some(5));
            assert_eq!(start.elapsed(), secs(60));
        });
    }

    #[test]
    fn late_bids_push_the_close_back() {
        paused(|| async {
            // Closes at 60 s; a bid at 55 s moves it to 65 s, one at 62 s to 72 s.
            let mut bids = send_at(vec![(secs(20), 5), (secs(55), 7), (secs(62), 9)]);
            let start = Instant::now();
            assert_eq!(run_auction(&mut bids, secs(60)).await, Some(9));
            assert_eq!(start.elapsed(), secs(72));
        });
    }
}

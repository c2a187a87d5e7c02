//! Examples for "select! and cancel safety" (src/select.md).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

// ANCHOR: loser_dropped
/// Each time round, `select!` polls both futures; the first to finish wins,
/// and the other one is dropped, half-done or not.
pub async fn first_of_two() -> &'static str {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(1)) => "the short sleep",
        _ = tokio::time::sleep(Duration::from_secs(5)) => "the long sleep", // dropped at t=1s
    }
}
// ANCHOR_END: loser_dropped

// ANCHOR: read_line_in_select
/// A chat client: collects the lines the server sends, and sends what the
/// user types meanwhile. `typed.recv()` is cancel safe; `read_line` is not.
pub async fn chat(
    server: impl AsyncRead + Unpin,
    mut typed: mpsc::Receiver<String>,
    sent: &mut Vec<String>,
) -> io::Result<Vec<String>> {
    let mut server = BufReader::new(server);
    let mut received = Vec::new();
    loop {
        let mut line = String::new();
        tokio::select! {
            read = server.read_line(&mut line) => {
                if read? == 0 {
                    return Ok(received);
                }
                received.push(line.trim_end().to_owned());
            }
            // Loses the bytes `read_line` already took, if it wins mid-line.
            Some(message) = typed.recv() => sent.push(message),
        }
    }
}
// ANCHOR_END: read_line_in_select

// ANCHOR: next_line_in_select
/// The same client, cancel safe: the partial line waits inside `lines`,
/// which lives outside the loop, not inside the dropped future.
pub async fn chat_safely(
    server: impl AsyncRead + Unpin,
    mut typed: mpsc::Receiver<String>,
    sent: &mut Vec<String>,
) -> io::Result<Vec<String>> {
    let mut lines = BufReader::new(server).lines();
    let mut received = Vec::new();
    loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(line) => received.push(line),
                None => return Ok(received),
            },
            Some(message) = typed.recv() => sent.push(message),
        }
    }
}
// ANCHOR_END: next_line_in_select

// ANCHOR: sleep_in_the_loop
/// Meant to flush a batch of metrics once a second. But the `sleep` is
/// created anew each time round, so every message starts it over: while
/// messages come faster than once a second, nothing is ever flushed.
pub async fn flush_with_a_sleep(mut metrics: mpsc::Receiver<u32>) -> usize {
    let mut flushes = 0;
    loop {
        tokio::select! {
            metric = metrics.recv() => match metric {
                Some(_) => {} // add it to the batch
                None => return flushes,
            },
            _ = tokio::time::sleep(Duration::from_secs(1)) => flushes += 1,
        }
    }
}
// ANCHOR_END: sleep_in_the_loop

// ANCHOR: interval_outside_the_loop
/// The interval is made once, before the loop, and `tick` is cancel safe:
/// a tick that loses a round is not used up, and the rhythm holds.
pub async fn flush_with_an_interval(mut metrics: mpsc::Receiver<u32>) -> usize {
    let mut flush = tokio::time::interval(Duration::from_secs(1));
    let mut flushes = 0;
    loop {
        tokio::select! {
            metric = metrics.recv() => match metric {
                Some(_) => {} // add it to the batch
                None => return flushes,
            },
            _ = flush.tick() => flushes += 1,
        }
    }
}
// ANCHOR_END: interval_outside_the_loop

// ANCHOR: biased
/// A worker that takes jobs until shutdown. `biased;` polls the branches in
/// the order written, so a shutdown wins even while jobs are waiting.
pub async fn work(shutdown: &CancellationToken, mut jobs: mpsc::Receiver<u32>) -> Vec<u32> {
    let mut done = Vec::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return done,
            job = jobs.recv() => match job {
                Some(job) => done.push(job),
                None => return done,
            },
        }
    }
}
// ANCHOR_END: biased

// ANCHOR: else
/// Merges two queues until both are closed. A branch whose pattern does not
/// match (`None` from a closed queue) is disabled for the rest of this
/// `select!`; when every branch is disabled, `else` runs.
pub async fn merge(mut left: mpsc::Receiver<u32>, mut right: mpsc::Receiver<u32>) -> Vec<u32> {
    let mut merged = Vec::new();
    loop {
        tokio::select! {
            Some(n) = left.recv() => merged.push(n),
            Some(n) = right.recv() => merged.push(n),
            else => return merged,
        }
    }
}
// ANCHOR_END: else

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn the_first_branch_to_finish_wins() {
        paused(|| async {
            let started = tokio::time::Instant::now();
            assert_eq!(first_of_two().await, "the short sleep");
            assert_eq!(started.elapsed(), Duration::from_secs(1));
        });
    }

    /// The server sends "hel" at t=0s and "lo\n" at t=1s; the user types a
    /// message at t=0.5s, in the middle of that line.
    fn script() -> (tokio::io::DuplexStream, mpsc::Receiver<String>) {
        let (client, mut server) = tokio::io::duplex(64);
        let (typed_tx, typed) = mpsc::channel(1);
        tokio::spawn(async move {
            server.write_all(b"hel").await.unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
            typed_tx.send("hi all".to_owned()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
            server.write_all(b"lo\n").await.unwrap();
        }); // the server hangs up when the task ends
        (client, typed)
    }

    #[test]
    fn read_line_loses_the_start_of_a_line() {
        paused(|| async {
            let (server, typed) = script();
            let mut sent = Vec::new();
            let received = chat(server, typed, &mut sent).await.unwrap();
            assert_eq!(sent, ["hi all"]);
            assert_eq!(received, ["lo"]);
        });
    }

    #[test]
    fn next_line_keeps_the_whole_line() {
        paused(|| async {
            let (server, typed) = script();
            let mut sent = Vec::new();
            let received = chat_safely(server, typed, &mut sent).await.unwrap();
            assert_eq!(sent, ["hi all"]);
            assert_eq!(received, ["hello"]);
        });
    }

    /// A metric every 0.3 s from t=0.15s to t=4.95s (never on a whole second,
    /// so never at the same instant as a one-second timer).
    fn metrics() -> mpsc::Receiver<u32> {
        let (tx, rx) = mpsc::channel(1);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            for n in 0..17 {
                if n > 0 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                tx.send(n).await.unwrap();
            }
        });
        rx
    }

    #[test]
    fn a_sleep_made_in_the_loop_never_fires_while_messages_flow() {
        paused(|| async {
            assert_eq!(flush_with_a_sleep(metrics()).await, 0);
        });
    }

    #[test]
    fn an_interval_made_before_the_loop_keeps_its_rhythm() {
        paused(|| async {
            // Ticks at t=0s (an interval's first tick is immediate), 1s, 2s, 3s, 4s.
            assert_eq!(flush_with_an_interval(metrics()).await, 5);
        });
    }

    #[test]
    fn biased_puts_the_shutdown_first() {
        paused(|| async {
            let (tx, jobs) = mpsc::channel(4);
            for job in 1..=3 {
                tx.send(job).await.unwrap();
            }
            let shutdown = CancellationToken::new();
            shutdown.cancel();
            // Jobs are waiting, but the shutdown branch is polled first.
            assert!(work(&shutdown, jobs).await.is_empty());
        });
    }

    #[test]
    fn the_worker_takes_every_job_until_the_queue_closes() {
        paused(|| async {
            let (tx, jobs) = mpsc::channel(4);
            for job in 1..=3 {
                tx.send(job).await.unwrap();
            }
            drop(tx);
            assert_eq!(work(&CancellationToken::new(), jobs).await, [1, 2, 3]);
        });
    }

    #[test]
    fn else_runs_when_every_branch_is_disabled() {
        paused(|| async {
            let (left_tx, left) = mpsc::channel(4);
            let (right_tx, right) = mpsc::channel(4);
            left_tx.send(1).await.unwrap();
            right_tx.send(2).await.unwrap();
            drop((left_tx, right_tx));
            let mut merged = merge(left, right).await;
            merged.sort_unstable(); // the order between the two queues is random
            assert_eq!(merged, [1, 2]);
        });
    }
}

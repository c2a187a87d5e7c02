//! Examples for "Cancel-safe APIs" (src/cancel-safe-apis.md), and the tests
//! that pin what the chapter says about tokio (1.54: `src/sync/mpsc/bounded.rs`,
//! `src/io/util/async_write_ext.rs`, `src/time/interval.rs`).

use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

// ANCHOR: send_loses
/// The mistake: `send` raced against a timer. While the channel is full the
/// send waits; when the timer wins, the `send` future is dropped, and the
/// message it owns is dropped with it.
pub async fn send_or_give_up(tx: &mpsc::Sender<String>, line: String) -> bool {
    tokio::select! {
        sent = tx.send(line) => sent.is_ok(),
        _ = tokio::time::sleep(Duration::from_secs(1)) => false, // `line` is gone
    }
}
// ANCHOR_END: send_loses

// ANCHOR: reserve
/// The fix: wait for a place first. `reserve` is cancel safe (a lost race
/// loses only the place in the queue), and `Permit::send` does not wait, so
/// the message is never inside a future that can be dropped.
pub async fn send_or_keep(tx: &mpsc::Sender<String>, line: String) -> Result<(), String> {
    tokio::select! {
        permit = tx.reserve() => match permit {
            Ok(permit) => {
                permit.send(line);
                Ok(())
            }
            Err(_closed) => Err(line),
        },
        _ = tokio::time::sleep(Duration::from_secs(1)) => Err(line), // still ours
    }
}
// ANCHOR_END: reserve

// ANCHOR: resume
/// Make the future once, pin it, and race `&mut` it each time round: a lost
/// race no longer drops it, so the next round resumes it where it was.
pub async fn send_with_progress(
    tx: &mpsc::Sender<String>,
    line: String,
    progress: impl Fn(),
) -> bool {
    let send = tx.send(line);
    tokio::pin!(send);
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await; // the first tick of an `interval` is immediate
    loop {
        tokio::select! {
            sent = &mut send => return sent.is_ok(),
            _ = every.tick() => progress(),
        }
    }
}
// ANCHOR_END: resume

// ANCHOR: write_all_buf
/// `write_all(&bytes)` dropped mid-way has written a prefix, and nobody knows
/// how long. `write_all_buf(&mut buf)` advances `buf` as it writes, so with
/// the buffer outside the loop, each round goes on from where the last one
/// stopped.
pub async fn write_with_progress(
    out: &mut (impl AsyncWrite + Unpin),
    data: &[u8],
    progress: impl Fn(usize),
) -> std::io::Result<()> {
    let mut rest: &[u8] = data; // `&[u8]` is a `Buf`: it shrinks as it is written
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    while !rest.is_empty() {
        tokio::select! {
            written = out.write_all_buf(&mut rest) => written?,
            _ = every.tick() => progress(data.len() - rest.len()),
        }
    }
    Ok(())
}
// ANCHOR_END: write_all_buf

// ANCHOR: document
/// Takes the next batch of up to `max` lines.
///
/// # Cancel safety
///
/// Cancel safe: if the future is dropped before it completes, no line has
/// been taken from `rx` (it takes them only after the first one arrives,
/// and without awaiting again).
pub async fn next_batch(rx: &mut mpsc::Receiver<String>, max: usize) -> Vec<String> {
    let mut batch = Vec::new();
    if let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < max {
            match rx.try_recv() {
                Ok(line) => batch.push(line),
                Err(_) => break,
            }
        }
    }
    batch
}
// ANCHOR_END: document

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;
    use tokio::io::AsyncReadExt;

    /// tokio `src/sync/mpsc/bounded.rs`, `Sender::send`, "# Cancel safety":
    /// "the message is dropped and will be lost".
    #[test]
    fn a_send_that_loses_the_race_drops_its_message() {
        paused(|| async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send("first".to_owned()).await.unwrap();
            assert!(!send_or_give_up(&tx, "second".to_owned()).await);
            assert_eq!(rx.recv().await.as_deref(), Some("first"));
            drop(tx);
            assert_eq!(rx.recv().await, None, "\"second\" is nowhere");
        });
    }

    /// tokio `src/sync/mpsc/bounded.rs`, `Sender::reserve`, "# Cancel safety"
    /// (a lost race loses the place in the queue, not a message) and
    /// `Permit::send` (synchronous).
    #[test]
    fn a_reserve_that_loses_the_race_gives_the_message_back() {
        paused(|| async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send("first".to_owned()).await.unwrap();
            let kept = send_or_keep(&tx, "second".to_owned()).await;
            assert_eq!(kept, Err("second".to_owned()));
            assert_eq!(rx.recv().await.as_deref(), Some("first"));
            assert_eq!(send_or_keep(&tx, kept.unwrap_err()).await, Ok(()));
            assert_eq!(rx.recv().await.as_deref(), Some("second"));
        });
    }

    #[test]
    fn a_pinned_send_is_resumed_and_delivers() {
        paused(|| async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send("first".to_owned()).await.unwrap();
            let reader = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(3500)).await;
                let mut got = Vec::new();
                while let Some(line) = rx.recv().await {
                    got.push(line);
                }
                got
            });
            let ticks = std::sync::atomic::AtomicUsize::new(0);
            let sent = send_with_progress(&tx, "second".to_owned(), || {
                ticks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .await;
            assert!(sent);
            assert_eq!(
                ticks.into_inner(),
                3,
                "ticks at t=1s, 2s, 3s; sent at t=3.5s"
            );
            drop(tx);
            assert_eq!(reader.await.unwrap(), ["first", "second"]);
        });
    }

    /// tokio `src/io/util/async_write_ext.rs`: `write_all` "is not cancel
    /// safe"; `write_all_buf` advances the buffer by what was written.
    #[test]
    fn a_dropped_write_all_has_written_a_prefix() {
        paused(|| async {
            let (mut writer, mut reader) = tokio::io::duplex(4);
            let outcome =
                tokio::time::timeout(Duration::from_secs(1), writer.write_all(b"hello world"))
                    .await;
            assert!(outcome.is_err(), "the pipe holds 4 bytes, nobody reads");
            drop(writer);
            let mut got = Vec::new();
            reader.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"hell", "a prefix was written, the rest is gone");
        });
    }

    #[test]
    fn write_all_buf_outside_the_loop_resumes() {
        paused(|| async {
            let (mut writer, mut reader) = tokio::io::duplex(4);
            let slow_reader = tokio::spawn(async move {
                let mut got = Vec::new();
                let mut chunk = [0u8; 4];
                loop {
                    // Every 1.3 s: never on a whole second, when the ticks come.
                    tokio::time::sleep(Duration::from_millis(1300)).await;
                    match reader.read(&mut chunk).await.unwrap() {
                        0 => return got,
                        n => got.extend_from_slice(&chunk[..n]),
                    }
                }
            });
            let reports = std::sync::Mutex::new(Vec::new());
            write_with_progress(&mut writer, b"hello world", |done| {
                reports.lock().unwrap().push(done)
            })
            .await
            .unwrap();
            drop(writer);
            assert_eq!(slow_reader.await.unwrap(), b"hello world");
            assert_eq!(reports.into_inner().unwrap(), [4, 8]);
        });
    }

    #[test]
    fn next_batch_dropped_while_waiting_takes_nothing() {
        paused(|| async {
            let (tx, mut rx) = mpsc::channel(8);
            let waited = tokio::time::timeout(Duration::from_secs(1), next_batch(&mut rx, 3)).await;
            assert!(waited.is_err());
            for line in ["a", "b", "c", "d"] {
                tx.send(line.to_owned()).await.unwrap();
            }
            assert_eq!(next_batch(&mut rx, 3).await, ["a", "b", "c"]);
            assert_eq!(next_batch(&mut rx, 3).await, ["d"]);
        });
    }
    /// tokio `src/time/interval.rs`, `Interval::tick`, "# Cancel safety": a
    /// tick that loses a race is not used up.
    #[test]
    fn a_tick_that_loses_the_race_is_not_used_up() {
        paused(|| async {
            let start = tokio::time::Instant::now();
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.tick().await;
            tokio::time::sleep(Duration::from_millis(1500)).await; // the t=1s tick is due
            tokio::select! {
                biased;
                () = std::future::ready(()) => {}
                _ = every.tick() => panic!("the ready branch comes first"),
            }
            every.tick().await;
            assert_eq!(
                start.elapsed(),
                Duration::from_millis(1500),
                "the due tick was still there"
            );
        });
    }
}

//! The tests of exercise 14, shared by the starter, the solution and every
//! wrong fix.
//!
//! The checksum runs on a real thread, so these tests use the real clock, and
//! never wait on time: the clock of the story is the byte count. The test's
//! backup is a reader that never ends. When the checksum reaches 1.25 MiB
//! (after its first progress report), the reader holds the thread still
//! until the test has stopped the checksum (one test cancels the token, the
//! other drops the future), then counts every byte read after the stop. Every
//! way out must leave the caller's token as it was. A thread that keeps reading is cut off by the reader after
//! 8 MiB, so a failing solution fails at once with a story, instead of
//! spinning. The waits have a safety limit that only a failing solution ever
//! reaches, and the runtime is a current-thread one, so an async loop that
//! never awaits blocks the test itself and is reported as HUNG.

use std::future::Future;
use std::io::{self, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use test_support::Lesson;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Blocking and CPU-bound work\", section \"Blocking code checks the token\" (src/blocking.md)";
const CHAPTER_CHILD: &str = "\"Token hygiene\", section \"Children, not orphans\" (src/hygiene.md)";

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
/// Where the test cancels: after the first progress report (1 MiB).
const CANCEL_AT: u64 = MIB + MIB / 4;
/// How much may still be read after the cancel.
const ALLOWED_AFTER_CANCEL: u64 = 64 * KIB;
/// After this much past the cancel, the reader gives up on the thread.
const CUT_OFF: u64 = 8 * MIB;
/// Each read hands out at most this much, like a network stream.
const READ_SIZE: usize = 4 * 1024;
/// Real time a correct solution never gets near.
const SAFETY: Duration = Duration::from_secs(5);

/// Like `test_support::paused`, but with the real clock, because the
/// checksum runs on a real thread. The runtime is shut down without waiting
/// for blocking threads, so that a thread that ignores its token cannot keep
/// the test waiting.
fn on_real_threads<F, Fut>(body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    test_support::bounded::run_bounded(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a tokio runtime");
        let outcome = catch_unwind(AssertUnwindSafe(|| runtime.block_on(body())));
        runtime.shutdown_background();
        if let Err(panic) = outcome {
            resume_unwind(panic);
        }
    });
}

/// The byte at `position` of every test backup.
fn byte_at(position: u64) -> u8 {
    (position % 251) as u8
}

/// A backup that never ends. See the module comment.
struct EndlessBackup {
    position: u64,
    at_cancel_point: Option<oneshot::Sender<()>>,
    cancelled: std_mpsc::Receiver<()>,
    after_cancel: Arc<AtomicU64>,
    past_the_cancel: bool,
    /// Dropped with the backup: tells the test that the thread let go of it.
    _closed: oneshot::Sender<()>,
}

impl Read for EndlessBackup {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.position >= CANCEL_AT {
            if let Some(at_cancel_point) = self.at_cancel_point.take() {
                let _ = at_cancel_point.send(());
                // Hold this (blocking) thread still until the test has
                // cancelled. An error means the test is already over.
                let _ = self.cancelled.recv();
                self.past_the_cancel = true;
            }
        }
        let size = buffer.len().min(READ_SIZE);
        if self.past_the_cancel {
            if self.after_cancel.load(Ordering::SeqCst) >= CUT_OFF {
                return Err(io::Error::other("cut off by the test"));
            }
            self.after_cancel.fetch_add(size as u64, Ordering::SeqCst);
        }
        for (offset, byte) in buffer[..size].iter_mut().enumerate() {
            *byte = byte_at(self.position + offset as u64);
        }
        self.position += size as u64;
        Ok(size)
    }
}

/// Adler-32 as zlib defines it, to check the answer with.
fn reference_adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn kib(bytes: u64) -> String {
    format!("{} KiB", bytes / KIB)
}

/// The test's side of an endless backup being checksummed.
struct Rig {
    /// Fires when the checksum reaches 1.25 MiB; the reader then holds the
    /// thread still.
    at_cancel_point: oneshot::Receiver<()>,
    /// Lets the held thread go on.
    release: std_mpsc::Sender<()>,
    /// Fires when the thread lets go of the backup (it ended).
    closed: oneshot::Receiver<()>,
    after_cancel: Arc<AtomicU64>,
    progress: mpsc::UnboundedReceiver<u64>,
}

/// Starts the checksum of an endless backup under `token`; returns its
/// future, not yet polled, and the test's side of it.
fn start(token: CancellationToken) -> (impl Future<Output = Result<u32, VerifyError>>, Rig) {
    let (at_cancel_point_tx, at_cancel_point) = oneshot::channel();
    let (release, cancelled_rx) = std_mpsc::channel();
    let (closed_tx, closed) = oneshot::channel::<()>();
    let after_cancel = Arc::new(AtomicU64::new(0));
    let backup = EndlessBackup {
        position: 0,
        at_cancel_point: Some(at_cancel_point_tx),
        cancelled: cancelled_rx,
        after_cancel: after_cancel.clone(),
        past_the_cancel: false,
        _closed: closed_tx,
    };
    let (progress_tx, progress) = mpsc::unbounded_channel();
    let verification = checksum_backup(backup, token, move |bytes| {
        let _ = progress_tx.send(bytes);
    });
    let rig = Rig {
        at_cancel_point,
        release,
        closed,
        after_cancel,
        progress,
    };
    (verification, rig)
}

/// Waits until the checksum has sent its first progress report and reached
/// 1.25 MiB, where its thread is held still.
async fn wait_for_the_cancel_point(rig: &mut Rig) {
    let first = tokio::time::timeout(SAFETY, rig.progress.recv()).await;
    Lesson::new(
        CHAPTER,
        "the checksum sent no progress report for its first MiB",
    )
    .ask("Does the checksum still report its progress after every MiB?")
    .check(matches!(first, Ok(Some(_))));
    let reached = tokio::time::timeout(SAFETY, &mut rig.at_cancel_point).await;
    Lesson::new(
        CHAPTER,
        "the checksum stopped reading before 1.25 MiB, though nobody cancelled it",
    )
    .check(matches!(reached, Ok(Ok(()))));
}

/// After the stop at 1.25 MiB: the thread must let go of the backup, having
/// read at most 64 KiB more.
async fn check_the_thread_stopped(rig: Rig, stopped: &str, question: &str) {
    let ended = tokio::time::timeout(SAFETY, rig.closed).await.is_ok();
    let after = rig.after_cancel.load(Ordering::SeqCst);
    let how_it_ended = if after >= CUT_OFF {
        "and was still reading when the test cut the backup off".to_owned()
    } else if !ended {
        format!("and still held the backup {} s later", SAFETY.as_secs())
    } else {
        "before it stopped".to_owned()
    };
    Lesson::new(
        CHAPTER,
        format!(
            "the test {stopped} when the checksum was at 1.25 MiB (after its first progress \
             report). But its thread read {} more, {how_it_ended}. At most {} may be read \
             after that.",
            kib(after),
            kib(ALLOWED_AFTER_CANCEL)
        ),
    )
    .ask(question)
    .check(ended && after <= ALLOWED_AFTER_CANCEL);
}

/// The caller's token is the caller's: checksum_backup may listen to it,
/// never cancel it.
fn check_the_token_was_left_alone(token: &CancellationToken, what_happened: &str) {
    Lesson::new(
        CHAPTER_CHILD,
        format!(
            "{what_happened}, and afterwards the caller's token was cancelled, though nobody \
             cancelled it: everything else the caller runs under that token (the rest of the \
             backup job, the other verifications) now stops too."
        ),
    )
    .ask(
        "Which token does the drop guard cancel? A clone of a token is the same token. Which \
         kind of token is cancelled with the caller's, but never the other way round?",
    )
    .check(!token.is_cancelled());
}

#[test]
fn a_cancelled_checksum_stops_reading_within_64_kib() {
    on_real_threads(|| async {
        let token = CancellationToken::new();
        let (verification, mut rig) = start(token.clone());
        let verification = tokio::spawn(verification);
        wait_for_the_cancel_point(&mut rig).await;

        // The checksum is at 1.25 MiB, and its thread is held still: cancel.
        token.cancel();
        rig.release
            .send(())
            .expect("the backup is still being read");

        let outcome = tokio::time::timeout(SAFETY, verification).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the test cancelled at 1.25 MiB, but checksum_backup gave {} instead of \
                 Err(Cancelled).",
                match &outcome {
                    Ok(Ok(result)) => format!("{result:?}"),
                    Ok(Err(error)) => format!("a task error ({error})"),
                    Err(_) => format!("no answer within {} s", SAFETY.as_secs()),
                }
            ),
        )
        .ask("Does checksum_backup return once its thread has seen the cancel?")
        .check(matches!(outcome, Ok(Ok(Err(VerifyError::Cancelled)))));

        check_the_thread_stopped(
            rig,
            "cancelled the token, and checksum_backup returned Cancelled,",
            "Nothing can abort or drop code that runs on a blocking thread: dropping its \
             JoinHandle, `abort()` or a `select!` only stop the waiting. Does the loop on the \
             thread itself look at the token, often enough?",
        )
        .await;
    });
}

#[test]
fn dropping_the_checksum_stops_reading_within_64_kib() {
    on_real_threads(|| async {
        let token = CancellationToken::new();
        let (verification, mut rig) = start(token.clone());
        let verification = tokio::spawn(verification);
        wait_for_the_cancel_point(&mut rig).await;

        // The checksum is at 1.25 MiB, and its thread is held still: the
        // caller gives up (a timeout, a client that left) and drops the
        // future. Awaiting the aborted task returns once it is dropped.
        verification.abort();
        let dropped = verification.await;
        Lesson::new(
            CHAPTER,
            format!(
                "the caller dropped checksum_backup while its thread was held at 1.25 MiB, but \
                 the future had already ended: {dropped:?}."
            ),
        )
        .ask("Does checksum_backup wait for the thread's answer?")
        .check(dropped.is_err_and(|error| error.is_cancelled()));
        rig.release
            .send(())
            .expect("the backup is still being read");

        check_the_thread_stopped(
            rig,
            "dropped checksum_backup's future (nobody cancelled the token)",
            "Who tells the thread to stop when the future that waits for it is dropped? \
             Nothing runs after the `.await` it was dropped at; what runs when a value is \
             dropped?",
        )
        .await;
        check_the_token_was_left_alone(&token, "the caller dropped checksum_backup");
    });
}

#[test]
fn a_whole_backup_gets_its_checksum() {
    on_real_threads(|| async {
        let backup: Vec<u8> = (0..3 * MIB + 1000).map(byte_at).collect();
        let expected = reference_adler32(&backup);
        let (progress_tx, mut progress) = mpsc::unbounded_channel();
        let token = CancellationToken::new();
        let outcome = tokio::time::timeout(
            SAFETY,
            checksum_backup(Cursor::new(backup), token.clone(), move |bytes| {
                let _ = progress_tx.send(bytes);
            }),
        )
        .await;
        let result = match outcome {
            Ok(result) => format!("{result:?}"),
            Err(_) => format!("no answer within {} s", SAFETY.as_secs()),
        };
        Lesson::new(
            CHAPTER,
            format!(
                "a 3 MiB backup that nobody cancelled should give Ok({expected}), but \
                 checksum_backup gave {result}"
            ),
        )
        .ask("The fix should change when the checksum stops, not what it computes.")
        .check(result == format!("Ok({expected})"));

        let mut reports = 0;
        while progress.try_recv().is_ok() {
            reports += 1;
        }
        Lesson::new(
            CHAPTER,
            format!("a 3 MiB backup should give 3 progress reports, but it gave {reports}"),
        )
        .check(reports == 3);
        check_the_token_was_left_alone(&token, "a 3 MiB backup got its checksum");
    });
}

//! The tests of exercise 26, shared by the starter, the solution and every
//! wrong fix. `run` builds its own runtime, so each test calls it on a plain
//! thread, plays the console and Ctrl+C, and waits on events (bounded) in
//! real time: a real child process cannot run on a paused clock.
//!
//! What they pin, next to the tokio source that shows it:
//! - dropping a runtime waits for a running `spawn_blocking` closure, with no
//!   limit; `shutdown_timeout` does not (tokio `src/runtime/runtime.rs`, the
//!   "Shutdown" section; `src/runtime/blocking/pool.rs`, `impl Drop for
//!   BlockingPool` calls `shutdown(None)`);
//! - a dropped `tokio::process::Child` keeps running unless `kill_on_drop(true)`
//!   (tokio `src/process/mod.rs`, `impl Drop for ChildDropGuard`).

use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use test_support::bounded::run_bounded;
use test_support::lesson::fail_quietly;
use test_support::{Lesson, Timeline};
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str = "\"When the runtime ends\", section \"A blocking read holds the runtime\" (src/runtime-shutdown.md)";
const CHILD: &str = "\"When the runtime ends\", section \"A child process outlives its handle\" (src/runtime-shutdown.md)";

/// Only a broken test waits this long for the helper to start.
const EVENT_LIMIT: Duration = Duration::from_secs(5);
/// `run` must have returned this long after it was asked to end (GRACE is
/// 200 ms; the rest is slack for a loaded machine).
const RETURN_LIMIT: Duration = Duration::from_secs(3);
/// How long a killed helper may take to be reported gone by the system.
const GONE_LIMIT: Duration = Duration::from_secs(2);

/// The console the test types into: `read` blocks until the test sends a
/// line (or an error), and returns the end of input once the test drops it.
/// It says so on `blocked` each time a read finds nothing typed and waits.
struct Console {
    typed: mpsc::Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    blocked: mpsc::Sender<()>,
}

impl Read for Console {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            let next = match self.typed.try_recv() {
                Err(mpsc::TryRecvError::Empty) => {
                    let _ = self.blocked.send(());
                    self.typed.recv().ok()
                }
                next => next.ok(),
            };
            match next {
                Some(Ok(bytes)) => self.pending = bytes,
                Some(Err(error)) => return Err(error),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

/// `run` on a thread of its own, with its console, its stop token and the
/// helper's pid. Dropping it kills the helper if it is still running, so a
/// failing test leaves no `sleep 3600` behind.
struct Session {
    timeline: Timeline,
    typing: Option<mpsc::Sender<io::Result<Vec<u8>>>>,
    stop: CancellationToken,
    pid: u32,
    returned: mpsc::Receiver<io::Result<Ended>>,
    blocked: mpsc::Receiver<()>,
}

fn start(timeline: &Timeline) -> Session {
    let (typing, typed) = mpsc::channel();
    let stop = CancellationToken::new();
    let (pid_tx, pid_rx) = mpsc::channel();
    let (returned_tx, returned) = mpsc::channel();
    let (blocked_tx, blocked) = mpsc::channel();
    let console = Console {
        typed,
        pending: Vec::new(),
        blocked: blocked_tx,
    };
    let token = stop.clone();
    thread::spawn(move || {
        let ended = run(console, token, move |pid| pid_tx.send(pid).unwrap());
        let _ = returned_tx.send(ended);
    });
    let pid = match pid_rx.recv_timeout(EVENT_LIMIT) {
        Ok(pid) => pid,
        Err(_) => panic!(
            "`run` did not report the helper's pid within 5 s: it returned {:?}",
            returned.try_recv()
        ),
    };
    timeline.record(format!("helper started, pid {pid}"));
    Session {
        timeline: timeline.clone(),
        typing: Some(typing),
        stop,
        pid,
        returned,
        blocked,
    }
}

impl Session {
    fn type_line(&self, line: &str) {
        self.timeline.record(format!("console: {line:?} typed"));
        let _ = self
            .typing
            .as_ref()
            .unwrap()
            .send(Ok(format!("{line}\n").into_bytes()));
    }

    fn console_fails(&self) {
        self.timeline.record("console: the read fails");
        let _ = self
            .typing
            .as_ref()
            .unwrap()
            .send(Err(io::Error::other("console lost")));
    }

    /// Waits (bounded) for `run` to return; a `run` that does not return is
    /// reported as HUNG, with what it is most likely waiting for.
    fn wait_for_return(&self, asked: &str) -> io::Result<Ended> {
        let asked_at = Instant::now();
        match self.returned.recv_timeout(RETURN_LIMIT) {
            Ok(ended) => {
                self.timeline.record(format!(
                    "run returned {ended:?}, {} ms after it was asked to end",
                    asked_at.elapsed().as_millis()
                ));
                ended
            }
            Err(_) => {
                self.timeline
                    .record("still no return from run: the test gives up");
                fail_quietly(format!(
                    "HUNG: the test did not finish: {asked}, and `run` had not returned {} s later \
                     (GRACE is {} ms).\n\n  \
                     The service's future has ended, so `block_on` is done: what is left is the end of \
                     the runtime. Dropping a runtime waits, with no limit, for every `spawn_blocking` \
                     closure still running, and the console read is one, blocked on a line nobody types. \
                     Aborting its JoinHandle does not stop it either.\n  \
                     How can `run` end its runtime without waiting for ever?\n\n  \
                     What happened (real time):\n{}\n  Read again: {CHAPTER}\n",
                    RETURN_LIMIT.as_secs(),
                    GRACE.as_millis(),
                    self.timeline.render()
                ))
            }
        }
    }

    /// Fails unless the helper process has ended (a zombie, ended but not yet
    /// reaped, counts as ended) within GONE_LIMIT of `run`'s return.
    fn check_the_helper_is_gone(&self, how: &str) {
        let deadline = Instant::now() + GONE_LIMIT;
        while is_running(self.pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let running = is_running(self.pid);
        if running {
            self.timeline.record(format!(
                "helper pid {} still running {} s after run returned",
                self.pid,
                GONE_LIMIT.as_secs()
            ));
        }
        Lesson::new(
            CHILD,
            format!(
                "{how}, `run` returned, and the helper (pid {}) is still running: the tool has exited \
                 as far as the user can tell, and left a `sleep 3600` behind.",
                self.pid
            ),
        )
        .ask(
            "Who owned the helper's `Child` when `serve` returned, and what does dropping a \
             `tokio::process::Child` do to the process? Does your answer hold on every way out of \
             `serve`, the `?` and the error branch included?",
        )
        .timeline(&self.timeline)
        .check(!running);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Ends the console (a blocked read returns the end of input), then
        // kills the helper if the code under test left it running.
        self.typing = None;
        if is_running(self.pid) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &self.pid.to_string()])
                .status();
        }
    }
}

/// Whether a process with this pid exists and has not ended (a zombie has ended).
fn is_running(pid: u32) -> bool {
    let state = if Path::new("/proc/self/stat").exists() {
        // The state is the first field after the command name's closing ')'.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.trim_start().chars().next())
            })
    } else {
        std::process::Command::new("ps")
            .args(["-o", "stat=", "-p", &pid.to_string()])
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().chars().next())
    };
    matches!(state, Some(state) if state != 'Z' && state != 'X')
}

#[test]
fn ctrl_c_ends_run_within_its_grace_while_the_console_waits() {
    run_bounded(|| {
        let timeline = Timeline::start();
        let session = start(&timeline);
        // Nothing is typed: the read must be blocked with no line pending,
        // or it could end by itself on its next send.
        session
            .blocked
            .recv_timeout(EVENT_LIMIT)
            .expect("`run` reads its console");
        timeline.record("the console read waits for a line");
        Lesson::new(
            CHILD,
            format!(
                "while `run` waits for a command, its helper (pid {}) has already ended",
                session.pid
            ),
        )
        .ask("Is the helper killed before anyone asked `run` to end?")
        .timeline(&timeline)
        .check(is_running(session.pid));

        timeline.record_cancel("Ctrl+C: stop cancelled while the console waits for a line");
        session.stop.cancel();
        let ended = session.wait_for_return("Ctrl+C came while the console waited for a line");
        Lesson::new(
            CHAPTER,
            format!("after Ctrl+C, `run` returned {ended:?} instead of Ok(Stopped)"),
        )
        .timeline(&timeline)
        .check(matches!(ended, Ok(Ended::Stopped)));
        session.check_the_helper_is_gone("Ctrl+C came while the console waited");
    });
}

#[test]
fn quit_ends_run_and_its_helper() {
    run_bounded(|| {
        let timeline = Timeline::start();
        let session = start(&timeline);
        session.type_line("status");
        session.type_line("quit");
        let ended = session.wait_for_return("the user typed `quit`");
        Lesson::new(
            CHILD,
            format!("after `quit`, `run` returned {ended:?} instead of Ok(Quit)"),
        )
        .timeline(&timeline)
        .check(matches!(ended, Ok(Ended::Quit)));
        // The console is dropped when the thread that reads it ends: a reader
        // that stops at `quit` has let go of it by the time `run` returns.
        let released = session
            .typing
            .as_ref()
            .is_some_and(|typing| typing.send(Ok(b"status\n".to_vec())).is_err());
        Lesson::new(
            CHILD,
            "after `quit`, `run` returned, but something still reads the console: a line typed \
             then was taken.",
        )
        .ask("Does the console reader stop at `quit`, or only when nobody listens any more?")
        .timeline(&timeline)
        .check(released);
        session.check_the_helper_is_gone("the user typed `quit`");
    });
}

#[test]
fn a_console_error_ends_run_and_its_helper() {
    run_bounded(|| {
        let timeline = Timeline::start();
        let session = start(&timeline);
        session.type_line("status");
        session.console_fails();
        let ended = session.wait_for_return("the console read failed");
        Lesson::new(
            CHILD,
            format!(
                "after the console failed, `run` returned {ended:?} instead of the console's error"
            ),
        )
        .timeline(&timeline)
        .check(ended.is_err());
        session.check_the_helper_is_gone("the console failed");
    });
}

//! The examples of the "runtime-shutdown" chapter (src/runtime-shutdown.md) that are not the
//! exercise's solution, compiled and tested here.
//!
//! Sources (tokio 1.54): `src/process/mod.rs` (the module docs: "a spawned
//! process will, by default, continue to execute even after the `Child`
//! handle has been dropped"; `impl Drop for ChildDropGuard` kills only when
//! `kill_on_drop` is set; `Child::kill` is `start_kill` then `wait`) and
//! `src/process/unix/reap.rs` (`impl Drop for Reaper`: a child that has not
//! been waited for goes to the orphan queue, reaped later on a best-effort
//! basis). The runtime's own end is pinned in `pins/runtime.rs`.

use std::io;

use tokio::process::{Child, Command};

// ANCHOR: orphan
/// Starts a helper and forgets it, the way `?` or a dropped future would.
pub fn start_and_drop_a_helper() -> io::Result<u32> {
    let helper: Child = Command::new("sleep").arg("3600").spawn()?;
    let pid = helper.id().expect("it has just started");
    drop(helper); // only the handle goes: `sleep 3600` runs on
    Ok(pid)
}
// ANCHOR_END: orphan

// ANCHOR: kill_on_drop
/// The same helper, tied to its handle: whoever drops the `Child` kills it.
pub fn start_a_tied_helper() -> io::Result<Child> {
    Command::new("sleep").arg("3600").kill_on_drop(true).spawn()
}
// ANCHOR_END: kill_on_drop

// ANCHOR: kill_and_reap
/// Stops a helper for good: `kill` sends SIGKILL and then waits for the
/// exit, so the process is also reaped (no zombie is left).
pub async fn stop_the_helper(helper: &mut Child) -> io::Result<()> {
    helper.kill().await
}
// ANCHOR_END: kill_and_reap

#[cfg(all(test, unix))]
mod tests {
    use std::path::Path;
    use std::thread;
    use std::time::{Duration, Instant};

    use test_support::real_time;

    use super::*;

    /// What the system says of a pid: `None` if no such process exists,
    /// else its state letter (`Z`: ended, not yet reaped).
    fn state(pid: u32) -> Option<char> {
        if Path::new("/proc/self/stat").exists() {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            stat.rsplit_once(')')?.1.trim_start().chars().next()
        } else {
            let out = std::process::Command::new("ps")
                .args(["-o", "stat=", "-p", &pid.to_string()])
                .output()
                .ok()?;
            String::from_utf8_lossy(&out.stdout).trim().chars().next()
        }
    }

    fn is_running(pid: u32) -> bool {
        matches!(state(pid), Some(s) if s != 'Z' && s != 'X')
    }

    /// A kill is delivered asynchronously: wait (bounded) for it to land.
    fn ended_soon(pid: u32) -> bool {
        let deadline = Instant::now() + Duration::from_secs(2);
        while is_running(pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        !is_running(pid)
    }

    fn kill_by_pid(pid: u32) {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }

    #[test]
    fn a_dropped_child_runs_on() {
        real_time(|| async {
            let pid = start_and_drop_a_helper().unwrap();
            // Give a kill, had there been one, the time to land.
            let ended = ended_soon(pid);
            kill_by_pid(pid);
            assert!(!ended, "a dropped Child (no kill_on_drop) was killed");
        });
    }

    #[test]
    fn a_child_with_kill_on_drop_is_killed_by_the_drop() {
        real_time(|| async {
            let helper = start_a_tied_helper().unwrap();
            let pid = helper.id().unwrap();
            assert!(is_running(pid));
            drop(helper);
            let ended = ended_soon(pid);
            kill_by_pid(pid);
            assert!(ended, "kill_on_drop(true): the drop kills the process");
        });
    }

    #[test]
    fn kill_waits_so_nothing_is_left_not_even_a_zombie() {
        real_time(|| async {
            let mut helper = start_a_tied_helper().unwrap();
            let pid = helper.id().unwrap();
            stop_the_helper(&mut helper).await.unwrap();
            // No bounded wait here: `kill().await` returned after the exit.
            assert_eq!(state(pid), None, "after kill().await the pid is gone");
            assert_eq!(helper.id(), None, "the Child knows it has exited");
        });
    }
}

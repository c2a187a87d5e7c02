//! # Solution of exercise 14: a backup checksum that cannot be stopped
//!
//! Chapter: "Blocking and CPU-bound work" (`src/blocking.md`).
//!
//! Code on a blocking thread is not a future: there is no `.await` at which
//! tokio could stop it, so dropping its `JoinHandle`, `abort()` and `select!`
//! only stop the *waiting* for it. The only way to stop it is from inside:
//! the loop looks at the token itself. `is_cancelled()` takes a lock, so the
//! loop looks once every 64 KiB rather than on every read: cheap, and a
//! cancel never costs more than 64 KiB of extra reading.
//!
//! The thread gets a child of the caller's token, and the future holds a drop
//! guard of that child. So the thread also stops when the caller drops
//! `checksum_backup`'s future (a timeout, a client that left), without ever
//! cancelling the caller's own token.

use std::io::{self, Read};

use tokio_util::sync::CancellationToken;

/// A progress report goes out after every mebibyte.
pub const PROGRESS_EVERY: u64 = 1024 * 1024;

#[derive(Debug)]
pub enum VerifyError {
    Cancelled,
    Io(io::Error),
}

impl From<io::Error> for VerifyError {
    fn from(error: io::Error) -> Self {
        VerifyError::Io(error)
    }
}

/// How many bytes the checksum may read between two looks at the token.
pub const CHECK_EVERY: u64 = 64 * 1024;

// ANCHOR: checksum_backup
/// Computes the Adler-32 checksum of a backup, reporting the bytes read so
/// far after every mebibyte.
pub async fn checksum_backup<R>(
    mut backup: R,
    token: CancellationToken,
    on_progress: impl Fn(u64) + Send + 'static,
) -> Result<u32, VerifyError>
where
    R: Read + Send + 'static,
{
    // The thread stops when the caller cancels, and also when the caller
    // drops this future: the guard cancels the child, never the caller's token.
    let stop = token.child_token();
    let _stop_when_dropped = stop.clone().drop_guard();

    let work = tokio::task::spawn_blocking(move || -> Result<u32, VerifyError> {
        let mut sum = Adler32::new();
        let mut buffer = vec![0; 8 * 1024];
        let mut total = 0;
        let mut next_report = PROGRESS_EVERY;
        let mut unchecked = 0;
        loop {
            // Nobody can stop this thread from outside: it stops itself.
            if unchecked >= CHECK_EVERY {
                if stop.is_cancelled() {
                    return Err(VerifyError::Cancelled);
                }
                unchecked = 0;
            }
            let read = backup.read(&mut buffer)?;
            if read == 0 {
                return Ok(sum.finish());
            }
            sum.update(&buffer[..read]);
            total += read as u64;
            unchecked += read as u64;
            if total >= next_report {
                on_progress(total);
                next_report += PROGRESS_EVERY;
            }
        }
    });
    work.await.expect("the checksum thread panicked")
}
// ANCHOR_END: checksum_backup

/// Adler-32, the checksum of zlib: two running sums modulo 65521.
struct Adler32 {
    a: u32,
    b: u32,
}

impl Adler32 {
    const MODULUS: u32 = 65521;

    fn new() -> Self {
        Adler32 { a: 1, b: 0 }
    }

    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.a = (self.a + u32::from(byte)) % Self::MODULUS;
            self.b = (self.b + self.a) % Self::MODULUS;
        }
    }

    fn finish(&self) -> u32 {
        (self.b << 16) | self.a
    }
}

#[cfg(test)]
#[path = "../../../exercises/14_blocking/src/tests.rs"]
mod tests;

//! # Exercise 14: a backup checksum that cannot be stopped
//!
//! Chapter: "Blocking and CPU-bound work" (`src/blocking.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check blocking`.
//!
//! The backup service verifies a backup by streaming it from storage and
//! computing its Adler-32 checksum. A backup can be hundreds of gigabytes,
//! and the read is a blocking `std::io::Read`, so the work runs on tokio's
//! blocking thread pool (`spawn_blocking`), the way .NET code would use
//! `Task.Run` for it. The user can cancel a verification from the UI (that
//! cancels `token`), and a caller can drop its future (a timeout).
//!
//! The code below returns `Cancelled` the moment the token is cancelled, and
//! looks finished. But the thread underneath goes on reading and summing the
//! whole backup, holding a storage connection and a core for hours. Make both
//! ways of stopping stop the reading: at most 64 KiB after the stop.

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
    // Reading and summing block the thread: keep them off the async threads.
    let work = tokio::task::spawn_blocking(move || -> Result<u32, VerifyError> {
        let mut sum = Adler32::new();
        let mut buffer = vec![0; 8 * 1024];
        let mut total = 0;
        let mut next_report = PROGRESS_EVERY;
        loop {
            let read = backup.read(&mut buffer)?;
            if read == 0 {
                return Ok(sum.finish());
            }
            sum.update(&buffer[..read]);
            total += read as u64;
            if total >= next_report {
                on_progress(total);
                next_report += PROGRESS_EVERY;
            }
        }
    });

    // Give up as soon as the user cancels.
    tokio::select! {
        _ = token.cancelled() => Err(VerifyError::Cancelled),
        done = work => done.expect("the checksum thread panicked"),
    }
}

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
mod tests;

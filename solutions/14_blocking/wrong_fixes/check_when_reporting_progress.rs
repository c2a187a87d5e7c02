// WRONG FIX: look at the token where the progress is reported, once a MiB. The thread does stop now, but up to a whole MiB after the cancel: a check must come every 64 KiB.
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
                // A good moment to look at the token: once a MiB.
                if token.is_cancelled() {
                    return Err(VerifyError::Cancelled);
                }
                on_progress(total);
                next_report += PROGRESS_EVERY;
            }
        }
    });
    work.await.expect("the checksum thread panicked")
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

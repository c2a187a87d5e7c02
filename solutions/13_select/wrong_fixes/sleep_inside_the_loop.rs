// WRONG FIX: a cancel-safe `next_line`, but the keep-alive is a `sleep` created inside the loop. Every line that arrives starts that sleep over, so while readings flow faster than once a second, no keep-alive ever goes out.
use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// How often the client must send a keep-alive.
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(1);

/// Reads the sensor's lines until it hangs up, sending a keep-alive once a
/// second meanwhile. Returns the readings, without their line ends.
pub async fn receive_readings<R: AsyncRead + Unpin>(
    connection: R,
    mut send_keepalive: impl FnMut(),
) -> io::Result<Vec<String>> {
    let mut lines = BufReader::new(connection).lines();
    let mut readings = Vec::new();
    loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(reading) => readings.push(reading),
                None => return Ok(readings), // the sensor hung up
            },
            _ = tokio::time::sleep(KEEPALIVE_EVERY) => send_keepalive(),
        }
    }
}

#[cfg(test)]
mod tests;

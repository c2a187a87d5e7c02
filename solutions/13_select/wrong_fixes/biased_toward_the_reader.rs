// WRONG FIX: `biased;` with the read first, so that reading always wins. It only decides which branch is polled first when both are ready; while half a line waits for its second packet the read is not ready, the keep-alive wins, and the read is still dropped.
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
    let mut connection = BufReader::new(connection);
    let mut keepalive = tokio::time::interval(KEEPALIVE_EVERY);
    let mut readings = Vec::new();
    loop {
        let mut line = String::new();
        tokio::select! {
            // Poll the read first, so that it always wins over the keep-alive.
            biased;
            read = connection.read_line(&mut line) => {
                if read? == 0 {
                    return Ok(readings); // the sensor hung up
                }
                readings.push(line.trim_end().to_owned());
            }
            _ = keepalive.tick() => send_keepalive(),
        }
    }
}

#[cfg(test)]
mod tests;

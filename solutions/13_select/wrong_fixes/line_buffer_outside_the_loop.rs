// WRONG FIX: keep the line buffer outside the loop so that a partial line survives. The bytes were already taken from the connection, and a cancelled `read_line` leaves no promise about its buffer (tokio's empties it): the start of the line is still lost.
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
    // Outside the loop, so that a half-read line is kept for the next round.
    let mut line = String::new();
    loop {
        tokio::select! {
            read = connection.read_line(&mut line) => {
                if read? == 0 {
                    return Ok(readings); // the sensor hung up
                }
                readings.push(line.trim_end().to_owned());
                line.clear();
            }
            _ = keepalive.tick() => send_keepalive(),
        }
    }
}

#[cfg(test)]
mod tests;

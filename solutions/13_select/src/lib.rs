//! # Solution of exercise 13: a telemetry feed that loses the start of a line
//!
//! Chapter: "select! and cancel safety" (`src/select.md`).
//!
//! Each time round the loop, `select!` drops the branch that lost. Dropping
//! `read_line` loses the bytes it had already taken from the connection (the
//! method is documented as not cancel safe). `Lines::next_line` keeps a
//! partial line in the `Lines` value itself, which lives outside the loop, so
//! dropping the `next_line` future loses nothing: the next call carries on
//! where the last one stopped. The keep-alive stays an `interval` made before
//! the loop, whose `tick` is cancel safe too, so its rhythm never restarts.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// How often the client must send a keep-alive.
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(1);

// ANCHOR: receive_readings
/// Reads the sensor's lines until it hangs up, sending a keep-alive once a
/// second meanwhile. Returns the readings, without their line ends.
pub async fn receive_readings<R: AsyncRead + Unpin>(
    connection: R,
    mut send_keepalive: impl FnMut(),
) -> io::Result<Vec<String>> {
    // The partial line lives in `lines`, outside the loop: dropping a
    // `next_line` future loses nothing.
    let mut lines = BufReader::new(connection).lines();
    let mut keepalive = tokio::time::interval(KEEPALIVE_EVERY);
    let mut readings = Vec::new();
    loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(reading) => readings.push(reading),
                None => return Ok(readings), // the sensor hung up
            },
            _ = keepalive.tick() => send_keepalive(),
        }
    }
}
// ANCHOR_END: receive_readings

#[cfg(test)]
#[path = "../../../exercises/13_select/src/tests.rs"]
mod tests;

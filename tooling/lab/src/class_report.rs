//! The learner's side of the classroom dashboard: `cargo lab class join`
//! remembers the class in `.lab/class/`, and from then on every check
//! (alone or in watch mode) reports its result to the instructor's server.
//!
//! Reporting must never slow or break the learner's loop, and must lose
//! nothing. So an event is first written to the outbox, then the outbox is
//! sent with a hard time budget (`SEND_BUDGET`); the server acknowledges the
//! ids it has committed and only those leave the outbox.
//!
//! The outbox is a folder with one file per event (`.lab/class/outbox/`),
//! each written to a side name and renamed into place. Two `cargo lab`s at
//! once (the watch loop and a `check` in another terminal) can then never
//! lose each other's events: adding is creating a file, and sending removes
//! only the files of acknowledged ids. At worst both send the same event, and
//! the server stores it once.
//! Whatever was not acknowledged (the server is down, the wifi is gone) is
//! sent with the next check. One line is printed when the server becomes
//! unreachable, one when it is back; nothing otherwise.
//!
//! What is sent: the exercise's name, solved or not, the failing tests'
//! names, hints seen, seconds since the first check of the exercise, when
//! the check ran, and an event id. Never code, never file contents.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The longest a check waits for the class server, connection included.
pub const SEND_BUDGET: Duration = Duration::from_millis(1500);
/// Events per report; the server refuses more than 100.
const BATCH: usize = 100;

/// The class this checkout reports to (`.lab/class/class.toml`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Membership {
    pub url: String,
    pub name: String,
    pub token: String,
}

// ANCHOR: event
/// One check's result, as the server receives it: all that is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per learner, so that a re-sent event is stored once.
    pub id: String,
    /// The exercise's name (`why`), from course.toml.
    pub exercise: String,
    pub solved: bool,
    /// The failing tests' names (empty when it does not compile).
    pub failing: Vec<String>,
    /// How many hints `cargo lab hint` has shown for it.
    pub hints: u32,
    /// Seconds since the learner first checked this exercise.
    pub seconds: u64,
    /// When the check ran (seconds since 1970, the learner's clock).
    pub at: i64,
}
// ANCHOR_END: event

/// What a report's send came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    NotJoined,
    /// Everything in the outbox was acknowledged (it may have been empty).
    AllAcknowledged,
    /// Some or all stays queued; the message says why.
    Queued(String),
}

fn dir(root: &Path) -> PathBuf {
    root.join(".lab").join("class")
}
fn membership_path(root: &Path) -> PathBuf {
    dir(root).join("class.toml")
}
pub fn outbox_dir(root: &Path) -> PathBuf {
    dir(root).join("outbox")
}

/// An event's file in the outbox; ids are hex digits and a dash (made by
/// `queue_and_send`), anything else is replaced so a name stays a name.
fn event_path(root: &Path, id: &str) -> PathBuf {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    outbox_dir(root).join(format!("{name}.json"))
}
/// Present while the server is unreachable: the warning is printed once.
fn unreachable_marker(root: &Path) -> PathBuf {
    dir(root).join("unreachable")
}
/// Events the server refused as invalid: kept, never re-sent.
fn refused_path(root: &Path) -> PathBuf {
    dir(root).join("refused.jsonl")
}

pub fn membership(root: &Path) -> Result<Option<Membership>> {
    match fs_err::read_to_string(membership_path(root)) {
        Ok(text) => Ok(Some(
            toml::from_str(&text).context("`.lab/class/class.toml` is damaged; join again")?,
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn unix_now() -> (u64, u128) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_secs(), since.as_nanos())
}

/// POSTs a JSON body and returns the status and the answer's text.
///
/// HTTP/1.1 through hyper's connection API rather than reqwest: hyper and
/// hyper-util are already built for the book server (axum), and only their
/// client half is added (two small crates), where reqwest would add 33
/// crates (url, idna and ICU's) to every learner's first build of `cargo
/// lab`. A class server is a plain `http://` address on the
/// room's network: no TLS, no proxy, no redirects are needed.
async fn post_json(url: &str, path: &str, body: String) -> Result<(u16, String)> {
    use http_body_util::{BodyExt as _, Full};
    let uri: hyper::Uri = format!("{url}{path}")
        .parse()
        .context("not a valid address")?;
    let host = uri.host().context("the address has no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port)).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    // The connection is driven beside the request; it ends with the
    // runtime that `bounded` makes for this one call.
    tokio::spawn(connection);
    let authority = uri.authority().expect("a host was found").to_string();
    let request = hyper::Request::post(uri)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(axum::body::Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Runs `work` on a runtime of its own, on a thread of its own (the caller
/// may already be inside a runtime, where blocking on another is refused),
/// and gives up after `budget`: the learner's loop never waits longer.
fn bounded<T: Send>(
    budget: Duration,
    work: impl std::future::Future<Output = T> + Send,
) -> Option<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                // The timer is made inside the runtime (it needs its clock).
                let result = runtime
                    .block_on(async { tokio::time::timeout(budget, work).await })
                    .ok();
                // Do not wait for a blocked DNS lookup or the like.
                runtime.shutdown_background();
                result
            })
            .join()
            .ok()
            .flatten()
    })
}

/// `cargo lab class join URL CODE --name NAME`.
pub fn join(root: &Path, url: &str, code: &str, name: &str) -> Result<()> {
    let url = url.trim_end_matches('/');
    if !url.starts_with("http://") {
        bail!(
            "`{url}` is not a class server's address: it starts with http:// (copy the instructor's join line)"
        );
    }
    let body = serde_json::json!({ "code": code, "name": name }).to_string();
    let answer = bounded(Duration::from_secs(5), post_json(url, "/api/join", body))
        .with_context(|| format!("the class server at {url} did not answer within 5 s"))?
        .with_context(|| format!("cannot reach the class server at {url}"))?;
    let (status, text) = answer;
    if status != 200 {
        let reason = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or(text);
        bail!("the class server refused to let you join: {reason}");
    }
    #[derive(Deserialize)]
    struct Joined {
        token: String,
    }
    let joined: Joined = serde_json::from_str(&text)
        .context("the class server's answer is not what it should be")?;
    let membership = Membership {
        url: url.to_owned(),
        name: name.trim().to_owned(),
        token: joined.token,
    };
    fs_err::create_dir_all(dir(root))?;
    // A new class starts with an empty outbox: the old class's events are not
    // this server's.
    let _ = fs_err::remove_dir_all(outbox_dir(root));
    let _ = fs_err::remove_file(unreachable_marker(root));
    fs_err::write(
        membership_path(root),
        toml::to_string(&membership).expect("membership serialises"),
    )?;
    println!(
        "Joined the class at {url} as `{}`. Each check now reports its result there \
         (exercise, solved or not, failing tests' names, hints, time; never your code). \
         `cargo lab class leave` stops it.",
        membership.name
    );
    Ok(())
}

/// `cargo lab class leave`: forgets the class and what was not sent yet.
pub fn leave(root: &Path) -> Result<()> {
    if membership(root)?.is_none() {
        println!("This checkout is not in a class: nothing to leave.");
        return Ok(());
    }
    let unsent = read_outbox(root)?.len();
    fs_err::remove_dir_all(dir(root))?;
    println!("Left the class: nothing is reported any more ({unsent} unsent reports dropped).");
    Ok(())
}

/// What a check knows about itself.
pub struct CheckResult<'a> {
    pub exercise: &'a str,
    pub solved: bool,
    pub failing: &'a [String],
    pub hints: usize,
    pub first_checked: u64,
}

/// Called after every check: queues the event and sends the outbox, within
/// `SEND_BUDGET`. Does nothing outside a class. Never fails the check: a
/// problem is at most one printed line.
pub fn report_check(root: &Path, check: &CheckResult) {
    match queue_and_send(root, check) {
        Ok(_) => {}
        Err(error) => println!("(class: the report could not be queued: {error:#})"),
    }
}

fn queue_and_send(root: &Path, check: &CheckResult) -> Result<Sent> {
    if membership(root)?.is_none() {
        return Ok(Sent::NotJoined);
    }
    let (now, nanos) = unix_now();
    let event = Event {
        // Unique per learner: a check is not run twice in a nanosecond,
        // and the process id separates two terminals' checks.
        id: format!("{nanos:x}-{:x}", std::process::id()),
        exercise: check.exercise.to_owned(),
        solved: check.solved,
        failing: check.failing.to_vec(),
        hints: u32::try_from(check.hints).unwrap_or(u32::MAX),
        seconds: now.saturating_sub(check.first_checked),
        at: i64::try_from(now).unwrap_or(i64::MAX),
    };
    append(root, &event)?;
    send_outbox(root)
}

fn append(root: &Path, event: &Event) -> Result<()> {
    fs_err::create_dir_all(outbox_dir(root))?;
    let path = event_path(root, &event.id);
    // Written whole under a side name, then renamed: a crash leaves at most
    // a `.partial` file, which `read_outbox` ignores.
    let partial = path.with_extension("json.partial");
    fs_err::write(&partial, serde_json::to_string(event)?)?;
    Ok(fs_err::rename(&partial, &path)?)
}

/// Every queued event, oldest first. A file that cannot be read as an event
/// is left where it is and skipped.
pub fn read_outbox(root: &Path) -> Result<Vec<Event>> {
    let entries = match fs_err::read_dir(outbox_dir(root)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let mut events: Vec<Event> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| fs_err::read_to_string(path).ok())
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect();
    events.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    Ok(events)
}

/// Removes the events `gone` from the outbox (already gone is fine: another
/// `cargo lab` sent them too).
fn remove_from_outbox(root: &Path, gone: &[String]) -> Result<()> {
    for id in gone {
        match fs_err::remove_file(event_path(root, id)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    Ok(())
}

/// Sends what the outbox holds (a batch at most), within `SEND_BUDGET`.
pub fn send_outbox(root: &Path) -> Result<Sent> {
    let Some(membership) = membership(root)? else {
        return Ok(Sent::NotJoined);
    };
    let pending = read_outbox(root)?;
    if pending.is_empty() {
        return Ok(Sent::AllAcknowledged);
    }
    let batch: Vec<Event> = pending.iter().take(BATCH).cloned().collect();
    let body = serde_json::json!({ "token": membership.token, "events": batch }).to_string();
    let answer = bounded(SEND_BUDGET, post_json(&membership.url, "/api/report", body));
    let marker = unreachable_marker(root);
    let (status, text) = match answer {
        Some(Ok(answer)) => answer,
        failed => {
            let why = match failed {
                Some(Err(error)) => format!("{error:#}"),
                _ => format!("no answer within {} ms", SEND_BUDGET.as_millis()),
            };
            if !marker.exists() {
                println!(
                    "(class: the server at {} is unreachable; your results are kept and sent when it is back.)",
                    membership.url
                );
                fs_err::write(&marker, &why)?;
            }
            return Ok(Sent::Queued(why));
        }
    };
    if marker.exists() {
        fs_err::remove_file(&marker)?;
        println!("(class: the server is back; the queued results are being sent.)");
    }
    match status {
        200 => {
            #[derive(Deserialize)]
            struct Acked {
                acked: Vec<String>,
            }
            let acked: Acked =
                serde_json::from_str(&text).context("the class server's answer is malformed")?;
            remove_from_outbox(root, &acked.acked)?;
            if read_outbox(root)?.is_empty() {
                Ok(Sent::AllAcknowledged)
            } else {
                Ok(Sent::Queued("more than one batch queued".into()))
            }
        }
        429 => Ok(Sent::Queued("the server asks to slow down".into())),
        400 | 413 => {
            // Invalid for this server (another course's exercise, say):
            // kept aside so it never blocks the queue, and never lost.
            use std::io::Write as _;
            let mut refused = fs_err::OpenOptions::new()
                .create(true)
                .append(true)
                .open(refused_path(root))?;
            for event in &batch {
                writeln!(refused, "{}", serde_json::to_string(event)?)?;
            }
            let ids: Vec<String> = batch.iter().map(|e| e.id.clone()).collect();
            remove_from_outbox(root, &ids)?;
            println!(
                "(class: the server refused a report: {text}; kept in .lab/class/refused.jsonl)"
            );
            Ok(Sent::Queued(text))
        }
        401 => {
            println!(
                "(class: the server does not know you any more; `cargo lab class join` again.)"
            );
            Ok(Sent::Queued(text))
        }
        _ => Ok(Sent::Queued(format!(
            "the server answered {status}: {text}"
        ))),
    }
}

/// `cargo lab class serve` and `export`: the server is a crate of its own
/// (`tooling/class`) that only the instructor compiles, so these run it
/// through cargo. On Unix cargo replaces this process, so Ctrl+C reaches
/// the server alone and its graceful shutdown is not cut short by ours.
pub fn run_server(root: &Path, args: &[String]) -> Result<std::process::ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(root)
        .args(["run", "--quiet", "--package", "lab-class", "--"])
        .args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let error = command.exec();
        Err(error).context("cannot run cargo for the class server")
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .context("cannot run cargo for the class server")?;
        Ok(std::process::ExitCode::from(
            u8::try_from(status.code().unwrap_or(2)).unwrap_or(2),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lab-class-report-{name}-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&dir);
        fs_err::create_dir_all(&dir).unwrap();
        dir
    }

    fn check(solved: bool) -> CheckResult<'static> {
        CheckResult {
            exercise: "why",
            solved,
            failing: &[],
            hints: 0,
            first_checked: 0,
        }
    }

    #[test]
    fn outside_a_class_a_check_reports_nothing_and_writes_nothing() {
        let root = scratch("outside");
        assert_eq!(
            queue_and_send(&root, &check(true)).unwrap(),
            Sent::NotJoined
        );
        assert!(!dir(&root).exists(), "nothing under .lab/class/");
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn an_address_that_is_not_http_is_refused_before_any_connection() {
        let root = scratch("address");
        for url in ["192.168.1.20:7878", "https://class.example:7878"] {
            let error = join(&root, url, "ABCDEF", "Ada").unwrap_err().to_string();
            assert!(error.contains("starts with http://"), "{url}: {error}");
        }
        assert!(membership(&root).unwrap().is_none());
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_damaged_or_half_written_event_is_skipped_and_the_others_are_kept() {
        let root = scratch("partial");
        let event = |id: &str, at| Event {
            id: id.into(),
            exercise: "why".into(),
            solved: false,
            failing: vec!["t".into()],
            hints: 1,
            seconds: 5,
            at,
        };
        append(&root, &event("b", 2)).unwrap();
        append(&root, &event("a", 1)).unwrap();
        fs_err::write(outbox_dir(&root).join("c.json"), "{\"id\": \"c\", \"exer").unwrap();
        fs_err::write(outbox_dir(&root).join("d.json.partial"), "{").unwrap();
        assert_eq!(
            read_outbox(&root).unwrap(),
            vec![event("a", 1), event("b", 2)],
            "oldest first, the damaged and the partial skipped"
        );
        remove_from_outbox(&root, &["a".into(), "never-queued".into()]).unwrap();
        assert_eq!(read_outbox(&root).unwrap(), vec![event("b", 2)]);
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn two_runners_sending_at_once_lose_no_event() {
        // One runner's send removes what the server acknowledged while the
        // other adds an event: the new one stays.
        let root = scratch("two");
        let event = |id: &str| Event {
            id: id.into(),
            exercise: "why".into(),
            solved: true,
            failing: vec![],
            hints: 0,
            seconds: 1,
            at: 1,
        };
        append(&root, &event("first")).unwrap();
        let seen = read_outbox(&root).unwrap();
        append(&root, &event("second")).unwrap();
        let acked: Vec<String> = seen.iter().map(|e| e.id.clone()).collect();
        remove_from_outbox(&root, &acked).unwrap();
        assert_eq!(read_outbox(&root).unwrap(), vec![event("second")]);
        fs_err::remove_dir_all(root).unwrap();
    }
}

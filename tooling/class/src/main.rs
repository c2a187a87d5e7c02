//! `lab-class`: the instructor's server (`cargo lab class serve` runs it)
//! and the CSV export. Ctrl+C stops the server gracefully: a
//! CancellationToken ends `axum::serve`'s accept loop, requests in flight
//! are answered, the database is closed; if that takes longer than
//! `DRAIN_LIMIT`, the process exits anyway (every acknowledged report is
//! already committed).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use lab_class::{Options, exercise_names, find_course_root, room_address, store::Store};

const DRAIN_LIMIT: Duration = Duration::from_secs(5);

#[derive(Parser)]
#[command(
    name = "cargo lab class",
    about = "The classroom dashboard (instructors)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The class database (default: .lab/class-server/class.db in the course)
    #[arg(long, global = true)]
    db: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the class server and print the join line and the dashboard's address
    Serve {
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// The address to listen on (every interface by default, so the room can reach it)
        #[arg(long, default_value = "0.0.0.0")]
        bind: IpAddr,
    },
    /// Write every reported check as CSV
    Export {
        /// The file to write (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cargo lab class: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let root = find_course_root(&std::env::current_dir()?)?;
    let db = cli
        .db
        .unwrap_or_else(|| root.join(".lab/class-server/class.db"));
    match cli.command {
        Command::Serve { port, bind } => {
            serve(db, SocketAddr::new(bind, port), exercise_names(&root)?).await
        }
        Command::Export { out } => {
            let store = Store::open(&db).await?;
            let csv = lab_class::export::csv(&store).await?;
            store.close().await;
            match out {
                Some(path) => {
                    std::fs::write(&path, csv)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{csv}"),
            }
            Ok(())
        }
    }
}

async fn serve(db: PathBuf, listen: SocketAddr, exercises: Vec<String>) -> Result<()> {
    let shutdown = CancellationToken::new();
    let running = lab_class::start(
        Options {
            db: db.clone(),
            listen,
            exercises,
        },
        shutdown.clone(),
    )
    .await?;
    let port = running.addr.port();
    println!(
        "join: cargo lab class join http://{}:{port} {}",
        room_address(listen),
        running.join_code
    );
    println!("dashboard: http://127.0.0.1:{port}/?key={}", running.key);
    println!("(data in {}; Ctrl+C stops the server)", db.display());
    let mut task = running.task;
    tokio::select! {
        finished = &mut task => return finished.context("the server task panicked")?,
        signal = tokio::signal::ctrl_c() => signal.context("cannot listen for Ctrl+C")?,
    }
    println!(
        "stopping: answering the requests in flight (at most {} s) ...",
        DRAIN_LIMIT.as_secs()
    );
    shutdown.cancel();
    match tokio::time::timeout(DRAIN_LIMIT, task).await {
        Ok(finished) => finished.context("the server task panicked")??,
        Err(_) => println!(
            "some connections were still open after {} s; stopped anyway",
            DRAIN_LIMIT.as_secs()
        ),
    }
    println!("stopped; everything acknowledged is in {}", db.display());
    Ok(())
}

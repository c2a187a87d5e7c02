//! The class's data in SQLite: the join code and dashboard key, the learners
//! and every event they reported. An acknowledgement is only sent after the
//! transaction that holds the batch has committed (WAL, `synchronous=FULL`),
//! so a server killed right after answering loses nothing it acknowledged.
//! Each event is stored once: `(learner, event id)` is UNIQUE, and a re-sent
//! event (its first acknowledgement was lost) is acknowledged again, not
//! stored twice.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use sqlx::{Row, SqlitePool as Pool};

use crate::secrets;
use crate::wire::Event;

/// One stored event, as the dashboard and the export read it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub learner: i64,
    pub exercise: String,
    pub solved: bool,
    pub failing: Vec<String>,
    pub hints: u32,
    pub seconds: u64,
    pub received_at: i64,
}

#[derive(Debug, Clone)]
pub struct Learner {
    pub id: i64,
    pub name: String,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    pub async fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = Pool::connect_with(options)
            .await
            .with_context(|| format!("cannot open the class database {}", path.display()))?;
        let store = Store { pool };
        store.create_schema().await?;
        Ok(store)
    }

    async fn create_schema(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS learners (
                 id INTEGER PRIMARY KEY,
                 token TEXT NOT NULL UNIQUE,
                 name TEXT NOT NULL,
                 joined_at INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS events (
                 learner INTEGER NOT NULL REFERENCES learners(id),
                 event_id TEXT NOT NULL,
                 exercise TEXT NOT NULL,
                 solved INTEGER NOT NULL,
                 failing TEXT NOT NULL,
                 hints INTEGER NOT NULL,
                 seconds INTEGER NOT NULL,
                 reported_at INTEGER NOT NULL,
                 received_at INTEGER NOT NULL,
                 UNIQUE (learner, event_id));",
        )
        .execute(&self.pool)
        .await
        .context("cannot create the class tables")?;
        Ok(())
    }

    /// The value kept under `key`, made by `make` the first time: the join
    /// code and the key survive a restart, so the room need not re-join.
    pub async fn secret(&self, key: &str, make: fn() -> String) -> Result<String> {
        sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(make())
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn add_learner(&self, name: &str, now: i64) -> Result<String> {
        let token = secrets::token();
        sqlx::query("INSERT INTO learners (token, name, joined_at) VALUES (?, ?, ?)")
            .bind(&token)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    pub async fn learner_by_token(&self, token: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM learners WHERE token = ?")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores a batch in one transaction and returns the ids to acknowledge:
    /// all of them, the new and the already stored.
    pub async fn add_events(
        &self,
        learner: i64,
        events: &[Event],
        now: i64,
    ) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        for event in events {
            sqlx::query(
                "INSERT OR IGNORE INTO events (learner, event_id, exercise, solved, failing,
                     hints, seconds, reported_at, received_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(learner)
            .bind(&event.id)
            .bind(&event.exercise)
            .bind(event.solved)
            .bind(serde_json::to_string(&event.failing)?)
            .bind(event.hints)
            .bind(i64::try_from(event.seconds).unwrap_or(i64::MAX))
            .bind(event.at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(events.iter().map(|e| e.id.clone()).collect())
    }

    pub async fn learners(&self) -> Result<Vec<Learner>> {
        let rows = sqlx::query("SELECT id, name FROM learners ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| Learner {
                id: row.get("id"),
                name: row.get("name"),
            })
            .collect())
    }

    /// Every event, oldest first.
    pub async fn events(&self) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT learner, exercise, solved, failing, hints, seconds, received_at
             FROM events ORDER BY rowid",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredEvent {
                    learner: row.get("learner"),
                    exercise: row.get("exercise"),
                    solved: row.get("solved"),
                    failing: serde_json::from_str(row.get("failing"))?,
                    hints: row.get("hints"),
                    seconds: u64::try_from(row.get::<i64, _>("seconds")).unwrap_or(0),
                    received_at: row.get("received_at"),
                })
            })
            .collect()
    }

    pub async fn event_ids(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT learner, event_id FROM events")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get("learner"), row.get("event_id")))
            .collect())
    }

    /// Waits for the connections to finish and closes them (the WAL is
    /// checkpointed when the last one closes).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

//! The learner's progress: which exercises are solved and how many hints
//! were shown. Kept in `.lab/progress.toml` at the course root (git-ignored).
//!
//! A progress file that cannot be read is never dropped in silence: it is
//! reported, kept beside the new one as `progress.toml.damaged`, and a fresh
//! file is started.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Progress {
    #[serde(default)]
    exercise: BTreeMap<String, ExerciseProgress>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct ExerciseProgress {
    #[serde(default)]
    solved: bool,
    #[serde(default)]
    hints_seen: usize,
    /// When the exercise was first checked (seconds since 1970): the class
    /// dashboard's "time on the exercise". Older progress files lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_checked: Option<u64>,
}

fn path(root: &Path) -> PathBuf {
    root.join(".lab").join("progress.toml")
}

impl Progress {
    pub fn load(root: &Path) -> Result<Progress> {
        let path = path(root);
        let text = match fs_err::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Progress::default());
            }
            Err(error) => return Err(error.into()),
        };
        match toml::from_str(&text) {
            Ok(progress) => Ok(progress),
            Err(error) => {
                let kept = path.with_extension("toml.damaged");
                fs_err::rename(&path, &kept)
                    .context("cannot move the damaged progress file aside")?;
                eprintln!(
                    "cargo lab: your progress file {} was damaged ({}).\n\
                     It is kept as {}; starting a fresh one. Re-run `cargo lab check NAME` to mark solved exercises again.",
                    path.display(),
                    error.message().trim(),
                    kept.display()
                );
                Ok(Progress::default())
            }
        }
    }

    pub fn save(&self, root: &Path) -> Result<()> {
        let path = path(root);
        fs_err::create_dir_all(path.parent().expect("the progress file is in a folder"))?;
        let text = format!(
            "# Your progress in the course, written by `cargo lab`. Safe to delete.\n\n{}",
            toml::to_string(self).expect("progress serialises")
        );
        // Write a new file and rename it over the old one, so that an
        // interrupted save never leaves half a file behind.
        let partial = path.with_extension("toml.partial");
        fs_err::write(&partial, text)?;
        Ok(fs_err::rename(&partial, &path)?)
    }

    pub fn is_solved(&self, name: &str) -> bool {
        self.exercise.get(name).is_some_and(|e| e.solved)
    }

    pub fn mark_solved(&mut self, name: &str) {
        self.exercise.entry(name.to_owned()).or_default().solved = true;
    }

    pub fn mark_unsolved(&mut self, name: &str) {
        self.exercise.entry(name.to_owned()).or_default().solved = false;
    }

    pub fn hints_seen(&self, name: &str) -> usize {
        self.exercise.get(name).map_or(0, |e| e.hints_seen)
    }

    pub fn set_hints_seen(&mut self, name: &str, seen: usize) {
        self.exercise.entry(name.to_owned()).or_default().hints_seen = seen;
    }

    /// When the exercise was first checked, recording `now` if never.
    pub fn first_checked(&mut self, name: &str, now: u64) -> u64 {
        let entry = self.exercise.entry(name.to_owned()).or_default();
        *entry.first_checked.get_or_insert(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-progress-{name}-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&dir);
        fs_err::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn progress_survives_a_restart() {
        let root = scratch("restart");
        let mut progress = Progress::load(&root).unwrap();
        progress.mark_solved("why");
        progress.set_hints_seen("checking", 2);
        progress.save(&root).unwrap();

        let progress = Progress::load(&root).unwrap();
        assert!(progress.is_solved("why"));
        assert!(!progress.is_solved("checking"));
        assert_eq!(progress.hints_seen("checking"), 2);
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn the_first_check_time_is_kept_and_an_old_file_without_it_loads() {
        let root = scratch("first-checked");
        fs_err::create_dir_all(root.join(".lab")).unwrap();
        fs_err::write(
            path(&root),
            "[exercise.why]\nsolved = false\nhints_seen = 1\n",
        )
        .unwrap();
        let mut progress = Progress::load(&root).unwrap();
        assert_eq!(progress.hints_seen("why"), 1, "the old file loaded");
        assert_eq!(progress.first_checked("why", 100), 100);
        progress.save(&root).unwrap();
        let mut progress = Progress::load(&root).unwrap();
        assert_eq!(
            progress.first_checked("why", 500),
            100,
            "the first time stays"
        );
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_damaged_file_is_kept_aside_and_replaced() {
        let root = scratch("damaged");
        fs_err::create_dir_all(root.join(".lab")).unwrap();
        fs_err::write(path(&root), "[exercise.why\nsolved = tru").unwrap();

        let progress = Progress::load(&root).unwrap();
        assert!(!progress.is_solved("why"));
        let kept = fs_err::read_to_string(root.join(".lab/progress.toml.damaged")).unwrap();
        assert_eq!(
            kept, "[exercise.why\nsolved = tru",
            "the damaged file is kept as it was"
        );
        fs_err::remove_dir_all(root).unwrap();
    }
}

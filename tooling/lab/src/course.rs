//! The course manifest, `course.toml`: the exercises in order, with their
//! chapter, topics, the tests the starter must fail, and hints. The wrong
//! fixes are not listed here: each is a patch file that says what it needs
//! (see `wrong_fix`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::files::read;

#[derive(Debug, Deserialize)]
struct Manifest {
    exercise: Vec<Exercise>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub name: String,
    pub dir: String,
    pub chapter: String,
    pub topics: Vec<String>,
    pub starter_fails: Vec<String>,
    pub hints: Vec<String>,
}

#[derive(Clone)]
pub struct Course {
    pub root: PathBuf,
    pub exercises: Vec<Exercise>,
}

/// The course's root folder: two levels above this crate, unless
/// `LAB_ROOT` names another copy of the course (the runner's own tests use it).
pub fn root() -> PathBuf {
    match std::env::var_os("LAB_ROOT") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .expect("the course root exists"),
    }
}

impl Exercise {
    /// An exercise with one hint and nothing else, for unit tests.
    #[cfg(test)]
    pub fn for_tests(name: &str, dir: &str, chapter: &str) -> Exercise {
        Exercise {
            name: name.into(),
            dir: dir.into(),
            chapter: chapter.into(),
            topics: vec![],
            starter_fails: vec![],
            hints: vec!["h".into()],
        }
    }
}

impl Course {
    pub fn load(root: &Path) -> Result<Course> {
        let path = root.join("course.toml");
        let manifest: Manifest = toml::from_str(&read(&path)?)
            .with_context(|| format!("{} is not valid", path.display()))?;
        for exercise in &manifest.exercise {
            if exercise.hints.is_empty() {
                bail!("course.toml: exercise `{}` has no hints", exercise.name);
            }
        }
        Ok(Course {
            root: root.to_owned(),
            exercises: manifest.exercise,
        })
    }

    /// Finds an exercise by name (`why`), folder (`01_why`) or the number its
    /// folder starts with (`1`, `01`, `18b`). A misspelt name gets the
    /// closest name and the whole list; a number that is no exercise gets the
    /// range of numbers.
    pub fn find(&self, wanted: &str) -> Result<&Exercise> {
        let number = wanted.trim_start_matches('0');
        if let Some(exercise) = self.exercises.iter().find(|e| {
            e.name == wanted || e.dir == wanted || (!number.is_empty() && e.number() == number)
        }) {
            return Ok(exercise);
        }
        let names: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
        if wanted.starts_with(|c: char| c.is_ascii_digit()) {
            let (first, last) = (
                &self.exercises[0],
                &self.exercises[self.exercises.len() - 1],
            );
            bail!(
                "there is no exercise number {wanted}: the exercises are numbered {} (`{}`) to {} (`{}`).\nThe exercises are: {}",
                first.number(),
                first.name,
                last.number(),
                last.name,
                names.join(", ")
            );
        }
        let closest = names
            .iter()
            .copied()
            .min_by_key(|name| edit_distance(name, wanted));
        let suggestion = match closest {
            Some(name) if edit_distance(name, wanted) <= 3 => format!(" Did you mean `{name}`?"),
            _ => String::new(),
        };
        bail!(
            "there is no exercise called `{wanted}`.{suggestion}\nThe exercises are: {}",
            names.join(", ")
        )
    }

    /// The exercise that comes after this one, if any.
    pub fn after(&self, exercise: &Exercise) -> Option<&Exercise> {
        let index = self
            .exercises
            .iter()
            .position(|e| e.name == exercise.name)?;
        self.exercises.get(index + 1)
    }
}

impl Exercise {
    /// The number its folder starts with, without leading zeros: `1`, `18b`.
    pub fn number(&self) -> &str {
        self.dir
            .split('_')
            .next()
            .unwrap_or_default()
            .trim_start_matches('0')
    }

    pub fn starter_dir(&self, root: &Path) -> PathBuf {
        root.join("exercises").join(&self.dir)
    }

    pub fn solution_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(&self.dir)
    }

    pub fn wrong_fixes_dir(&self, root: &Path) -> PathBuf {
        self.solution_dir(root).join("wrong_fixes")
    }

    /// The package name in the exercise's Cargo.toml.
    pub fn package_name(&self, root: &Path) -> Result<String> {
        package_name(&self.starter_dir(root).join("Cargo.toml"))
    }
}

/// The `[package] name` of a Cargo.toml.
pub fn package_name(manifest: &Path) -> Result<String> {
    let table: toml::Table = toml::from_str(&read(manifest)?)
        .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    table
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .with_context(|| format!("{} has no [package] name", manifest.display()))
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::files_under;
    use crate::wrong_fix::WrongFix;

    fn course() -> Course {
        Course::load(&root()).expect("course.toml loads")
    }

    #[test]
    fn exercises_are_found_by_name_folder_and_number() {
        let course = course();
        let first = &course.exercises[0];
        assert_eq!(course.find(&first.name).unwrap().dir, first.dir);
        assert_eq!(course.find(&first.dir).unwrap().name, first.name);
        assert_eq!(course.find("1").unwrap().name, first.name);
        assert_eq!(course.find("01").unwrap().name, first.name);
        let second_part = course.exercises.iter().find(|e| e.dir.starts_with("18b_"));
        if let Some(second_part) = second_part {
            assert_eq!(course.find("18b").unwrap().name, second_part.name);
        }
    }

    #[test]
    fn a_misspelt_name_gets_a_suggestion_and_the_list() {
        let course = course();
        let error = course.find("wy").unwrap_err().to_string();
        assert!(error.contains("Did you mean `why`?"), "{error}");
        assert!(error.contains("token-basics"), "{error}");
    }

    #[test]
    fn a_number_that_is_no_exercise_gets_the_range() {
        let course = course();
        let error = course.find("99").unwrap_err().to_string();
        let last = course.exercises.last().unwrap();
        assert!(
            error.contains(&format!(
                "no exercise number 99: the exercises are numbered 1 (`why`) to {} (`{}`)",
                last.number(),
                last.name
            )),
            "{error}"
        );
        assert!(!error.contains("Did you mean"), "{error}");
    }

    /// Every exercise in the manifest has its folders, chapter and wrong
    /// fixes on disk, and nothing on disk is missing from the manifest.
    #[test]
    fn the_manifest_matches_the_folders() {
        let course = course();
        let root = &course.root;
        for exercise in &course.exercises {
            for (file, what) in [
                (exercise.starter_dir(root).join("src/lib.rs"), "starter"),
                (exercise.starter_dir(root).join("src/tests.rs"), "tests.rs"),
                (exercise.solution_dir(root).join("src/lib.rs"), "solution"),
                (root.join("src").join(&exercise.chapter), "chapter"),
            ] {
                assert!(file.is_file(), "{}: no {what}", exercise.name);
            }
            let wrong_fixes = WrongFix::all(root, exercise).unwrap();
            assert!(
                wrong_fixes.len() >= 4,
                "{}: fewer than four wrong fixes",
                exercise.name
            );
            for file in files_under(&exercise.wrong_fixes_dir(root)).unwrap() {
                assert!(
                    file.extension().is_some_and(|ext| ext == "patch"),
                    "{}: only patches belong in wrong_fixes/",
                    file.display()
                );
            }
        }
        let mut dirs: Vec<String> = fs_err::read_dir(root.join("exercises"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort_unstable();
        let listed: Vec<String> = course.exercises.iter().map(|e| e.dir.clone()).collect();
        assert_eq!(dirs, listed, "exercises/ vs course.toml (in order)");
    }
}

//! The course manifest, `course.toml`: the exercises in order, with their
//! chapter, hints, and the wrong fixes that the tests must reject.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Manifest {
    exercise: Vec<Exercise>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub name: String,
    pub dir: String,
    pub chapter: String,
    pub topics: Vec<String>,
    pub starter_fails: Vec<String>,
    pub hints: Vec<String>,
    #[serde(default)]
    pub wrong_fix: Vec<WrongFix>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrongFix {
    pub file: String,
    pub fails: Vec<String>,
    /// It hangs or spins: each failing test must be stopped by the watchdog.
    #[serde(default)]
    pub hangs: bool,
}

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

impl Course {
    pub fn load(root: &Path) -> Result<Course, String> {
        let path = root.join("course.toml");
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))?;
        for exercise in &manifest.exercise {
            if exercise.hints.is_empty() {
                return Err(format!(
                    "course.toml: exercise `{}` has no hints",
                    exercise.name
                ));
            }
        }
        Ok(Course {
            root: root.to_owned(),
            exercises: manifest.exercise,
        })
    }

    /// Finds an exercise by name (`why`), folder (`01_why`) or the number its
    /// folder starts with (`1`, `01`, `18b`); a misspelt name gets the closest
    /// names and the whole list.
    pub fn find(&self, wanted: &str) -> Result<&Exercise, String> {
        let number = wanted.trim_start_matches('0');
        if let Some(exercise) = self.exercises.iter().find(|e| {
            e.name == wanted || e.dir == wanted || (!number.is_empty() && e.number() == number)
        }) {
            return Ok(exercise);
        }
        let names: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
        let closest = names
            .iter()
            .copied()
            .min_by_key(|name| edit_distance(name, wanted));
        let suggestion = match closest {
            Some(name) if edit_distance(name, wanted) <= 3 => format!(" Did you mean `{name}`?"),
            _ => String::new(),
        };
        Err(format!(
            "there is no exercise called `{wanted}`.{suggestion}\nThe exercises are: {}",
            names.join(", ")
        ))
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

    /// The package name in the exercise's Cargo.toml.
    pub fn package_name(&self, root: &Path) -> Result<String, String> {
        package_name(&self.starter_dir(root).join("Cargo.toml"))
    }
}

/// The `[package] name` of a Cargo.toml.
pub fn package_name(manifest: &Path) -> Result<String, String> {
    let text = fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest.display()))?;
    table
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no [package] name", manifest.display()))
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
        let error = course.find("wy").unwrap_err();
        assert!(error.contains("Did you mean `why`?"), "{error}");
        assert!(error.contains("token-basics"), "{error}");
    }

    /// Every exercise in the manifest has its folders, chapter and wrong
    /// fixes on disk, and nothing on disk is missing from the manifest.
    #[test]
    fn the_manifest_matches_the_folders() {
        let course = course();
        let root = &course.root;
        for exercise in &course.exercises {
            assert!(
                exercise.starter_dir(root).join("src/lib.rs").is_file(),
                "{}: no starter",
                exercise.name
            );
            assert!(
                exercise.starter_dir(root).join("src/tests.rs").is_file(),
                "{}: no tests.rs",
                exercise.name
            );
            assert!(
                exercise.solution_dir(root).join("src/lib.rs").is_file(),
                "{}: no solution",
                exercise.name
            );
            assert!(
                root.join("src").join(&exercise.chapter).is_file(),
                "{}: no chapter",
                exercise.name
            );
            assert!(
                exercise.wrong_fix.len() >= 2,
                "{}: fewer than two wrong fixes",
                exercise.name
            );
            let mut listed: Vec<&str> =
                exercise.wrong_fix.iter().map(|w| w.file.as_str()).collect();
            let mut on_disk: Vec<String> =
                fs::read_dir(exercise.solution_dir(root).join("wrong_fixes"))
                    .unwrap()
                    .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
            listed.sort_unstable();
            on_disk.sort_unstable();
            assert_eq!(
                listed, on_disk,
                "{}: wrong fixes in course.toml vs on disk",
                exercise.name
            );
            for fix in &exercise.wrong_fix {
                let text = fs::read_to_string(
                    exercise
                        .solution_dir(root)
                        .join("wrong_fixes")
                        .join(&fix.file),
                )
                .unwrap();
                assert!(
                    text.starts_with("// WRONG FIX: "),
                    "{}: must open with `// WRONG FIX: `",
                    fix.file
                );
            }
        }
        let mut dirs: Vec<String> = fs::read_dir(root.join("exercises"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort_unstable();
        let listed: Vec<String> = course.exercises.iter().map(|e| e.dir.clone()).collect();
        assert_eq!(dirs, listed, "exercises/ vs course.toml (in order)");
    }
}

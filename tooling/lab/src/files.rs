//! File helpers. Every error names its file (fs-err), and there is one way
//! to walk a folder (walkdir).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use walkdir::WalkDir;

/// Every file under `dir` (not folders), in a stable order. A missing folder
/// has no files.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot walk {}", dir.display()))?;
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Copies a folder and everything in it. A file whose copy already has the
/// same bytes is left alone, so its modification time (which cargo uses to
/// decide what to rebuild) does not change.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for file in files_under(from)? {
        let relative = file.strip_prefix(from).expect("walked from `from`");
        write_if_changed(&to.join(relative), fs_err::read(&file)?)?;
    }
    Ok(())
}

/// Writes the file (and its folder) unless it already holds exactly these bytes.
pub fn write_if_changed(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    if fs_err::read(path).is_ok_and(|old| old == bytes.as_ref()) {
        return Ok(());
    }
    write(path, bytes)
}

pub fn read(path: &Path) -> Result<String> {
    Ok(fs_err::read_to_string(path)?)
}

/// Writes a file, creating its folder first.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs_err::create_dir_all(dir)?;
    }
    Ok(fs_err::write(path, bytes)?)
}

/// What a set of folders looks like now: every file with its size and
/// modification time. File watchers also report files being *read* (the
/// compiler reading a source file, mdBook reading a page); comparing
/// fingerprints tells a real change from that noise.
pub type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

pub fn fingerprint(dirs: &[PathBuf]) -> Fingerprint {
    let mut out = Fingerprint::new();
    for dir in dirs {
        for entry in WalkDir::new(dir).into_iter().flatten() {
            if let (true, Ok(meta)) = (entry.file_type().is_file(), entry.metadata()) {
                out.push((entry.into_path(), meta.modified().ok(), meta.len()));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_unchanged_files_untouched() {
        let dir = std::env::temp_dir().join(format!("lab-files-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&dir);
        write(&dir.join("from/a/b.txt"), "b").unwrap();
        write(&dir.join("from/c.txt"), "c").unwrap();
        copy_dir(&dir.join("from"), &dir.join("to")).unwrap();
        let copied: Vec<_> = files_under(&dir.join("to"))
            .unwrap()
            .into_iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_owned())
            .collect();
        assert_eq!(
            copied,
            [Path::new("to/a/b.txt"), Path::new("to/c.txt")],
            "sorted by name, files only"
        );
        let before = fingerprint(&[dir.join("to")]);
        copy_dir(&dir.join("from"), &dir.join("to")).unwrap();
        assert_eq!(fingerprint(&[dir.join("to")]), before);
        let error = read(&dir.join("missing.txt")).unwrap_err().to_string();
        assert!(error.contains("missing.txt"), "{error}");
        fs_err::remove_dir_all(&dir).unwrap();
    }
}

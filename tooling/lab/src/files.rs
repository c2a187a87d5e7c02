//! Small file helpers with error messages that name the file.

use std::fs;
use std::path::Path;

/// Copies a folder and everything in it. A file whose copy already has the
/// same bytes is left alone, so its modification time (which cargo uses to
/// decide what to rebuild) does not change.
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            let bytes = fs::read(entry.path())
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            write_if_changed(&target, bytes)?;
        }
    }
    Ok(())
}

/// Writes the file unless it already holds exactly these bytes.
pub fn write_if_changed(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    if fs::read(path).is_ok_and(|old| old == bytes.as_ref()) {
        return Ok(());
    }
    write(path, bytes)
}

pub fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

pub fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What a set of folders looks like now: every file with its size and
/// modification time. File watchers also report files being *read* (the
/// compiler reading a source file, mdBook reading a page); comparing
/// fingerprints tells a real change from that noise.
pub type Fingerprint = Vec<(std::path::PathBuf, Option<std::time::SystemTime>, u64)>;

pub fn fingerprint(dirs: &[std::path::PathBuf]) -> Fingerprint {
    fn walk(dir: &Path, out: &mut Fingerprint) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                walk(&path, out);
            } else {
                out.push((path, meta.modified().ok(), meta.len()));
            }
        }
    }
    let mut out = Fingerprint::new();
    for dir in dirs {
        walk(dir, &mut out);
    }
    out.sort();
    out
}

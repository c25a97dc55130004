//! Output files are written under a temporary name in the same directory and renamed into
//! place only when writing succeeded, so a failure never leaves a truncated file behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{quote, CliError, Result};

/// Checks, before any long work, that `path` (given with `--<flag>`) can be written: its
/// directory exists and it is not itself a directory. The write itself stays atomic
/// ([`write_atomic`]); this only makes the obvious mistakes fail in milliseconds, not after
/// minutes of training.
pub fn check_output(path: &Path, flag: &str) -> Result<()> {
    if path.is_dir() {
        return Err(CliError::param(flag, format!("{} is a directory, not a file name", quote(path))));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let what = if dir.exists() { "is not a directory" } else { "does not exist" };
        return Err(CliError::param(flag, format!("{}: directory {} {what}", quote(path), quote(dir))));
    }
    Ok(())
}

/// The temporary name used for `path`: `.<name>.tmp-<pid>` in the same directory (so the final
/// rename stays on one file system).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Write a file atomically: `write` fills a buffered writer on a temporary file, which is
/// synced and renamed to `path` on success and removed on failure.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::file(path, format!("cannot write: {e}"))
    })
}

/// [`write_atomic`] for a byte buffer.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrokern-cli-fsio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn writes_and_replaces() {
        let p = scratch("a.txt");
        write_bytes_atomic(&p, b"one").unwrap();
        write_bytes_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert!(!temp_path(&p).exists());
    }

    #[test]
    fn failure_keeps_old_file_and_removes_temp() {
        let p = scratch("b.txt");
        write_bytes_atomic(&p, b"old").unwrap();
        let e = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        })
        .unwrap_err();
        assert!(e.to_string().contains("b.txt': cannot write: boom"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert!(!temp_path(&p).exists());
    }

    #[test]
    fn check_output_names_flag_and_directory() {
        let p = scratch("no/such/dir/c.txt");
        let e = check_output(&p, "out").unwrap_err().to_string();
        assert!(e.starts_with("--out: ") && e.contains("/no/such/dir' does not exist"), "{e}");
        let dir = scratch("x").parent().unwrap().to_path_buf();
        let e = check_output(&dir, "plot").unwrap_err().to_string();
        assert!(e.starts_with("--plot: ") && e.contains("is a directory"), "{e}");
        check_output(&scratch("fine.txt"), "out").unwrap();
        check_output(Path::new("relative-name.txt"), "out").unwrap();
    }

    #[test]
    fn missing_directory_is_an_error() {
        let p = scratch("no/such/dir/c.txt");
        assert!(write_bytes_atomic(&p, b"x").unwrap_err().to_string().contains("cannot write"));
    }
}

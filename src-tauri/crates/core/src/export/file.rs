//! Writing an export file safely: into a temporary file next to the destination, renamed into
//! place on success and removed on failure, with "not writable" as a typed error.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};

/// An export being written.
#[derive(Debug)]
pub struct ExportFile {
    dest: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

fn not_writable(path: &Path, e: &std::io::Error) -> CoreError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "the folder does not exist".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    CoreError::NotWritable {
        path: path.display().to_string(),
        reason,
    }
}

impl ExportFile {
    /// Starts an export to `dest` (which is only replaced once the export is complete).
    pub fn create(dest: &Path) -> Result<ExportFile> {
        if dest.is_dir() {
            return Err(CoreError::NotWritable {
                path: dest.display().to_string(),
                reason: "it is a folder; choose a file name".into(),
            });
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let tmp = dest.with_file_name(format!(".{name}.partial"));
        let file = File::create(&tmp).map_err(|e| not_writable(dest, &e))?;
        Ok(ExportFile {
            dest: dest.to_path_buf(),
            tmp,
            out: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The writer (an error once the export is finished).
    pub fn writer(&mut self) -> Result<&mut dyn Write> {
        match self.out.as_mut() {
            Some(w) => Ok(w),
            None => Err(CoreError::invalid(
                "export",
                "the export is already finished",
            )),
        }
    }

    /// Flushes, syncs and moves the file into place.
    pub fn finish(mut self) -> Result<PathBuf> {
        let done = self.complete();
        if done.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        done
    }

    fn complete(&mut self) -> Result<PathBuf> {
        if let Some(mut w) = self.out.take() {
            w.flush().map_err(|e| not_writable(&self.dest, &e))?;
            let file = w
                .into_inner()
                .map_err(|e| not_writable(&self.dest, e.error()))?;
            file.sync_all().map_err(|e| not_writable(&self.dest, &e))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| not_writable(&self.dest, &e))?;
        Ok(self.dest.clone())
    }

    /// Maps a write error to "not writable" for this destination.
    pub fn error(&self, e: &std::io::Error) -> CoreError {
        not_writable(&self.dest, e)
    }
}

impl Drop for ExportFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

//! The state lock: an OS file lock on `.<state>.lock.info`, whose content names the holder.
//!
//! The kernel drops the lock when its holder dies, so a crashed run never leaves a stale lock;
//! the info file only tells a waiting run who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Who holds a lock, in Terraform's lock-info shape.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    pub operation: String,
    pub info: String,
    pub who: String,
    pub version: String,
    pub created: String,
    pub path: String,
}

impl LockInfo {
    /// Lock info for this process running `operation` on the state at `path` (a file, or
    /// how a database store names the state).
    pub fn new(operation: &str, path: &dyn std::fmt::Display) -> LockInfo {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "localhost".into());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: format!("OperationType{operation}"),
            info: format!("pid {}", std::process::id()),
            who: format!("{user}@{host}"),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            created: humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
            path: path.to_string(),
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    #[error("Error acquiring the state lock\n\nLock Info:\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Version:   {}\n  Created:   {}\n  Info:      {}", .0.id, .0.path, .0.operation, .0.who, .0.version, .0.created, .0.info)]
    #[diagnostic(
        code(state::locked),
        help(
            "another vnetform run holds the state lock; wait for it to finish, or retry with -lock-timeout=DURATION to wait for it"
        )
    )]
    Held(Box<LockInfo>),
    #[error("Error acquiring the state lock: {path}: {source}")]
    #[diagnostic(code(state::lock_io))]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A held lock; released (and its info file removed) when dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    /// Takes the lock at `path`, waiting up to `timeout` with backoff (1 s, 2 s, ... 16 s).
    pub fn acquire(
        path: &Path,
        info: &LockInfo,
        timeout: Duration,
    ) -> Result<LockGuard, LockError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            match try_acquire(path)? {
                Some(mut file) => {
                    let io = |source| LockError::Io {
                        path: path.display().to_string(),
                        source,
                    };
                    file.set_len(0).map_err(io)?;
                    file.rewind().map_err(io)?;
                    let text = serde_json::to_string(info).expect("lock info serialises");
                    file.write_all(text.as_bytes()).map_err(io)?;
                    return Ok(LockGuard {
                        file,
                        path: path.to_owned(),
                    });
                }
                None if started.elapsed() >= timeout => {
                    return Err(LockError::Held(Box::new(read_holder(path))));
                }
                None => {
                    std::thread::sleep(delay.min(timeout.saturating_sub(started.elapsed())));
                    delay = (delay * 2).min(Duration::from_secs(16));
                }
            }
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Remove the info file while still holding the lock, so no waiter reads stale info.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Locks the info file; `None` when another process holds it.
fn try_acquire(path: &Path) -> Result<Option<File>, LockError> {
    let io = |source| LockError::Io {
        path: path.display().to_string(),
        source,
    };
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The previous holder may have removed the file between our open and lock: only a
        // lock on the inode that is still at `path` counts.
        let same = std::fs::metadata(path)
            .ok()
            .zip(file.metadata().ok())
            .is_some_and(|(a, b)| a.ino() == b.ino() && a.dev() == b.dev());
        if same {
            return Ok(Some(file));
        }
    }
}

fn read_holder(path: &Path) -> LockInfo {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    serde_json::from_str(&text).unwrap_or_else(|_| LockInfo {
        id: "(unknown)".into(),
        operation: "(unknown)".into(),
        info: String::new(),
        who: "(unknown)".into(),
        version: String::new(),
        created: String::new(),
        path: path.display().to_string(),
    })
}

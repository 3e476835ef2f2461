//! A temporary directory, removed when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct TempDir(PathBuf);

impl TempDir {
    #[allow(clippy::new_without_default)]
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "floatip-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An agent's log file (HA_LOGFILE, which the detached sender writes
/// too), in a directory of its own, removed when dropped.
pub struct AgentLog {
    _dir: TempDir,
    path: PathBuf,
}

impl AgentLog {
    #[allow(clippy::new_without_default)]
    pub fn new() -> AgentLog {
        let dir = TempDir::new();
        let path = dir.path().join("agent.log");
        AgentLog { _dir: dir, path }
    }

    /// The path, as HA_LOGFILE takes it.
    pub fn path(&self) -> &str {
        self.path.to_str().expect("a UTF-8 temporary path")
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap_or_default()
    }
}

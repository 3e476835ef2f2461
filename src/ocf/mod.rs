//! The OCF resource agent protocol: exit codes, the one error type that
//! carries them, and ocf_log-compatible logging.

pub mod log;

use std::fmt;

/// OCF exit codes (OCF RA API 1.1, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// Soft error: Pacemaker restarts the resource or moves it.
    ErrGeneric = 1,
    ErrArgs = 2,
    ErrUnimplemented = 3,
    ErrPerm = 4,
    /// Hard error: the resource is banned from this node.
    ErrInstalled = 5,
    /// Fatal error: the configuration is wrong, stop everywhere.
    ErrConfigured = 6,
    /// Monitor only: cleanly stopped here.
    NotRunning = 7,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Why an action ends with a code other than success. `reason` is what
/// operators see in `crm_mon` as the exit reason; it must say what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ExitCode,
    pub reason: String,
}

impl Error {
    pub fn new(code: ExitCode, reason: impl Into<String>) -> Self {
        Error {
            code,
            reason: reason.into(),
        }
    }

    pub fn generic(reason: impl Into<String>) -> Self {
        Self::new(ExitCode::ErrGeneric, reason)
    }

    pub fn configured(reason: impl Into<String>) -> Self {
        Self::new(ExitCode::ErrConfigured, reason)
    }

    pub fn installed(reason: impl Into<String>) -> Self {
        Self::new(ExitCode::ErrInstalled, reason)
    }

    /// Monitor's "not running" is an outcome, not a failure: it carries no
    /// exit reason line (an empty reason is never printed).
    pub fn not_running() -> Self {
        Self::new(ExitCode::NotRunning, String::new())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (exit {})", self.reason, self.code.code())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

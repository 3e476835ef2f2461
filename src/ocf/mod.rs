//! The OCF resource agent protocol: the actions, exit codes, the one error
//! type that carries them, the action's timeout budget, and
//! ocf_log-compatible logging.

pub mod action;
pub mod log;
pub mod messages;

pub use action::Action;

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

    /// The OCF name, as the RA API and Pacemaker's logs spell it.
    pub fn name(self) -> &'static str {
        match self {
            ExitCode::Success => "OCF_SUCCESS",
            ExitCode::ErrGeneric => "OCF_ERR_GENERIC",
            ExitCode::ErrArgs => "OCF_ERR_ARGS",
            ExitCode::ErrUnimplemented => "OCF_ERR_UNIMPLEMENTED",
            ExitCode::ErrPerm => "OCF_ERR_PERM",
            ExitCode::ErrInstalled => "OCF_ERR_INSTALLED",
            ExitCode::ErrConfigured => "OCF_ERR_CONFIGURED",
            ExitCode::NotRunning => "OCF_NOT_RUNNING",
        }
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
}

/// How an action ended that did not fail. Monitor's "not running" is an
/// outcome, not a failure: it carries no exit reason line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    NotRunning,
}

impl Outcome {
    pub fn code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::Success,
            Outcome::NotRunning => ExitCode::NotRunning,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (exit {})", self.reason, self.code.code())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The one way an action adds what it was doing to a failure's cause:
/// `result.or_fail("Could not read the routing table")` fails with 1 and
/// the reason "Could not read the routing table: <cause>".
pub trait Context<T> {
    fn or_fail(self, doing: &str) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn or_fail(self, doing: &str) -> Result<T> {
        self.map_err(|e| Error::generic(format!("{doing}: {e}")))
    }
}

/// When this action began: every foreground wait of the action (DAD,
/// probes, announcements, the sender's exit) comes out of one budget
/// measured from here.
static ACTION_STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the action's start; main calls it first thing.
pub fn mark_action_start() {
    let _ = ACTION_STARTED.set(Instant::now());
}

/// The timeout stop advertises in the meta-data, and the budget of any
/// action run without `OCF_RESKEY_CRM_meta_timeout` (by hand, ocf-tester).
pub const DEFAULT_TIMEOUT_MS: u64 = 20_000;

/// The moment foreground work must be done by: the action's timeout
/// (`OCF_RESKEY_CRM_meta_timeout`) less a margin, so that the agent always
/// answers before Pacemaker kills it.
pub fn deadline(timeout_ms: Option<u64>) -> Instant {
    let start = *ACTION_STARTED.get_or_init(Instant::now);
    let timeout = timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let margin = (timeout / 5).clamp(200, 2_000);
    start + Duration::from_millis(timeout.saturating_sub(margin).min(u64::from(u32::MAX)))
}

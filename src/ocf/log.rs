//! Logging the way resource-agents' `ocf_log` does, so that existing log
//! searches keep working after a switch from IPaddr2.
//!
//! Destinations (ocf-shellfuncs `__ha_log` / `ha_debug`):
//! - syslog, when `HA_LOGFACILITY` is set and not `none`, tagged
//!   `<agent>(<instance>)[<pid>]`;
//! - `HA_LOGFILE` (`<date> <tag>:    <PRIO>: msg`) and `HA_DEBUGLOG`
//!   (`<tag>:\t<date><PRIO>: msg`), appended;
//! - stderr, when neither a facility nor a log file is set.
//!
//! Debug lines appear only when `HA_debug` is set and not `0`.
//!
//! Logging never blocks or ends an action: log files are opened with
//! O_NONBLOCK (a FIFO without a reader fails at once) and a line that
//! cannot be written is dropped; syslog datagrams go out on floatip's own
//! non-blocking socket (no glibc syslog(), which blocks on a full
//! /dev/log queue); a failing stderr is ignored.

use std::ffi::{CStr, CString};
use std::fs::OpenOptions;
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixDatagram;
use std::sync::OnceLock;

use crate::env::Env;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Debug,
    Info,
    Warning,
    Error,
}

impl Priority {
    fn label(self) -> &'static str {
        match self {
            Priority::Debug => "DEBUG",
            Priority::Info => "INFO",
            Priority::Warning => "WARNING",
            Priority::Error => "ERROR",
        }
    }

    fn syslog_level(self) -> libc::c_int {
        match self {
            Priority::Debug => libc::LOG_DEBUG,
            Priority::Info => libc::LOG_INFO,
            Priority::Warning => libc::LOG_WARNING,
            Priority::Error => libc::LOG_ERR,
        }
    }
}

#[derive(Debug)]
pub struct Logger {
    tag: String,
    facility: Option<libc::c_int>,
    logfile: Option<String>,
    debuglog: Option<String>,
    debug: bool,
    date_format: CString,
    /// The explicit HA_LOGTAG, which ocf_log prints on a terminal.
    terminal_tag: Option<String>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Sets up logging from the environment; `agent` is the name the binary was
/// invoked as (IPaddr2 when installed as the agent link).
pub fn init(agent: &str, env: &Env) {
    let _ = LOGGER.set(Logger::from_env(agent, env));
}

fn logger() -> Option<&'static Logger> {
    LOGGER.get()
}

pub fn debug(msg: impl AsRef<str>) {
    log(Priority::Debug, msg.as_ref());
}

pub fn info(msg: impl AsRef<str>) {
    log(Priority::Info, msg.as_ref());
}

pub fn warn(msg: impl AsRef<str>) {
    log(Priority::Warning, msg.as_ref());
}

pub fn error(msg: impl AsRef<str>) {
    log(Priority::Error, msg.as_ref());
}

pub fn log(priority: Priority, msg: &str) {
    // A parameter or a kernel string may carry ESC or a newline: never
    // passed to a terminal or a log file as it is.
    let msg = &*crate::printable::escape(msg);
    if let Some(logger) = logger() {
        logger.write(priority, msg, true);
    } else {
        stderr_line(&format!("{}: {msg}", priority.label()));
    }
}

/// One line on stderr; a stderr that fails (EPIPE, ENOSPC, /dev/full, a
/// closed descriptor) is ignored: the action still ends with its own code.
pub fn stderr_line(line: &str) {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    let _ = io::stderr().lock().write_all(&bytes);
}

/// Text on stdout (meta-data, usage, status). Unlike print!, a failing
/// stdout is an error to report, never a panic.
pub fn stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `ocf_exit_reason`: one `ocf-exit-reason:` line on stderr, which Pacemaker
/// shows as the failure's reason, and an ERROR line to syslog and the log
/// files (never a second stderr line).
pub fn exit_reason(msg: &str) {
    let line = crate::printable::escape(&msg.replace('\n', " ")).into_owned();
    stderr_line(&format!("ocf-exit-reason:{line}"));
    if let Some(logger) = logger() {
        logger.write(Priority::Error, &line, false);
    }
}

impl Logger {
    pub fn from_env(agent: &str, env: &Env) -> Logger {
        let instance = env.get("OCF_RESOURCE_INSTANCE").filter(|s| !s.is_empty());
        let pid = std::process::id();
        let terminal_tag = env
            .get("HA_LOGTAG")
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let tag = match (&terminal_tag, instance) {
            (Some(tag), _) => tag.clone(),
            (None, Some(instance)) => format!("{agent}({instance})[{pid}]"),
            (None, None) => format!("{agent}[{pid}]"),
        };
        let facility = env
            .get("HA_LOGFACILITY")
            .filter(|f| !f.is_empty() && *f != "none")
            .map(facility_from_name);
        let nonempty = |key| env.get(key).filter(|s| !s.is_empty()).map(str::to_owned);
        let debug = env
            .get("HA_debug")
            .is_some_and(|v| !v.is_empty() && v != "0");
        let date_format = env.get("HA_DATEFMT").unwrap_or("%b %d %T ");
        Logger {
            tag,
            facility,
            logfile: nonempty("HA_LOGFILE"),
            debuglog: nonempty("HA_DEBUGLOG"),
            debug,
            date_format: CString::new(date_format.replace('\0', ""))
                .unwrap_or_else(|_| c"%b %d %T ".to_owned()),
            terminal_tag,
        }
    }

    fn write(&self, priority: Priority, msg: &str, to_stderr: bool) {
        if priority == Priority::Debug {
            return self.write_debug(msg);
        }
        let text = format!("{}: {msg}", priority.label());
        if std::io::stderr().is_terminal() {
            // ocf_log on a terminal: stderr only, nothing else.
            if to_stderr {
                self.terminal_line(&text);
            }
            return;
        }
        if let Some(facility) = self.facility {
            self.syslog(facility, priority, &text);
        }
        if let Some(file) = &self.logfile {
            append(file, &format!("{} {}:    {text}\n", self.date(), self.tag));
        }
        if self.facility.is_none() && self.logfile.is_none() && to_stderr {
            stderr_line(&format!("{}{text}", self.date()));
        }
        if let Some(file) = &self.debuglog {
            if Some(file) != self.logfile.as_ref() {
                append(file, &format!("{}:\t{}{text}\n", self.tag, self.date()));
            }
        }
    }

    fn write_debug(&self, msg: &str) {
        if !self.debug {
            return;
        }
        let text = format!("DEBUG: {msg}");
        if std::io::stderr().is_terminal() {
            return self.terminal_line(&text);
        }
        if let Some(facility) = self.facility {
            self.syslog(facility, Priority::Debug, &text);
        }
        if let Some(file) = &self.debuglog {
            append(file, &format!("{}:\t{}{text}\n", self.tag, self.date()));
        }
        if self.facility.is_none() && self.debuglog.is_none() {
            stderr_line(&format!("{}:\t{}{text}:\t", self.tag, self.date()));
        }
    }

    fn terminal_line(&self, text: &str) {
        match &self.terminal_tag {
            Some(tag) => stderr_line(&format!("{tag}: {text}")),
            None => stderr_line(text),
        }
    }

    /// One datagram to /dev/log in glibc syslog()'s format
    /// (`<PRI>Mmm dd hh:mm:ss TAG: text`), on a socket of our own that
    /// never blocks: when the daemon's queue is full or /dev/log is
    /// missing, the line is dropped.
    fn syslog(&self, facility: libc::c_int, priority: Priority, text: &str) {
        let pri = facility | priority.syslog_level();
        let datagram = format!("<{pri}>{}{}: {text}", strftime(c"%h %e %T "), self.tag);
        let Ok(socket) = UnixDatagram::unbound() else {
            return;
        };
        if socket.set_nonblocking(true).is_err() || socket.connect(SYSLOG_PATH).is_err() {
            return;
        }
        let _ = socket.send(datagram.as_bytes());
    }

    /// The current local time in `HA_DATEFMT` (default `%b %d %T `).
    fn date(&self) -> String {
        strftime(&self.date_format)
    }
}

/// Where syslog daemons listen.
const SYSLOG_PATH: &str = "/dev/log";

/// The current local time, formatted.
fn strftime(format: &CStr) -> String {
    let mut buf = [0u8; 128];
    // SAFETY: localtime_r writes only into `tm`; strftime writes at most
    // buf.len() bytes and returns how many it wrote.
    let written = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        libc::strftime(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), &tm)
    };
    String::from_utf8_lossy(&buf[..written]).into_owned()
}

/// Appends one line, never blocking: O_NONBLOCK makes a FIFO without a
/// reader fail at once (ENXIO) and a full pipe answer EAGAIN; O_NOCTTY
/// keeps a terminal device from becoming ours. Whatever fails (a
/// directory, a socket, a full or read-only filesystem) drops the line.
fn append(path: &str, line: &str) {
    let opened = OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path);
    if let Ok(mut file) = opened {
        let _ = file.write_all(line.as_bytes());
    }
}

fn facility_from_name(name: &str) -> libc::c_int {
    match name.to_ascii_lowercase().as_str() {
        "auth" => libc::LOG_AUTH,
        "authpriv" => libc::LOG_AUTHPRIV,
        "cron" => libc::LOG_CRON,
        "kern" => libc::LOG_KERN,
        "lpr" => libc::LOG_LPR,
        "mail" => libc::LOG_MAIL,
        "news" => libc::LOG_NEWS,
        "syslog" => libc::LOG_SYSLOG,
        "user" => libc::LOG_USER,
        "uucp" => libc::LOG_UUCP,
        "local0" => libc::LOG_LOCAL0,
        "local1" => libc::LOG_LOCAL1,
        "local2" => libc::LOG_LOCAL2,
        "local3" => libc::LOG_LOCAL3,
        "local4" => libc::LOG_LOCAL4,
        "local5" => libc::LOG_LOCAL5,
        "local6" => libc::LOG_LOCAL6,
        "local7" => libc::LOG_LOCAL7,
        _ => libc::LOG_DAEMON,
    }
}

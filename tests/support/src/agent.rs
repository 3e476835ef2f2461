//! One way to run an agent: [`AgentCommand`], a builder for the
//! environment Pacemaker gives an agent (nothing inherited but PATH,
//! OCF_ROOT, the instance name and HA_RSCTMP), inside a test namespace,
//! as root or as nobody, traced or not, bounded or not.

use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::netns::Netns;

pub const STOCK_AGENT: &str = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2";

/// Actions an OCF agent may be asked for that IPaddr2 does not implement.
pub const UNKNOWN_ACTIONS: &[&str] = &[
    "notify",
    "promote",
    "demote",
    "migrate_to",
    "reload-agent",
    "no_cmd",
];

/// Who runs the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    Root,
    /// uid and gid 65534, no supplementary groups (setpriv).
    Nobody,
}

/// How the agent gets into its namespace.
#[derive(Debug, Clone)]
enum Entry {
    Root,
    /// `ip netns exec <name>`: also the namespace's /etc/netns view.
    IpNetnsExec(String),
    /// setns(2) between fork and exec: no other program in between, for
    /// measurements and for signals sent to the agent itself.
    Setns(String),
}

/// An agent invocation, built step by step; [`AgentCommand::command`]
/// turns it into the `Command` to spawn.
#[derive(Debug, Clone)]
pub struct AgentCommand {
    program: PathBuf,
    args: Vec<OsString>,
    entry: Entry,
    user: User,
    rsctmp: PathBuf,
    env: Vec<(OsString, OsString)>,
    quiet: bool,
    trace: Option<(String, PathBuf)>,
}

impl AgentCommand {
    /// `program action`, in the root namespace until told otherwise, with
    /// HA_RSCTMP in the system's temporary directory until told otherwise.
    pub fn new(program: &Path, action: &str) -> AgentCommand {
        AgentCommand {
            program: program.to_path_buf(),
            args: vec![action.into()],
            entry: Entry::Root,
            user: User::Root,
            rsctmp: std::env::temp_dir(),
            env: Vec::new(),
            quiet: false,
            trace: None,
        }
    }

    /// Runs inside `ns`, through `ip netns exec`.
    pub fn in_namespace(mut self, ns: &Netns) -> Self {
        self.entry = Entry::IpNetnsExec(ns.name.clone());
        self
    }

    /// Runs inside `ns`, entered with setns before exec: the spawned
    /// process is the agent itself.
    pub fn entering(mut self, ns: &Netns) -> Self {
        self.entry = Entry::Setns(ns.name.clone());
        self
    }

    pub fn rsctmp(mut self, dir: &Path) -> Self {
        self.rsctmp = dir.to_path_buf();
        self
    }

    pub fn user(mut self, user: User) -> Self {
        self.user = user;
        self
    }

    /// More words after the action (by-hand options).
    pub fn args<I: Into<OsString>>(mut self, args: impl IntoIterator<Item = I>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// A parameter: `OCF_RESKEY_<name>`, or the name itself where it is
    /// already an environment variable of the OCF interface (`OCF_*`,
    /// `HA_*`).
    pub fn param(mut self, name: &str, value: impl Into<OsString>) -> Self {
        let key = if name.starts_with("OCF_") || name.starts_with("HA_") {
            name.to_owned()
        } else {
            format!("OCF_RESKEY_{name}")
        };
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn params(self, params: &[(&str, &str)]) -> Self {
        params.iter().fold(self, |c, (k, v)| c.param(k, *v))
    }

    /// A variable exactly as named.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// stdout and stderr on /dev/null: a stock agent's background
    /// send_arp would otherwise hold the pipes for its whole run.
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// Under `strace -f -qq -e trace=<filter> -o <trace>`.
    pub fn traced(mut self, filter: &str, trace: &Path) -> Self {
        self.trace = Some((filter.to_owned(), trace.to_path_buf()));
        self
    }

    /// The command, ready to spawn.
    pub fn command(&self) -> Command {
        let mut words: Vec<OsString> = Vec::new();
        if let Entry::IpNetnsExec(name) = &self.entry {
            words.extend(["ip", "netns", "exec", name].map(OsString::from));
        }
        if let Some((filter, trace)) = &self.trace {
            words.extend(["strace", "-f", "-qq", "-e"].map(OsString::from));
            words.push(format!("trace={filter}").into());
            words.push("-o".into());
            words.push(trace.into());
        }
        if self.user == User::Nobody {
            words.extend(
                [
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                ]
                .map(OsString::from),
            );
        }
        words.push(self.program.clone().into());
        words.extend(self.args.iter().cloned());
        let mut command = Command::new(&words[0]);
        command
            .args(&words[1..])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("OCF_ROOT", "/usr/lib/ocf")
            .env("OCF_RESOURCE_INSTANCE", "vip")
            .env("HA_RSCTMP", &self.rsctmp)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if self.quiet {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
        if let Entry::Setns(name) = &self.entry {
            let netns = std::fs::File::open(format!("/run/netns/{name}")).expect("netns");
            // SAFETY: setns is async-signal-safe; the descriptor is moved
            // into the hook, so it stays open until exec.
            unsafe {
                command.pre_exec(move || {
                    if libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        command
    }

    /// Runs to the end and collects what it said.
    pub fn run(&self) -> Run {
        Run::from(self.command().output().expect("run agent"))
    }

    /// Runs to the end: the exit code (-1 when killed by a signal).
    pub fn status(&self) -> i32 {
        self.command()
            .status()
            .expect("run agent")
            .code()
            .unwrap_or(-1)
    }

    /// Runs in a process group of its own for at most `timeout`; on
    /// timeout the whole group is killed (as Pacemaker kills an agent that
    /// overruns) and the answer is `None`.
    pub fn status_within(&self, timeout: Duration) -> Option<i32> {
        status_within(&mut self.command(), timeout)
    }
}

/// [`AgentCommand::status_within`] for a command built by hand (with
/// stdio of its own).
pub fn status_within(command: &mut Command, timeout: Duration) -> Option<i32> {
    command.process_group(0);
    let mut child = command.spawn().expect("spawn");
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status.code().unwrap_or(-1));
        }
        if Instant::now() > deadline {
            // SAFETY: signals the process group this function created.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `pid` is a live process: one that exited and waits for init to
/// reap it counts as gone.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                != Some("Z")
        })
        .unwrap_or(false)
}

/// What an agent run left for an observer: its exit code and its output.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn exit_reasons(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("ocf-exit-reason:"))
            .collect()
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code; stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

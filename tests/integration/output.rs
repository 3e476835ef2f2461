//! Logging and output never hang or end an action: log files that cannot
//! take a line, /dev/log missing or full, a failing stdout or stderr. Each
//! action runs within a watchdog that kills it as Pacemaker would; where
//! /dev/log must be shaped, in a private mount namespace.

use std::fs;
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use libtest_mimic::Trial;

use crate::support::*;

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("output":
        log_files_that_cannot_take_a_line,
        log_fifo_with_a_reader_gets_the_lines,
        syslog_missing_or_full,
        failing_stdout_and_stderr,
    )
}

/// Log destinations that cannot take a line (a FIFO without a reader, a
/// socket, a directory, a full device, a read-only file): every action
/// still ends with its own code, promptly, and the VIP is as it should be.
fn log_files_that_cannot_take_a_line() {
    let dir = TempDir::new();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let socket = dir.path().join("socket");
    let _listener = UnixListener::bind(&socket).unwrap();
    let targets: Vec<PathBuf> = vec![
        fifo,
        socket,
        dir.path().to_path_buf(),
        PathBuf::from("/dev/full"),
        PathBuf::from("/proc/version"),
    ];
    for target in &targets {
        let node = Node::with_base();
        let path = target.display().to_string();
        for variable in ["HA_LOGFILE", "HA_DEBUGLOG"] {
            let p = [("ip", VIP), (variable, path.as_str()), ("HA_debug", "1")];
            let what = format!("{variable}={path}");
            expect_code(bounded(&node, "start", &p), 0, &format!("start, {what}"));
            expect_code(
                bounded(&node, "monitor", &p),
                0,
                &format!("monitor, {what}"),
            );
            expect_code(bounded(&node, "stop", &p), 0, &format!("stop, {what}"));
            assert!(node.ns.find(VIP).is_empty(), "{what}: the VIP stayed");
            let bad = [("ip", "bogus"), (variable, path.as_str())];
            expect_code(
                bounded(&node, "start", &bad),
                6,
                &format!("bad start, {what}"),
            );
        }
    }
}

/// A FIFO with a reader, and a regular file, keep working as with the
/// stock agent: the lines arrive.
fn log_fifo_with_a_reader_gets_the_lines() {
    let dir = TempDir::new();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || fs::read_to_string(reader_path).unwrap());
    // Opened for writing too, so the reader's open returns and the FIFO
    // has a reader for the agent; closed once the agent is done.
    let holder = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let node = Node::with_base();
    let p = [("ip", VIP), ("HA_LOGFILE", fifo.to_str().unwrap())];
    expect_code(bounded(&node, "start", &p), 0, "start");
    drop(holder);
    let text = reader.join().unwrap();
    assert!(text.contains("Adding inet address"), "{text}");
    let file = dir.path().join("log");
    let p = [("ip", VIP), ("HA_LOGFILE", file.to_str().unwrap())];
    expect_code(bounded(&node, "stop", &p), 0, "stop");
    assert!(fs::read_to_string(&file)
        .unwrap()
        .contains("IP status = ok"));
}

/// /dev/log missing, or its queue full (a listener that never reads): the
/// actions neither block nor fail. Run in a mount namespace whose /dev is
/// a tmpfs of the test's.
fn syslog_missing_or_full() {
    for (setting, listener) in [("missing", ""), ("full", FULL_LISTENER)] {
        let node = Node::with_base();
        let dir = TempDir::new();
        let script = format!(
            r#"set -e
mkdir -p {dir}/olddev && mount --bind /dev {dir}/olddev
mount -t tmpfs tmpfs /dev
for n in null zero urandom; do touch /dev/$n; mount --bind {dir}/olddev/$n /dev/$n; done
{listener}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=daemon HA_debug=1 \
    OCF_RESOURCE_INSTANCE=vip OCF_RESKEY_ip={VIP} HA_RSCTMP={dir}/rsc
# Enough lines to fill a queue of 10 datagrams several times over.
for i in 1 2 3 4 5 6 7 8; do {agent} start >/dev/null 2>&1; {agent} stop >/dev/null 2>&1; done
{agent} start >/dev/null 2>&1; echo start=$?
{agent} monitor >/dev/null 2>&1; echo monitor=$?
{agent} stop >/dev/null 2>&1; echo stop=$?
[ -z "${{listener:-}}" ] || kill $listener"#,
            dir = dir.path().display(),
            agent = floatip().display(),
        );
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &node.ns.name, "unshare", "--mount"])
            .args(["--propagation", "private", "sh", "-c", &script])
            .stdout(Stdio::piped());
        command.process_group(0);
        let child = command.spawn().unwrap();
        let began = Instant::now();
        let output = child.wait_with_output().unwrap();
        assert!(began.elapsed() < WATCHDOG, "{setting}: the actions hung");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            out.contains("start=0") && out.contains("monitor=0") && out.contains("stop=0"),
            "/dev/log {setting}: {out}"
        );
        assert!(node.ns.find(VIP).is_empty());
    }
}

/// stdout and stderr that fail (a full device, a closed pipe): the action
/// ends with its own code, never an abort.
fn failing_stdout_and_stderr() {
    let node = Node::with_base();
    for (name, stdio) in [("full", "/dev/full"), ("closed pipe", "")] {
        let run = |action: &str, params: &[(&str, &str)], stream: &str| -> Option<i32> {
            let mut command = node.agent(&floatip(), action).params(params).command();
            let target = || -> Stdio {
                if stdio.is_empty() {
                    // A pipe whose reading end is already closed: EPIPE.
                    let (reader, writer) = nix::unistd::pipe().unwrap();
                    drop(reader);
                    Stdio::from(writer)
                } else {
                    Stdio::from(fs::OpenOptions::new().write(true).open(stdio).unwrap())
                }
            };
            if stream == "stderr" {
                command.stdout(Stdio::null()).stderr(target());
            } else {
                command.stderr(Stdio::null()).stdout(target());
            }
            status_within(&mut command, WATCHDOG)
        };
        let what = |action: &str| format!("{action} with stderr {name}");
        expect_code(
            run("start", &[("ip", "bogus")], "stderr"),
            6,
            &what("bad start"),
        );
        expect_code(run("start", &[("ip", VIP)], "stderr"), 0, &what("start"));
        expect_code(
            run("monitor", &[("ip", VIP)], "stderr"),
            0,
            &what("monitor"),
        );
        expect_code(run("stop", &[("ip", VIP)], "stderr"), 0, &what("stop"));
        expect_code(run("monitor", &[("ip", VIP)], "stderr"), 7, &what("probe"));
        expect_code(run("notify", &[("ip", VIP)], "stderr"), 3, &what("notify"));
        // Nothing is lost but the output: meta-data that cannot be
        // written is a failure (1), not an abort (134).
        expect_code(
            run("meta-data", &[], "stdout"),
            1,
            &format!("meta-data, stdout {name}"),
        );
        expect_code(
            run("status", &[("ip", VIP)], "stdout"),
            7,
            &format!("status, stdout {name}"),
        );
        assert!(node.ns.find(VIP).is_empty());
    }
}

/// A datagram socket at /dev/log that is never read: its queue fills
/// after a few lines, and a blocking syslog() would then hang.
const FULL_LISTENER: &str = r#"python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.bind("/dev/log")
time.sleep(30)' >/dev/null 2>&1 &
listener=$!
sleep 0.3"#;

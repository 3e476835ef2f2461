//! floatip's state files under HA_RSCTMP (src/config/paths.rs lists them):
//! a missing, unwritable or full directory, files planted or made
//! writable by others, any umask, and the proof of the background
//! sender's identity that stop relies on before it signals anything.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::*;

const VIP: &str = "192.0.2.10";
const OTHER_VIP: &str = "192.0.2.11";

pub fn trials() -> Vec<Trial> {
    trials!("state_files":
        rsctmp_missing_unwritable_or_full,
        writes_only_where_allowed,
        planted_state_files,
        state_files_modes_whatever_the_umask,
        state_others_can_write_is_no_proof,
        state_in_a_sticky_root_directory_is_trusted,
        sender_identity_is_exact,
        stop_kills_a_stubborn_sender_within_its_budget,
    )
}

fn rsctmp_missing_unwritable_or_full() {
    let node = Node::with_base();
    // Missing: created.
    let base = TempDir::new();
    let missing = base.path().join("not/yet/there");
    let missing_s = missing.display().to_string();
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("HA_RSCTMP", &missing_s)],
    )
    .expect(0);
    assert!(missing.join(format!("send_arp-{VIP}")).exists() || missing.exists());
    node.run(
        &floatip(),
        "stop",
        &[("ip", VIP), ("HA_RSCTMP", &missing_s)],
    )
    .expect(0);
    assert!(settled(&node.ns).is_empty());

    // Unwritable (procfs): the address is up and announced once; the
    // failure to start the background sender is logged, not fatal.
    let run = node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("HA_RSCTMP", "/proc/floatip-test")],
    );
    run.expect(0);
    assert!(
        run.stderr.contains("ERROR: Could not send gratuitous arps"),
        "{}",
        run.stderr
    );
    assert_eq!(node.ns.find(VIP).len(), 1);
    node.run(
        &floatip(),
        "stop",
        &[("ip", VIP), ("HA_RSCTMP", "/proc/floatip-test")],
    )
    .expect(0);
    assert!(settled(&node.ns).is_empty(), "no sender was left behind");

    // Full: a tiny tmpfs, filled, in a mount namespace of the agent's own.
    let full = TempDir::new();
    let script = format!(
        "mount -t tmpfs -o size=4k tmpfs {d} && (dd if=/dev/zero of={d}/fill bs=1k count=64 2>/dev/null; true) && \
         OCF_RESKEY_ip={VIP} HA_RSCTMP={d} {agent} start; echo start=$?; \
         OCF_RESKEY_ip={VIP} HA_RSCTMP={d} {agent} stop; echo stop=$?",
        d = full.path().display(),
        agent = floatip().display()
    );
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &node.ns.name,
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("start=0") && text.contains("stop=0"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(node.ns.find(VIP).is_empty());
    assert!(settled(&node.ns).is_empty());
}

/// strace every file operation of every action: floatip writes only to
/// HA_RSCTMP, HA_LOGFILE, HA_DEBUGLOG, /dev/null and the route cache flush.
fn writes_only_where_allowed() {
    let node = Node::with_base();
    let logs = TempDir::new();
    let logfile = logs.path().join("ha.log").display().to_string();
    let debuglog = logs.path().join("ha-debug.log").display().to_string();
    let rsctmp = node.rsctmp.path().display().to_string();
    let trace = logs.path().join("trace");
    let allowed = [
        rsctmp.as_str(),
        logfile.as_str(),
        debuglog.as_str(),
        "/dev/null",
        "/proc/sys/net/ipv4/route/flush",
    ];
    for action in [
        "validate-all",
        "start",
        "monitor",
        "status",
        "stop",
        "meta-data",
    ] {
        let out = node
            .agent(&floatip(), action)
            .params(&[
                ("ip", VIP),
                ("flush_routes", "true"),
                ("arp_count_refresh", "1"),
                ("HA_LOGFILE", &logfile),
                ("HA_DEBUGLOG", &debuglog),
                ("HA_debug", "1"),
            ])
            .traced("%file", &trace)
            .command()
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 7),
            "{action}: {out:?}"
        );
        for line in std::fs::read_to_string(&trace).unwrap().lines() {
            let writes = line.contains("O_WRONLY")
                || line.contains("O_RDWR")
                || line.contains("O_CREAT")
                || [
                    "mkdir", "rename", "unlink", "rmdir", "symlink", "link(", "truncate", "chmod",
                    "chown",
                ]
                .iter()
                .any(|op| line.contains(op));
            if !writes || line.contains("= -1 E") {
                continue;
            }
            let path = line.split('"').nth(1).unwrap_or("");
            assert!(
                allowed.iter().any(|a| path.starts_with(a)),
                "{action} wrote outside the allowed places: {line}"
            );
        }
    }
}

/// Pid files and the LVS record that are FIFOs, symlinks (to /dev/zero),
/// directories or huge: stop neither hangs nor trusts them, and removes
/// the VIP.
fn planted_state_files() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let record = node.rsctmp.path().join(VIP);
    type Plant = fn(&Path);
    let plants: [(&str, Plant); 5] = [
        ("a FIFO", |p| mkfifo(p)),
        ("a symlink to /dev/zero", |p| {
            symlink("/dev/zero", p).unwrap()
        }),
        ("a symlink to a FIFO", |p| {
            let target = p.with_extension("target");
            mkfifo(&target);
            symlink(&target, p).unwrap();
        }),
        ("a directory", |p| fs::create_dir(p).unwrap()),
        ("huge", |p| fs::write(p, vec![b'7'; 10 << 20]).unwrap()),
    ];
    for (what, plant) in plants {
        for (file, params) in [
            (&pid_file, vec![("ip", VIP)]),
            (&record, vec![("ip", VIP), ("lvs_support", "true")]),
        ] {
            expect_code(bounded(&node, "start", &params), 0, "start");
            let _ = fs::remove_file(file);
            let _ = fs::remove_file(file.with_extension("target"));
            plant(file);
            let began = Instant::now();
            expect_code(
                bounded(&node, "stop", &params),
                0,
                &format!("stop, {} is {what}", file.display()),
            );
            assert!(
                began.elapsed() < Duration::from_secs(5),
                "stop took {:?}",
                began.elapsed()
            );
            assert!(
                node.ns.find(VIP).iter().all(|(dev, _)| dev == "lo"),
                "{what}: the VIP stayed"
            );
            let _ = fs::remove_dir(file);
            let _ = fs::remove_file(file);
            let _ = fs::remove_file(file.with_extension("target"));
        }
    }
    assert!(fs::read_to_string("/dev/null").is_ok());
}

/// Under a umask of 077 (and one of 000) the pid file, its companion and
/// the directories created for them get 0644 and 0755.
fn state_files_modes_whatever_the_umask() {
    for umask in ["077", "000"] {
        let node = Node::with_base();
        let rsctmp = node.rsctmp.path().join("deeper").join("rsc");
        let script = format!("umask {umask}; exec {} start", floatip().display());
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &node.ns.name, "sh", "-c", &script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("OCF_RESKEY_ip", VIP)
            .env("OCF_RESKEY_garp_count", "20")
            .env("HA_RSCTMP", &rsctmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        expect_code(status_within(&mut command, WATCHDOG), 0, "start");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
        let text = fs::read_to_string(&pid_file).unwrap();
        assert!(
            text.ends_with('\n') && text.trim().parse::<u32>().is_ok() && text.lines().count() == 1,
            "the pid file is one line, the bare pid: {text:?}"
        );
        assert_eq!(mode(&pid_file), 0o644, "umask {umask}");
        assert_eq!(
            mode(&rsctmp.join(format!("send_arp-{VIP}.floatip-start"))),
            0o644
        );
        assert_eq!(mode(&rsctmp), 0o755, "umask {umask}");
        assert_eq!(mode(rsctmp.parent().unwrap()), 0o755, "umask {umask}");
        let p = [("ip", VIP), ("HA_RSCTMP", rsctmp.to_str().unwrap())];
        expect_code(bounded(&node, "stop", &p), 0, "stop");
        assert!(!pid_file.exists());
    }
}

/// HA_RSCTMP, a state file in it, or a directory above it that another
/// user can write: the forged pair is no proof. Stop signals nothing,
/// still removes the address and answers 0, and says why.
fn state_others_can_write_is_no_proof() {
    type Shape = fn(&Path, &Path);
    let variants: [(&str, Shape); 5] = [
        ("HA_RSCTMP writable by others", |_, rsc| chmod(rsc, 0o777)),
        ("HA_RSCTMP writable by its group", |_, rsc| {
            chmod(rsc, 0o770)
        }),
        (
            "a directory above HA_RSCTMP writable by others",
            |top, _| chmod(top, 0o777),
        ),
        ("the pid file and companion writable by others", |_, rsc| {
            for entry in fs::read_dir(rsc).unwrap() {
                chmod(&entry.unwrap().path(), 0o666);
            }
        }),
        (
            "the pid file and companion owned by another user",
            |_, rsc| {
                for entry in fs::read_dir(rsc).unwrap() {
                    std::os::unix::fs::chown(entry.unwrap().path(), Some(65534), Some(65534))
                        .unwrap();
                }
            },
        ),
    ];
    let agent = floatip();
    for (what, shape) in variants {
        let node = Node::with_base();
        let top = TempDir::new();
        chmod(top.path(), 0o755);
        let rsc = top.path().join("rsc");
        fs::create_dir(&rsc).unwrap();
        chmod(&rsc, 0o755);
        let params = [("ip", VIP), ("arp_count", "1")];
        node.agent(&agent, "start")
            .rsctmp(&rsc)
            .params(&params)
            .run()
            .expect(0);
        let victim = Victim::new();
        forge(&rsc, &victim);
        shape(top.path(), &rsc);
        let stop = node
            .agent(&agent, "stop")
            .rsctmp(&rsc)
            .params(&params)
            .run();
        stop.expect(0);
        assert!(
            alive(victim.pid()),
            "{what}: stop signalled an unrelated process"
        );
        assert!(
            copies_of(&node, VIP).is_empty(),
            "{what}: the address is removed"
        );
        assert!(
            stop.stderr.contains("nothing is signalled"),
            "{what}: {}",
            stop.stderr
        );
        chmod(top.path(), 0o755);
    }
}

/// Debian's /run/resource-agents is 1755 root:root: sticky and owned by
/// root, it passes, and the genuine sender is ended by stop.
fn state_in_a_sticky_root_directory_is_trusted() {
    let node = Node::with_base();
    let top = TempDir::new();
    chmod(top.path(), 0o1755);
    let agent = floatip();
    let params = [("ip", VIP), ("garp_count", "1000")];
    node.agent(&agent, "start")
        .rsctmp(top.path())
        .params(&params)
        .run()
        .expect(0);
    let pid: u32 = fs::read_to_string(top.path().join(format!("send_arp-{VIP}")))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    node.agent(&agent, "stop")
        .rsctmp(top.path())
        .params(&params)
        .run()
        .expect(0);
    assert!(!alive(pid), "the genuine sender is ended");
    assert!(copies_of(&node, VIP).is_empty());
}

/// Only the process that was forked as this VIP's sender is signalled:
/// not another resource's sender named by a forged pid file (with or
/// without a forged companion), not another floatip process.
fn sender_identity_is_exact() {
    let node = Node::with_base();
    let rsctmp = node.rsctmp.path();
    // Another VIP's sender: a floatip process that runs for a long time.
    let other = [("ip", OTHER_VIP), ("garp_count", "1000")];
    expect_code(bounded(&node, "start", &other), 0, "start the other VIP");
    let other_pid_file = rsctmp.join(format!("send_arp-{OTHER_VIP}"));
    let other_pid = fs::read_to_string(&other_pid_file)
        .unwrap()
        .trim()
        .to_owned();
    let companion =
        fs::read_to_string(rsctmp.join(format!("send_arp-{OTHER_VIP}.floatip-start"))).unwrap();
    let ticks = companion.split_whitespace().nth(1).unwrap().to_owned();

    let ours = [("ip", VIP), ("arp_count", "1")];
    let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
    let companion_file = rsctmp.join(format!("send_arp-{VIP}.floatip-start"));
    let forgeries: [(&str, Option<String>); 3] = [
        ("no companion", None),
        (
            "a companion with another start time",
            Some(format!("{other_pid} 1\n")),
        ),
        (
            "a companion naming another pid",
            Some(format!("1 {ticks}\n")),
        ),
    ];
    for (what, forged) in forgeries {
        expect_code(bounded(&node, "start", &ours), 0, "start");
        fs::write(&pid_file, format!("{other_pid}\n")).unwrap();
        let _ = fs::remove_file(&companion_file);
        if let Some(text) = &forged {
            fs::write(&companion_file, text).unwrap();
        }
        expect_code(bounded(&node, "stop", &ours), 0, "stop");
        assert!(
            alive(other_pid.parse().unwrap()),
            "{what}: stop signalled another resource's sender"
        );
        assert!(!pid_file.exists() && !companion_file.exists());
    }
    // The genuine article is ended.
    expect_code(bounded(&node, "stop", &other), 0, "stop the other VIP");
    assert!(!alive(other_pid.parse().unwrap()));
}

/// A stock sender that ignores SIGTERM: stop kills it inside its own
/// timeout budget (1.5 s here, less its margin) and still removes the
/// address.
fn stop_kills_a_stubborn_sender_within_its_budget() {
    let node = Node::with_base();
    let dir = TempDir::new();
    let stubborn = dir.path().join("send_arp");
    fs::copy("/bin/sleep", &stubborn).unwrap();
    expect_code(
        bounded(&node, "start", &[("ip", VIP), ("arp_count", "1")]),
        0,
        "start",
    );
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", &node.ns.name])
        .arg(&stubborn)
        .arg("600");
    // SAFETY: only resets a signal disposition in the child before exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGTERM, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    sleep(Duration::from_millis(200));
    let pid = node
        .ns
        .pids()
        .into_iter()
        .find(|p| fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == stubborn))
        .expect("the stubborn sender runs");
    fs::write(
        node.rsctmp.path().join(format!("send_arp-{VIP}")),
        format!("{pid}\n"),
    )
    .unwrap();
    let began = Instant::now();
    expect_code(
        bounded(
            &node,
            "stop",
            &[("ip", VIP), ("OCF_RESKEY_CRM_meta_timeout", "1500")],
        ),
        0,
        "stop",
    );
    assert!(
        began.elapsed() < Duration::from_millis(1500),
        "stop took {:?}",
        began.elapsed()
    );
    let _ = child.wait();
    assert!(!alive(pid), "the stubborn sender was killed");
    assert!(node.ns.find(VIP).is_empty());
}

/// A process that is nobody's sender, for stop to leave alone.
struct Victim(Child);

impl Victim {
    fn new() -> Victim {
        Victim(
            Command::new("sleep")
                .arg("60")
                .stdout(Stdio::null())
                .spawn()
                .expect("sleep"),
        )
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Field 22 of /proc/<pid>/stat, as floatip's companion records it.
    fn start_ticks(&self) -> String {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        rest.split_whitespace().nth(19).unwrap().to_owned()
    }
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A forged pid file and companion naming `victim` exactly (pid and start
/// time), as anyone who can write the directory could plant them.
fn forge(rsctmp: &Path, victim: &Victim) {
    let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
    fs::write(&pid_file, format!("{}\n", victim.pid())).unwrap();
    fs::write(
        rsctmp.join(format!("send_arp-{VIP}.floatip-start")),
        format!("{} {}\n", victim.pid(), victim.start_ticks()),
    )
    .unwrap();
}

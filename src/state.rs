//! Small state files under HA_RSCTMP (the sender's pid file and its
//! companion, the LVS record), written and read so that nothing planted in
//! their place can hang an action, exhaust its memory, or be trusted.
//!
//! - Written under a temporary name created with O_EXCL|O_NOFOLLOW (a
//!   symlink or file planted there is never followed or reused), with
//!   explicit modes whatever the umask (files 0644, directories 0755), then
//!   renamed over the final name, so a reader never sees half a file.
//! - Read with O_NOFOLLOW|O_NONBLOCK (a FIFO does not block, a symlink to
//!   /dev/zero is refused), only when the file is a regular file, and only
//!   a few bytes.
//! - Trusted only where nobody else can write: the file owned by this
//!   process's user (or root) and writable by nobody else, every directory above it
//!   owned by root or that user and writable by nobody else, unless it is
//!   sticky (/tmp: nobody can replace what another user put there, and
//!   what they put there themselves fails the file's own check). Anything
//!   else is no proof: a forged pid file and companion must never make
//!   stop signal an unrelated process.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const FILE_MODE: u32 = 0o644;
pub const DIR_MODE: u32 = 0o755;

/// Creates `dir` and any missing parents with mode 0755 (set explicitly,
/// so a restrictive or permissive umask changes nothing).
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut next = Some(dir);
    while let Some(path) = next {
        if path.as_os_str().is_empty() || fs::symlink_metadata(path).is_ok() {
            break;
        }
        missing.push(path);
        next = path.parent();
    }
    for path in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
            Ok(()) => fs::set_permissions(path, fs::Permissions::from_mode(DIR_MODE))?,
            // A concurrent action created it first.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes `contents` to `path` atomically: a fresh temporary file beside
/// it (O_EXCL|O_NOFOLLOW, mode 0644), then a rename.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = Path::new(&temporary);
    let mut file = match create_exclusive(temporary) {
        Ok(file) => file,
        // Left by a process that had our pid and died: never reused as it
        // is (it may be anything), but removed (not followed) and made anew.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(temporary)?;
            create_exclusive(temporary)?
        }
        Err(e) => return Err(e),
    };
    let written = file
        .set_permissions(fs::Permissions::from_mode(FILE_MODE))
        .and_then(|()| file.write_all(contents))
        .and_then(|()| fs::rename(temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(temporary);
    }
    written
}

fn create_exclusive(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// A small state file: `Ok(None)` when there is none; an error when it is
/// not a regular file (a FIFO, a symlink, a directory, a device) or is
/// larger than `limit` bytes.
pub fn read_small(path: &Path, limit: usize) -> io::Result<Option<String>> {
    let mut options = OpenOptions::new();
    options.read(true);
    let (mut file, metadata) = match open_trusted(path, &options) {
        Ok(opened) => opened,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if metadata.len() > limit as u64 {
        return Err(untrusted(path, "larger than a state file can be"));
    }
    let mut bytes = Vec::with_capacity(limit);
    Read::by_ref(&mut file)
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(untrusted(path, "larger than a state file can be"));
    }
    let text = String::from_utf8(bytes).map_err(|_| untrusted(path, "not text"))?;
    Ok(Some(text))
}

/// A lock file (created, mode 0644, if missing), trusted as state files
/// are: never through a symlink, only a regular file nobody else can
/// write, in directories nobody else can change.
pub fn open_lock(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE);
    open_trusted(path, &options).map(|(file, _)| file)
}

/// Opens `path` as `options` say, never through a symlink and without
/// blocking on a FIFO, and only if it is a regular file that is trusted
/// (see the module's rules).
fn open_trusted(path: &Path, options: &OpenOptions) -> io::Result<(File, fs::Metadata)> {
    let file = match options
        .clone()
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(file) => file,
        // O_NOFOLLOW on a symlink.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(untrusted(path, "a symbolic link"))
        }
        Err(e) => return Err(e),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(untrusted(path, "not a regular file"));
    }
    match untrusted_file(&metadata).or_else(|| untrusted_directories(path)) {
        Some(why) => Err(untrusted(path, &why)),
        None => Ok((file, metadata)),
    }
}

/// Why a state file's own owner or mode makes it no proof, if they do.
fn untrusted_file(metadata: &fs::Metadata) -> Option<String> {
    let uid = nix::unistd::geteuid().as_raw();
    // Root's files are as trustworthy as our own, to any user (show).
    if metadata.uid() != uid && metadata.uid() != 0 {
        return Some(format!(
            "owned by uid {}, not by this agent's user ({uid}) or root",
            metadata.uid()
        ));
    }
    (metadata.mode() & 0o022 != 0).then(|| {
        format!(
            "writable by group or others (mode {:o})",
            metadata.mode() & 0o7777
        )
    })
}

/// Why a directory above `path` makes what is in it no proof, if one
/// does: owned by another user than root or ours, or writable by group or
/// others without the sticky bit. The path is resolved first, so a
/// symbolic link anywhere in it is judged by what it points at (and the
/// directories that hold that).
fn untrusted_directories(path: &Path) -> Option<String> {
    let uid = nix::unistd::geteuid().as_raw();
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    let resolved = match fs::canonicalize(parent) {
        Ok(resolved) => resolved,
        Err(e) => return Some(format!("in a directory that cannot be resolved ({e})")),
    };
    for dir in resolved.ancestors() {
        let Ok(metadata) = fs::metadata(dir) else {
            return Some(format!("in {}, which cannot be read", dir.display()));
        };
        let mode = metadata.mode();
        if metadata.uid() != 0 && metadata.uid() != uid {
            return Some(format!(
                "in {}, owned by uid {}",
                dir.display(),
                metadata.uid()
            ));
        }
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Some(format!(
                "in {}, writable by group or others (mode {:o})",
                dir.display(),
                mode & 0o7777
            ));
        }
    }
    None
}

fn untrusted(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} is {what}: not trusted", path.display()),
    )
}

/// Removes a state file (never what a symlink points at); absent is fine.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("floatip-state-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn written_files_and_directories_have_explicit_modes() {
        let dir = scratch("modes");
        use nix::sys::stat::{umask, Mode};
        let old = umask(Mode::from_bits_truncate(0o077));
        let path = dir.join("sub").join("send_arp-192.0.2.10");
        write_atomically(&path, b"123\n").unwrap();
        umask(old);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), FILE_MODE);
        assert_eq!(mode(&dir.join("sub")), DIR_MODE);
        assert_eq!(mode(&dir), DIR_MODE);
        let text = read_small(&path, 64).unwrap().unwrap();
        assert_eq!(text, "123\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_temporary_symlink_is_not_followed() {
        let dir = scratch("planted");
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, "keep").unwrap();
        let path = dir.join("pid");
        let temporary = format!("{}.tmp{}", path.display(), std::process::id());
        symlink(&victim, &temporary).unwrap();
        write_atomically(&path, b"42\n").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&path).unwrap(), "42\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn state_that_others_can_write_is_no_proof() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("writable");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("send_arp-192.0.2.10");
        fs::write(&path, "42\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(read_small(&path, 64).unwrap().as_deref(), Some("42\n"));
        // The file writable by others.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o646)).unwrap();
        let error = read_small(&path, 64).unwrap_err().to_string();
        assert!(error.contains("writable by group or others"), "{error}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        // Its directory writable by the group, without and with the sticky bit.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o775)).unwrap();
        let error = read_small(&path, 64).unwrap_err().to_string();
        assert!(
            error.contains("writable by group or others (mode 775)"),
            "{error}"
        );
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(read_small(&path, 64).is_ok(), "a sticky directory, as /tmp");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn untrusted_files_are_refused_without_reading_them() {
        let dir = scratch("untrusted");
        fs::create_dir_all(&dir).unwrap();
        let link = dir.join("link");
        symlink("/dev/zero", &link).unwrap();
        assert!(read_small(&link, 64).is_err());
        let fifo = dir.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        assert!(
            read_small(&fifo, 64).is_err(),
            "a FIFO neither blocks nor is read"
        );
        assert!(read_small(&dir, 64).is_err(), "a directory");
        let huge = dir.join("huge");
        fs::write(&huge, vec![b'1'; 100_000]).unwrap();
        assert!(read_small(&huge, 64).is_err());
        assert!(read_small(&dir.join("absent"), 64).unwrap().is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}

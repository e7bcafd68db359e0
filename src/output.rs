//! Output files written atomically: a temporary file in the target folder,
//! renamed into place only when complete.
//!
//! A run first turns every output path into a [`Target`] with [`plan`], which
//! checks the folder and rejects an existing file unless `--force` is given.
//! Only when every target of the run passed does it [`stage`] each file (write
//! it completely to a temporary file and `fsync` it) and then [`Staged::commit`]
//! them, so a failed run leaves neither a partial file nor a temporary one.
//!
//! Permissions: the temporary file is created with `O_CREAT | O_EXCL` and the
//! standard library's default mode 0o666, so the kernel applies the process
//! umask (and any default ACL of the folder) exactly as for a plain new file.
//! That is why no umask is read: reading it portably needs `umask(2)`, which
//! also sets it and races with other threads, and a probe file would be one
//! more file to clean up. `tempfile::NamedTempFile` is not used because it
//! creates files with mode 0o600.
//!
//! A target that exists and is not a regular file (a terminal, a pipe, a FIFO,
//! `/dev/null`, `/dev/full`), or that names a file descriptor (`/dev/stdout`,
//! `/dev/fd/N`), is written directly. Renaming over it would replace the
//! device node or link instead of writing to what it stands for.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::RunError;

/// The write buffer size: large enough that a million records take a few
/// hundred system calls, small enough not to matter for memory.
pub const BUFFER_SIZE: usize = 1 << 20;

/// The write strategy for a target path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// Nothing exists at the path: write a temporary file and rename it there.
    New,
    /// A regular file exists and `--force` was given: replace it by a rename.
    Replace,
    /// A device, FIFO or other non-regular file: open it and write directly.
    Direct,
}

/// An output path that passed the checks of [`plan`].
#[derive(Clone, Debug)]
pub struct Target {
    /// The path as the user named it, for messages.
    pub path: PathBuf,
    /// The path that receives the data: the path itself, or for a symbolic
    /// link to a regular file, the file it points to, so that the link survives.
    write_path: PathBuf,
    /// The write strategy.
    pub kind: TargetKind,
}

impl Target {
    /// Returns the path that is written, with symbolic links to a regular file resolved.
    pub fn write_path(&self) -> &Path {
        &self.write_path
    }
}

/// Returns the folder a path is in; `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Checks that `path` can be written and decides how. `option` names the
/// command-line option that gave the path (`-o` or `--rejects`), for messages.
///
/// Fails when the folder is missing or not a folder, when the path is a folder,
/// and when a regular file exists there and `force` is false. Folders are never
/// created.
pub fn plan(path: &Path, force: bool, option: &str) -> Result<Target, RunError> {
    if let Some(target) = plan_existing(path, force, option)? {
        return Ok(target);
    }
    check_folder(path, option)?;
    Ok(Target {
        path: path.to_path_buf(),
        write_path: path.to_path_buf(),
        kind: TargetKind::New,
    })
}

/// Checks that `path` is not a folder and that its folder exists, for a path
/// whose final name is not known yet, such as the base name of batch files.
pub fn check_folder(path: &Path, option: &str) -> Result<(), RunError> {
    let display_path = path.display();
    if path.as_os_str().is_empty() {
        return Err(RunError::new(format!("{option} needs a file name")));
    }
    let help = format!("give {option} a file name, for example {option} out/add.xml");
    if path
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator)
    {
        return Err(RunError::new(format!(
            "cannot write '{display_path}': a path that ends in a separator names a folder"
        ))
        .with_help(help));
    }
    if fs::metadata(path).is_ok_and(|metadata| metadata.is_dir()) {
        return Err(
            RunError::new(format!("cannot write '{display_path}': it is a folder")).with_help(help),
        );
    }
    let folder = folder_of(path);
    match fs::metadata(folder) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(RunError::new(format!(
                "cannot write '{display_path}': '{}' is not a folder",
                folder.display()
            )))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(RunError::new(format!(
                "cannot write '{display_path}': the folder '{}' does not exist",
                folder.display()
            ))
            .with_help("create the folder first; v6map does not create folders"));
        }
        Err(error) => {
            return Err(RunError::new(format!(
                "cannot write '{display_path}': cannot access the folder '{}': {error}",
                folder.display()
            )))
        }
    }
    if path.file_name().is_none() {
        return Err(RunError::new(format!(
            "cannot write '{display_path}': {option} needs a file name"
        )));
    }
    Ok(())
}

/// Plans a path that already exists; `None` when nothing exists there.
fn plan_existing(path: &Path, force: bool, option: &str) -> Result<Option<Target>, RunError> {
    let display_path = path.display();
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            // A dangling symbolic link: writing would follow it into a place the
            // user did not name, and renaming would replace the link.
            if fs::symlink_metadata(path).is_ok() {
                return Err(RunError::new(format!(
                    "cannot write '{display_path}': it is a symbolic link to a missing file"
                )));
            }
            return Ok(None);
        }
        Err(error) => {
            // A folder in the path that is a file, or one that cannot be
            // searched, is named by the folder check; otherwise show the error.
            check_folder(path, option)?;
            return Err(RunError::new(format!(
                "cannot write '{display_path}': {error}"
            )));
        }
    };

    if metadata.is_dir() {
        return Err(
            RunError::new(format!("cannot write '{display_path}': it is a folder")).with_help(
                format!("give {option} a file name, for example {option} out/add.xml"),
            ),
        );
    }
    if !metadata.is_file() || is_descriptor_alias(path) {
        return Ok(Some(Target {
            path: path.to_path_buf(),
            write_path: path.to_path_buf(),
            kind: TargetKind::Direct,
        }));
    }
    if !force {
        return Err(RunError::new(format!(
            "'{display_path}' already exists and --force was not given"
        ))
        .with_help("pass --force to replace it, or choose another file name"));
    }
    let write_path = fs::canonicalize(path)
        .map_err(|error| RunError::new(format!("cannot write '{display_path}': {error}")))?;
    Ok(Some(Target {
        path: path.to_path_buf(),
        write_path,
        kind: TargetKind::Replace,
    }))
}

/// Returns true for paths that name another file descriptor of this process:
/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/PID/fd/N`. They are
/// links that a rename would replace, while the file behind them may be a
/// regular file that the shell opened, as in `-o /dev/stdout > out.xml`.
fn is_descriptor_alias(path: &Path) -> bool {
    let Ok(absolute) = std::path::absolute(path) else {
        return false;
    };
    let names: Vec<&std::ffi::OsStr> = absolute
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect();
    let is_number = |name: &std::ffi::OsStr| {
        name.to_str()
            .is_some_and(|text| text.bytes().all(|b| b.is_ascii_digit()))
    };
    match names.as_slice() {
        [dev, name] => *dev == "dev" && (*name == "stdout" || *name == "stderr"),
        [dev, fd, number] => *dev == "dev" && *fd == "fd" && is_number(number),
        [proc, process, fd, number] => {
            *proc == "proc"
                && (*process == "self" || *process == "thread-self" || is_number(process))
                && *fd == "fd"
                && is_number(number)
        }
        _ => false,
    }
}

/// The identity of a file, to tell whether two paths name the same file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId {
    #[cfg(unix)]
    device_inode: (u64, u64),
    #[cfg(not(unix))]
    canonical: PathBuf,
}

impl FileId {
    /// Returns the identity of the regular file at `path`, following symbolic
    /// links, or `None` when nothing is there or it is not a regular file.
    pub fn of_regular_file(path: &Path) -> Option<FileId> {
        let metadata = fs::metadata(path).ok()?;
        if !metadata.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileId {
                device_inode: (metadata.dev(), metadata.ino()),
            })
        }
        #[cfg(not(unix))]
        {
            Some(FileId {
                canonical: fs::canonicalize(path).ok()?,
            })
        }
    }
}

/// Returns a key that is equal for two targets that would write the same
/// file, even when neither exists yet: the canonical folder and the file name.
pub fn target_key(target: &Target) -> Option<PathBuf> {
    let path = target.write_path();
    let folder = fs::canonicalize(folder_of(path)).ok()?;
    Some(folder.join(path.file_name()?))
}

/// A temporary file that is deleted when dropped, unless it was renamed into place.
///
/// NOTE: a process killed by a signal (Ctrl-C) does not run `Drop`, so it
/// leaves its `.NAME.PID-TIME-N.tmp` file behind in the target folder.
#[derive(Debug)]
struct TemporaryFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: the file may already be gone, and a failure here
            // must not hide the error that caused the clean-up.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A file written completely but not yet in place. Dropping it deletes the
/// temporary file.
#[derive(Debug)]
pub struct Staged {
    target: Target,
    temporary: Option<TemporaryFile>,
}

/// Writes the whole content of `target` with `write`, through a large buffer.
/// A new or replaced file goes to a synced temporary file in the target's
/// folder, which [`Staged::commit`] renames into place. A direct target is
/// written and flushed here, and committing it does nothing.
pub fn stage(
    target: &Target,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<Staged, RunError> {
    let display_path = target.path.display();
    let write_error =
        |error: io::Error| RunError::new(format!("failed to write '{display_path}': {error}"));

    if target.kind == TargetKind::Direct {
        // A regular file behind a descriptor alias is appended to, which for
        // the usual `> out.xml` (an empty file) writes from the start, and for
        // `>> out.xml` keeps what is there. Devices and pipes ignore the flag.
        let is_regular = fs::metadata(target.write_path()).is_ok_and(|metadata| metadata.is_file());
        let file = OpenOptions::new()
            .write(true)
            .append(is_regular)
            .open(target.write_path())
            .map_err(write_error)?;
        let mut writer = BufWriter::with_capacity(BUFFER_SIZE, file);
        write(&mut writer)
            .and_then(|()| writer.flush())
            .map_err(write_error)?;
        return Ok(Staged {
            target: target.clone(),
            temporary: None,
        });
    }

    let (file, temporary) = create_temporary(target.write_path()).map_err(|error| {
        RunError::new(format!(
            "cannot write '{display_path}': failed to create a temporary file in '{}': {error}",
            folder_of(target.write_path()).display()
        ))
    })?;
    let mut writer = BufWriter::with_capacity(BUFFER_SIZE, file);
    write(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(write_error)?;
    let file = writer
        .into_inner()
        .map_err(|error| write_error(error.into_error()))?;
    file.sync_all().map_err(write_error)?;
    Ok(Staged {
        target: target.clone(),
        temporary: Some(temporary),
    })
}

impl Staged {
    /// Renames the temporary file into place and syncs the folder, so the new
    /// name survives a crash.
    ///
    /// NOTE: a file that appears at a `New` target between [`plan`] and this
    /// rename is replaced; a no-clobber rename is not available in std.
    pub fn commit(mut self) -> Result<(), RunError> {
        let Some(temporary) = self.temporary.as_mut() else {
            return Ok(());
        };
        let destination = self.target.write_path();
        fs::rename(&temporary.path, destination).map_err(|error| {
            RunError::new(format!(
                "failed to move the finished file into place as '{}': {error}",
                self.target.path.display()
            ))
        })?;
        temporary.keep = true;
        sync_folder(folder_of(destination));
        Ok(())
    }
}

/// Syncs a folder's entries to disk. Errors are ignored: the data is already
/// synced, and some file systems do not support syncing a folder.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// Creates a new, empty temporary file beside `destination`, named
/// `.NAME.PID-TIME-N.tmp`, with the permissions of a plain new file.
fn create_temporary(destination: &Path) -> io::Result<(File, TemporaryFile)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let folder = folder_of(destination);
    let name = destination.file_name().unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|duration| duration.subsec_nanos())
        .unwrap_or(0);
    let mut last_error = None;
    for _ in 0..16 {
        let mut temporary_name = OsString::from(".");
        temporary_name.push(name);
        let serial = COUNTER.fetch_add(1, Ordering::Relaxed);
        temporary_name.push(format!(".{}-{nanos:x}-{serial}.tmp", std::process::id()));
        let path = folder.join(temporary_name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, TemporaryFile { path, keep: false })),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last_error = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn new_file_written_and_renamed() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("add.xml");
        let target = plan(&path, false, "-o").unwrap();
        assert_eq!(target.kind, TargetKind::New);
        let staged = stage(&target, |out| out.write_all(b"data\n")).unwrap();
        assert!(!path.exists(), "the file appears only on commit");
        staged.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"data\n");
        assert_eq!(entries(folder.path()), ["add.xml"]);
    }

    #[test]
    fn existing_file_needs_force() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("add.xml");
        fs::write(&path, "old").unwrap();
        let error = plan(&path, false, "-o").unwrap_err();
        assert!(
            error
                .message
                .ends_with("already exists and --force was not given"),
            "{}",
            error.message
        );
        assert!(error.help.unwrap().contains("--force"));
        let target = plan(&path, true, "-o").unwrap();
        assert_eq!(target.kind, TargetKind::Replace);
        stage(&target, |out| out.write_all(b"new"))
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn missing_folder_rejected_not_created() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("missing").join("add.xml");
        let error = plan(&path, true, "-o").unwrap_err();
        assert!(
            error.message.contains("does not exist"),
            "{}",
            error.message
        );
        assert!(!folder.path().join("missing").exists());
    }

    #[test]
    fn folder_as_target_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let error = plan(folder.path(), true, "-o").unwrap_err();
        assert!(
            error.message.ends_with("it is a folder"),
            "{}",
            error.message
        );
        let missing = format!("{}/new/", folder.path().display());
        let error = plan(Path::new(&missing), true, "-o").unwrap_err();
        assert!(
            error.message.ends_with("names a folder"),
            "{}",
            error.message
        );
    }

    #[test]
    fn file_as_folder_named() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("inventory.csv");
        fs::write(&file, "v4,v6\n").unwrap();
        let error = plan(&file.join("add.xml"), false, "-o").unwrap_err();
        let expected = format!("'{}' is not a folder", file.display());
        assert!(error.message.ends_with(&expected), "{}", error.message);
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("add.xml");
        let target = plan(&path, false, "-o").unwrap();
        let error = stage(&target, |out| {
            out.write_all(b"partial")?;
            Err(io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(error.message.contains("disk on fire"), "{}", error.message);
        assert!(
            entries(folder.path()).is_empty(),
            "{:?}",
            entries(folder.path())
        );
    }

    #[test]
    fn dropped_stage_leaves_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let target = plan(&folder.path().join("add.xml"), false, "-o").unwrap();
        let staged = stage(&target, |out| out.write_all(b"data")).unwrap();
        assert_eq!(entries(folder.path()).len(), 1);
        drop(staged);
        assert!(entries(folder.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn devices_written_directly() {
        let target = plan(Path::new("/dev/null"), false, "-o").unwrap();
        assert_eq!(target.kind, TargetKind::Direct);
        stage(&target, |out| out.write_all(b"data"))
            .unwrap()
            .commit()
            .unwrap();
        assert!(Path::new("/dev/null").exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn full_device_fails_to_write() {
        let target = plan(Path::new("/dev/full"), false, "-o").unwrap();
        let error = stage(&target, |out| out.write_all(b"data")).unwrap_err();
        assert!(
            error.message.starts_with("failed to write '/dev/full'"),
            "{}",
            error.message
        );
    }

    #[test]
    fn descriptor_aliases_recognised() {
        for path in [
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/1",
            "/proc/self/fd/1",
            "/proc/42/fd/3",
        ] {
            assert!(is_descriptor_alias(Path::new(path)), "{path}");
        }
        for path in [
            "/dev/shm/add.xml",
            "/dev/null",
            "/proc/self/status",
            "out/dev/stdout",
            "/dev/fd/x",
        ] {
            assert!(!is_descriptor_alias(Path::new(path)), "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlink_to_file_kept_on_replace() {
        let folder = tempfile::tempdir().unwrap();
        let real = folder.path().join("real.xml");
        let link = folder.path().join("link.xml");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let target = plan(&link, true, "-o").unwrap();
        stage(&target, |out| out.write_all(b"new"))
            .unwrap()
            .commit()
            .unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn same_file_found_by_identity() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("inventory.csv");
        fs::write(&path, "v4,v6\n").unwrap();
        let other = folder.path().join(".").join("inventory.csv");
        assert!(FileId::of_regular_file(&path).is_some());
        assert_eq!(
            FileId::of_regular_file(&path),
            FileId::of_regular_file(&other)
        );
        assert_eq!(FileId::of_regular_file(&folder.path().join("none")), None);
        assert_eq!(FileId::of_regular_file(folder.path()), None);
    }
}

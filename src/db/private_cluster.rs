//! A PostgreSQL cluster of Probity's own, for a development machine with PostgreSQL's packages
//! installed but no server answering at the default address (`DEFAULT_DATABASE_URL`).
//!
//! `serve --dev` and the test suite start one when `DATABASE_URL` is unset and nothing
//! answers at `127.0.0.1:5432`: `initdb` and `pg_ctl` from the installed packages make and
//! start a cluster in a directory of its own (`data/postgres` for `serve --dev`, under
//! `target/` for the tests), listening on 127.0.0.1 only, on a free port, with trust
//! authentication for connections from there and its Unix socket in that directory. A cluster
//! already made there is started again rather than made anew, and one already running there
//! is used as it is.
//!
//! Several processes may use one cluster at once. Each holds a shared lock on `users.lock` in
//! the directory while it does; whoever stops using it last stops the server: `serve --dev`
//! when it shuts down ([`PrivateCluster::release`]), and for a process that has no moment to
//! do so (a test binary), a small watcher that waits for that lock
//! ([`PrivateCluster::stop_after_exit`]). A process killed outright leaves the server to the
//! next process that uses the directory, which uses it and stops it in its turn.
//!
//! PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account
//! (which Debian's packages create), and `initdb` and `pg_ctl` run as it.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection};
use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Gid, Uid, User};

/// Where `serve --dev` keeps its cluster, relative to the working directory (beside the
/// documents directory's default).
pub const DEV_DIR: &str = "data/postgres";

/// The account the cluster belongs to when Probity runs as root.
pub const SYSTEM_ACCOUNT: &str = "postgres";

/// The cluster's superuser: the user name of the default `DATABASE_URL`.
const SUPERUSER: &str = "postgres";

/// How long a connection attempt may take before the default server counts as not answering.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(500);

/// The longest Unix socket path (`sun_path` less its final NUL); with a longer directory the
/// cluster listens on TCP only.
const MAX_SOCKET_PATH: usize = 107;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "cannot find PostgreSQL's initdb and pg_ctl (looked in PROBITY_PG_BINDIR, \
         `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH): install PostgreSQL \
         (`apt-get install postgresql` on Debian), set PROBITY_PG_BINDIR to the directory \
         holding them, or set DATABASE_URL to a server of your own"
    )]
    NoBinaries,
    #[error("PROBITY_PG_BINDIR `{0}` holds no initdb and pg_ctl")]
    BadBinDir(PathBuf),
    #[error(
        "PostgreSQL will not run as root, and there is no `{SYSTEM_ACCOUNT}` account to run \
         the private cluster as: run as another user, or set DATABASE_URL to a server of \
         your own"
    )]
    NoAccount,
    #[error(
        "the `{account}` account cannot reach {dir} (a directory above it is closed to \
         others, as /root is): move the checkout, or set DATABASE_URL to a server of your own"
    )]
    Unreachable { account: String, dir: PathBuf },
    #[error(
        "{dir} holds a PostgreSQL {found} cluster, but the binaries in {bindir} are \
         PostgreSQL {binaries}: set PROBITY_PG_BINDIR to PostgreSQL {found}'s, or remove \
         {dir} to start afresh (its databases go with it)"
    )]
    VersionMismatch {
        dir: PathBuf,
        found: String,
        bindir: PathBuf,
        binaries: String,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what} failed ({status}){output}")]
    Command {
        what: String,
        status: String,
        output: String,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let what = what.into();
    move |source| ClusterError::Io { what, source }
}

/// What kind of cluster to run, and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// The cluster's directory: `data/` (the cluster itself), `server.log`, the lock files
    /// and the Unix socket.
    pub dir: PathBuf,
    /// Whether its data must survive a crash of the machine: off (no fsync) for the tests'.
    pub durable: bool,
    /// Whether its data may be thrown away when the installed PostgreSQL is another major
    /// version than the one that made it (the tests' holds only their templates).
    pub disposable: bool,
}

impl Options {
    /// `serve --dev`'s cluster, in [`DEV_DIR`]: kept, and durable.
    pub fn dev() -> Self {
        Self {
            dir: PathBuf::from(DEV_DIR),
            durable: true,
            disposable: false,
        }
    }

    /// A cluster for tests in `dir`: no fsync, made again when PostgreSQL is upgraded.
    pub fn for_tests(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            durable: false,
            disposable: true,
        }
    }
}

/// Whether anything accepts a TCP connection at the host and port of `url`
/// (`postgres://user@host:port/db`) within half a second. Not answering, refused or
/// unresolvable all count as no.
pub fn answers(url: &str) -> bool {
    let Some(address) = host_and_port(url) else {
        return false;
    };
    let Ok(addresses) = address.to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, ANSWER_TIMEOUT).is_ok())
}

/// Whether anything answers where the default `DATABASE_URL` points.
pub fn default_server_answers() -> bool {
    answers(crate::config::DEFAULT_DATABASE_URL)
}

/// `host:port` of a `postgres://` URL (port 5432 when it names none).
fn host_and_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return None;
    }
    let has_port = match host_port.rsplit_once(':') {
        // An IPv6 literal's colons are inside its brackets.
        Some((_, port)) => !port.contains(']'),
        None => false,
    };
    Some(if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    })
}

/// The installed PostgreSQL's programs.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub dir: PathBuf,
    /// The major version (`15`), as `PG_VERSION` in a data directory names it.
    pub major: String,
}

impl Binaries {
    /// `PROBITY_PG_BINDIR` if set; else `pg_config --bindir` if initdb is there; else the
    /// highest version under /usr/lib/postgresql (Debian keeps the server programs there,
    /// off PATH); else PATH.
    pub fn find() -> Result<Self, ClusterError> {
        let explicit = std::env::var_os("PROBITY_PG_BINDIR").filter(|v| !v.is_empty());
        let dir = locate(
            explicit.map(PathBuf::from),
            pg_config_bindir,
            Path::new("/usr/lib/postgresql"),
            std::env::var_os("PATH"),
        )?;
        let major = major_version(&dir)?;
        Ok(Self { dir, major })
    }

    fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }

    fn pg_ctl(&self) -> PathBuf {
        self.dir.join("pg_ctl")
    }
}

fn has_tools(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

/// The directory holding initdb and pg_ctl (see [`Binaries::find`]).
fn locate(
    explicit: Option<PathBuf>,
    pg_config: impl FnOnce() -> Option<PathBuf>,
    versions_root: &Path,
    path: Option<OsString>,
) -> Result<PathBuf, ClusterError> {
    if let Some(dir) = explicit {
        return if has_tools(&dir) {
            Ok(dir)
        } else {
            Err(ClusterError::BadBinDir(dir))
        };
    }
    if let Some(dir) = pg_config().filter(|d| has_tools(d)) {
        return Ok(dir);
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(versions_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    path.iter()
        .flat_map(std::env::split_paths)
        .find(|dir| has_tools(dir))
        .ok_or(ClusterError::NoBinaries)
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let dir = dir.trim();
    (out.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// `15` from `pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` (`9.6` from a 9.6).
fn major_version(bindir: &Path) -> Result<String, ClusterError> {
    let pg_ctl = bindir.join("pg_ctl");
    let out = Command::new(&pg_ctl)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(io(format!("running {}", pg_ctl.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_major(&text).ok_or_else(|| ClusterError::Command {
        what: format!("{} --version", pg_ctl.display()),
        status: out.status.to_string(),
        output: format!(": no version in `{}`", text.trim()),
    })
}

fn parse_major(version_line: &str) -> Option<String> {
    let number = version_line.split(") ").nth(1)?.split_whitespace().next()?;
    let mut parts = number.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first >= 10 {
        Some(first.to_string())
    } else {
        let second: u32 = parts.next()?.parse().ok()?;
        Some(format!("{first}.{second}"))
    }
}

/// Who the cluster's files and processes belong to: the `postgres` account when Probity runs
/// as root, otherwise the user running it (`None`).
#[derive(Clone, Debug)]
struct Owner {
    name: String,
    uid: Uid,
    gid: Gid,
}

impl Owner {
    fn for_this_process() -> Result<Option<Self>, ClusterError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(None);
        }
        let user = User::from_name(SYSTEM_ACCOUNT)
            .map_err(|e| ClusterError::Io {
                what: format!("looking up the `{SYSTEM_ACCOUNT}` account"),
                source: e.into(),
            })?
            .ok_or(ClusterError::NoAccount)?;
        Ok(Some(Self {
            name: user.name,
            uid: user.uid,
            gid: user.gid,
        }))
    }
}

/// A private PostgreSQL cluster this process uses. Dropping it (or [`PrivateCluster::release`])
/// ends this process's use, and stops the server if no other process uses it.
#[derive(Debug)]
pub struct PrivateCluster {
    dir: PathBuf,
    data: PathBuf,
    port: u16,
    binaries: Binaries,
    owner: Option<Owner>,
    /// This process's shared lock on `users.lock`, while it uses the cluster.
    in_use: Option<Flock<File>>,
}

impl PrivateCluster {
    /// Starts the cluster in `options.dir` (making it first if there is none there), or uses
    /// the one already running there.
    pub fn start(options: &Options) -> Result<Self, ClusterError> {
        let binaries = Binaries::find()?;
        let owner = Owner::for_this_process()?;
        let dir = prepare_dir(&options.dir, owner.as_ref())?;
        // One process at a time starts (or makes) the cluster.
        let starting = lock(
            &dir.join("start.lock"),
            owner.as_ref(),
            FlockArg::LockExclusive,
        )?;
        // Taken before looking: a process stopping the cluster holds it exclusively, so once
        // this is granted the cluster is either running for good or stopped.
        let in_use = lock(
            &dir.join("users.lock"),
            owner.as_ref(),
            FlockArg::LockShared,
        )?;
        let mut cluster = Self {
            data: dir.join("data"),
            dir,
            port: 0,
            binaries,
            owner,
            in_use: Some(in_use),
        };
        if let Some(port) = cluster.running_port()? {
            cluster.port = port;
            tracing::info!(
                dir = %cluster.dir.display(),
                port,
                "using the private PostgreSQL cluster already running"
            );
        } else {
            cluster.initialise(options)?;
            cluster.port = cluster.start_server(options)?;
            tracing::info!(
                dir = %cluster.dir.display(),
                port = cluster.port,
                "started a private PostgreSQL cluster on 127.0.0.1"
            );
        }
        drop(starting);
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of database `database` on the cluster, as its superuser `postgres`.
    pub fn url(&self, database: &str) -> String {
        self.url_on(self.port, database)
    }

    /// Ends this process's use of the cluster, and stops the server if no other process
    /// uses it. Whether it stopped it.
    pub fn release(mut self) -> Result<bool, ClusterError> {
        self.release_use()
    }

    /// For a process that cannot say when it is done (a test binary: statics are never
    /// dropped): keeps using the cluster until the process exits, and leaves a watcher that
    /// stops the server once no process uses it. Without `flock(1)` (util-linux) the server
    /// is left running, for the next process to use and stop.
    pub fn stop_after_exit(mut self) {
        let Some(in_use) = self.in_use.take() else {
            return;
        };
        // `flock` waits for an exclusive lock, granted once every process using the cluster
        // (this one included) has exited, and stops the server while holding it so that no
        // process starts using it meanwhile. Its own process group: a Ctrl-C that ends the
        // tests must not end it too.
        let mut watcher = self.command(Path::new("flock"));
        watcher
            .arg("--exclusive")
            .arg(self.dir.join("users.lock"))
            .arg(self.binaries.pg_ctl())
            .args(["stop", "--silent", "--wait", "--mode=fast", "-D"])
            .arg(&self.data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        match watcher.spawn() {
            Ok(_) => {}
            Err(e) => tracing::warn!(
                error = %e,
                dir = %self.dir.display(),
                "cannot run flock: the private PostgreSQL cluster will be left running"
            ),
        }
        // The lock is released when the process exits, and never before.
        std::mem::forget(in_use);
    }

    fn release_use(&mut self) -> Result<bool, ClusterError> {
        let Some(in_use) = self.in_use.take() else {
            return Ok(false);
        };
        // Exclusive only if no other process uses it (turning a shared flock exclusive is not
        // atomic, which does not matter here: this process is done with it either way).
        match in_use.relock(FlockArg::LockExclusiveNonblock) {
            Ok(()) => {
                self.stop()?;
                drop(in_use);
                Ok(true)
            }
            Err(nix::errno::Errno::EWOULDBLOCK) => Ok(false),
            Err(e) => Err(ClusterError::Io {
                what: format!("locking {}", self.dir.join("users.lock").display()),
                source: e.into(),
            }),
        }
    }

    /// Stops the server (it must be this process's to stop).
    fn stop(&self) -> Result<(), ClusterError> {
        if !self.data.join("postmaster.pid").exists() {
            return Ok(());
        }
        let out = self.run(
            self.command(&self.binaries.pg_ctl())
                .args(["stop", "--wait", "--timeout=60", "--mode=fast", "-D"])
                .arg(&self.data),
        )?;
        if !out.status.success() && self.data.join("postmaster.pid").exists() {
            return Err(command_failed("pg_ctl stop", &out, ""));
        }
        tracing::info!(
            dir = %self.dir.display(),
            port = self.port,
            "stopped the private PostgreSQL cluster"
        );
        Ok(())
    }

    /// The port of the server already running on this directory, if one is and answers.
    fn running_port(&self) -> Result<Option<u16>, ClusterError> {
        let pidfile = self.data.join("postmaster.pid");
        let Ok(text) = std::fs::read_to_string(&pidfile) else {
            return Ok(None);
        };
        let mut lines = text.lines();
        let pid = lines.next().and_then(|l| l.trim().parse::<i32>().ok());
        let port = lines.nth(2).and_then(|l| l.trim().parse::<u16>().ok());
        let (Some(pid), Some(port)) = (pid, port) else {
            return Ok(None);
        };
        let alive = || self.is_our_server(pid);
        if !alive() {
            // Left by a server that died (and its process id perhaps taken since, by a process
            // PostgreSQL would take for it and refuse to start): not one to use or to stop.
            let _ = std::fs::remove_file(&pidfile);
            return Ok(None);
        }
        let url = format!("{}?connect_timeout=3", self.url_on(port, "postgres"));
        // A server still starting up (or shutting down) is given a little while.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if PgConnection::establish(&url).is_ok() {
                return Ok(Some(port));
            }
            if !alive() {
                return Ok(None);
            }
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        // Running but not answering: stop it, to start it afresh.
        tracing::warn!(
            dir = %self.dir.display(),
            pid,
            "the private PostgreSQL cluster's server does not answer: stopping it"
        );
        self.stop()?;
        Ok(None)
    }

    /// Whether process `pid` is a server of this cluster: on Linux, a live process whose
    /// working directory is the data directory (a postmaster's is); elsewhere, any live one.
    fn is_our_server(&self, pid: i32) -> bool {
        if Path::new("/proc/self/cwd").exists() {
            return std::fs::read_link(format!("/proc/{pid}/cwd"))
                .is_ok_and(|cwd| cwd == self.data);
        }
        matches!(
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
            Ok(()) | Err(nix::errno::Errno::EPERM)
        )
    }

    fn url_on(&self, port: u16, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{port}/{database}")
    }

    /// Makes the cluster if the directory holds none (or half of one).
    fn initialise(&self, options: &Options) -> Result<(), ClusterError> {
        let version_file = self.data.join("PG_VERSION");
        if let Ok(found) = std::fs::read_to_string(&version_file) {
            let found = found.trim().to_owned();
            if found == self.binaries.major {
                return Ok(());
            }
            if !options.disposable {
                return Err(ClusterError::VersionMismatch {
                    dir: self.dir.clone(),
                    found,
                    bindir: self.binaries.dir.clone(),
                    binaries: self.binaries.major.clone(),
                });
            }
            tracing::info!(
                dir = %self.dir.display(),
                %found,
                binaries = %self.binaries.major,
                "making the private PostgreSQL cluster anew for another PostgreSQL version"
            );
        }
        if self.data.exists() {
            std::fs::remove_dir_all(&self.data)
                .map_err(io(format!("removing {}", self.data.display())))?;
        }
        let initdb = |locale: &str| {
            let mut command = self.command(&self.binaries.initdb());
            command
                .arg("-D")
                .arg(&self.data)
                .args(["--username", SUPERUSER, "--auth=trust", "--encoding=UTF8"])
                .arg(format!("--locale={locale}"));
            if !options.durable {
                command.arg("--no-sync");
            }
            self.run(&mut command)
        };
        // C.UTF-8 where the C library has it (classifies every letter, not only ASCII ones);
        // plain C otherwise.
        let mut out = initdb("C.UTF-8")?;
        if !out.status.success() {
            out = initdb("C")?;
        }
        if !out.status.success() {
            return Err(command_failed("initdb", &out, ""));
        }
        // Trust, from 127.0.0.1 only: no line for the Unix socket or any other address.
        self.write(
            &self.data.join("pg_hba.conf"),
            "# Probity's private cluster (src/db/private_cluster.rs): anyone on this machine\n\
             # may connect over TCP to 127.0.0.1, as any user, without a password.\n\
             # TYPE  DATABASE  USER  ADDRESS       METHOD\n\
             host    all       all   127.0.0.1/32  trust\n",
            false,
        )?;
        // The address, port and socket are written before each start (`probity.conf`).
        self.write(
            &self.data.join("postgresql.conf"),
            "\n# Probity's private cluster: written before each start.\n\
             include_if_exists = 'probity.conf'\n",
            true,
        )?;
        tracing::info!(
            dir = %self.dir.display(),
            version = %self.binaries.major,
            "made a private PostgreSQL cluster"
        );
        Ok(())
    }

    /// Starts the server on a free port; the port.
    fn start_server(&self, options: &Options) -> Result<u16, ClusterError> {
        let log = self.dir.join("server.log");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            self.write(
                &self.data.join("probity.conf"),
                &self.settings(port, options),
                false,
            )?;
            // The log of this run only.
            let _ = std::fs::remove_file(&log);
            let out = self.run(
                self.command(&self.binaries.pg_ctl())
                    .args(["start", "--wait", "--timeout=60", "-D"])
                    .arg(&self.data)
                    .arg("-l")
                    .arg(&log),
            )?;
            if out.status.success() {
                return Ok(port);
            }
            let tail = log_tail(&log);
            // Another process took the port between our look and the server's bind.
            if attempt < 3 && tail.contains("already in use") {
                continue;
            }
            return Err(command_failed(
                "pg_ctl start",
                &out,
                &format!("\n{}:\n{tail}", log.display()),
            ));
        }
    }

    fn settings(&self, port: u16, options: &Options) -> String {
        let socket = self.dir.join(format!(".s.PGSQL.{port}"));
        let sockets = if socket.as_os_str().len() <= MAX_SOCKET_PATH {
            self.dir.to_string_lossy().into_owned()
        } else {
            String::new()
        };
        let mut text = format!(
            "# Written by Probity before each start of its private cluster.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = {}\n",
            conf_string(&sockets)
        );
        if !options.durable {
            text.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        text
    }

    /// A command run as the cluster's owner, in its directory.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.dir)
            .env_remove("PGDATA")
            .stdin(Stdio::null());
        if let Some(owner) = &self.owner {
            // Supplementary groups are dropped too when a root process sets the uid.
            command.uid(owner.uid.as_raw()).gid(owner.gid.as_raw());
        }
        command
    }

    fn run(&self, command: &mut Command) -> Result<Output, ClusterError> {
        command.output().map_err(io(format!(
            "running {}",
            command.get_program().to_string_lossy()
        )))
    }

    /// Writes (or appends to) a file of the cluster, owned by its owner.
    fn write(&self, path: &Path, text: &str, append: bool) -> Result<(), ClusterError> {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(io(format!("writing {}", path.display())))?;
        file.write_all(text.as_bytes())
            .map_err(io(format!("writing {}", path.display())))?;
        give_to(path, self.owner.as_ref())
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Err(e) = self.release_use() {
            tracing::warn!(error = %e, dir = %self.dir.display(), "stopping the private PostgreSQL cluster");
        }
    }
}

/// Creates the directory (its owner's only) and returns its absolute path.
fn prepare_dir(dir: &Path, owner: Option<&Owner>) -> Result<PathBuf, ClusterError> {
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let dir = std::fs::canonicalize(dir).map_err(io(format!("resolving {}", dir.display())))?;
    give_to(&dir, owner)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .map_err(io(format!("setting the mode of {}", dir.display())))?;
    if let Some(owner) = owner {
        // The account must be able to reach the directory through every directory above it.
        let reachable = Command::new("test")
            .arg("-w")
            .arg(&dir)
            .current_dir("/")
            .uid(owner.uid.as_raw())
            .gid(owner.gid.as_raw())
            .stdin(Stdio::null())
            .status()
            .map_err(io("running test"))?
            .success();
        if !reachable {
            return Err(ClusterError::Unreachable {
                account: owner.name.clone(),
                dir,
            });
        }
    }
    Ok(dir)
}

fn give_to(path: &Path, owner: Option<&Owner>) -> Result<(), ClusterError> {
    match owner {
        Some(owner) => {
            std::os::unix::fs::chown(path, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))
                .map_err(io(format!("giving {} to {}", path.display(), owner.name)))
        }
        None => Ok(()),
    }
}

fn lock(path: &Path, owner: Option<&Owner>, how: FlockArg) -> Result<Flock<File>, ClusterError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io(format!("opening {}", path.display())))?;
    give_to(path, owner)?;
    Flock::lock(file, how).map_err(|(_, e)| ClusterError::Io {
        what: format!("locking {}", path.display()),
        source: e.into(),
    })
}

/// A port nothing listens on at 127.0.0.1 just now.
fn free_port() -> Result<u16, ClusterError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(io("finding a free port on 127.0.0.1"))
}

/// A string value in postgresql.conf.
fn conf_string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn command_failed(what: &str, out: &Output, more: &str) -> ClusterError {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = text.trim();
    ClusterError::Command {
        what: what.to_owned(),
        status: out.status.to_string(),
        output: if text.is_empty() {
            more.to_owned()
        } else {
            format!(":\n{text}{more}")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("probity-{name}-{}", uuid::Uuid::new_v4().simple()))
    }

    fn server_is_running(dir: &Path) -> bool {
        dir.join("data/postmaster.pid").exists()
    }

    #[test]
    fn a_private_cluster_starts_on_a_free_port_serves_and_stops() {
        let dir = temp_dir("pg");
        let cluster = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        assert_ne!(cluster.port(), 5432);
        assert!(answers(&cluster.url("postgres")));
        let mut conn = PgConnection::establish(&cluster.url("postgres")).unwrap();
        conn.batch_execute("CREATE DATABASE probity_private_cluster_test")
            .unwrap();
        drop(conn);
        let mut conn =
            PgConnection::establish(&cluster.url("probity_private_cluster_test")).unwrap();
        let listen: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_setting('listen_addresses')",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(listen, "127.0.0.1");
        drop(conn);

        // A second user (another process, as far as the locks go) shares the running server.
        let second = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        assert_eq!(second.port(), cluster.port());
        assert!(!cluster.release().unwrap(), "stopped while still in use");
        assert!(answers(&second.url("postgres")));
        let port = second.port();
        assert!(second.release().unwrap(), "the last user stops it");
        assert!(!server_is_running(&dir));
        assert!(!answers(&format!("postgres://x@127.0.0.1:{port}/x")));

        // Made once: starting again keeps the databases made before.
        let again = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        PgConnection::establish(&again.url("probity_private_cluster_test")).unwrap();
        drop(again);
        assert!(!server_is_running(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_server_left_running_by_a_killed_process_is_used_and_then_stopped() {
        let dir = temp_dir("pg-left");
        let first = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        let port = first.port();
        // What a process killed outright leaves: the server running, its lock gone.
        let mut first = first;
        drop(first.in_use.take());
        drop(first);
        assert!(server_is_running(&dir));
        let next = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        assert_eq!(next.port(), port);
        PgConnection::establish(&next.url("postgres")).unwrap();
        assert!(next.release().unwrap());
        assert!(!server_is_running(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_stale_pid_file_naming_another_live_process_is_not_taken_for_the_server() {
        let dir = temp_dir("pg-stale");
        let cluster = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        let pidfile = dir.join("data/postmaster.pid");
        let text = std::fs::read_to_string(&pidfile).unwrap();
        assert!(cluster.release().unwrap());
        assert!(!pidfile.exists());
        // What a machine that crashed leaves: the pid file, its process id since taken by
        // another process (this one).
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[0] = std::process::id().to_string();
        std::fs::write(&pidfile, lines.join("\n") + "\n").unwrap();
        let again = PrivateCluster::start(&Options::for_tests(&dir)).unwrap();
        PgConnection::establish(&again.url("postgres")).unwrap();
        assert!(again.release().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn nothing_answers_on_a_free_port() {
        let port = free_port().unwrap();
        assert!(!answers(&format!(
            "postgres://postgres@127.0.0.1:{port}/probity"
        )));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(answers(&format!(
            "postgres://postgres@127.0.0.1:{port}/probity"
        )));
        assert!(!answers("not a url"));
    }

    #[test]
    fn host_and_port_of_urls() {
        assert_eq!(
            host_and_port("postgres://postgres@127.0.0.1:5432/probity").as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(
            host_and_port("postgres://u:p@db/probity?sslmode=require").as_deref(),
            Some("db:5432")
        );
        assert_eq!(
            host_and_port("postgres://[::1]:6543/x").as_deref(),
            Some("[::1]:6543")
        );
        assert_eq!(
            host_and_port("postgres://[::1]/x").as_deref(),
            Some("[::1]:5432")
        );
        assert_eq!(host_and_port("postgres:///x"), None);
    }

    #[test]
    fn versions_are_read_from_pg_ctl() {
        assert_eq!(
            parse_major("pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)").as_deref(),
            Some("15")
        );
        assert_eq!(
            parse_major("pg_ctl (PostgreSQL) 17beta1").as_deref(),
            Some("17")
        );
        assert_eq!(
            parse_major("pg_ctl (PostgreSQL) 9.6.24").as_deref(),
            Some("9.6")
        );
        assert_eq!(parse_major("something else"), None);
    }

    #[test]
    fn the_binaries_are_found_in_order() {
        let root = temp_dir("pg-bin");
        let make = |dir: &Path| {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("initdb"), "").unwrap();
            std::fs::write(dir.join("pg_ctl"), "").unwrap();
        };
        let versions = root.join("lib");
        for v in ["9.6", "13", "16"] {
            make(&versions.join(v).join("bin"));
        }
        // A version without the server programs (only the client's) is passed over.
        std::fs::create_dir_all(versions.join("17/bin")).unwrap();
        let on_path = root.join("path-bin");
        make(&on_path);
        let config = root.join("config-bin");
        make(&config);
        let path = Some(OsString::from(format!(
            "/nonexistent:{}",
            on_path.display()
        )));

        let explicit = locate(Some(config.clone()), || None, &versions, path.clone());
        assert_eq!(explicit.unwrap(), config);
        let bad = locate(Some(root.join("nowhere")), || None, &versions, path.clone());
        assert!(bad.unwrap_err().to_string().contains("PROBITY_PG_BINDIR"));
        let from_config = locate(None, || Some(config.clone()), &versions, path.clone());
        assert_eq!(from_config.unwrap(), config);
        let highest = locate(None, || Some(root.join("nowhere")), &versions, path.clone());
        assert_eq!(highest.unwrap(), versions.join("16/bin"));
        let from_path = locate(None, || None, &root.join("none"), path.clone());
        assert_eq!(from_path.unwrap(), on_path);
        let none = locate(None, || None, &root.join("none"), None).unwrap_err();
        assert!(none.to_string().contains("apt-get install postgresql"));
        let _ = std::fs::remove_dir_all(&root);
    }
}

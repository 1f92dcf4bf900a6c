//! Load generator for the casework benchmark (bench/casework/load.py runs it): N clients,
//! each a thread with one keep-alive HTTP/1.1 connection, until a deadline, either
//!
//! - `transitions`: move cases through `POST /api/v1/cases/{id}/transitions`, each case once;
//! - `reads`: `GET` paths picked at random from a list (one path: that path every time).
//!
//! Written against the standard library only, so that the client's own CPU time, which
//! shares the machine with the server and PostgreSQL, stays small next to theirs (pgbench,
//! the other side of the comparison, is C); the Python client cost about 0.2 ms of CPU a
//! request, and its processes added to the threads the scheduler shares two CPUs among.
//!
//! ```text
//! cargo run --release --example loadgen -- transitions --addr 127.0.0.1:18090 \
//!     --token-file TOKEN --cases FILE --clients 8 --duration 10 [--to assessment]
//! cargo run --release --example loadgen -- reads --addr 127.0.0.1:18090 \
//!     --token-file TOKEN --paths FILE --clients 8 --duration 10 [--warmup 50] [--seed 1]
//! ```
//! For `transitions`, FILE has one case a line: `<uuid> <version>`; client i takes the i-th
//! of N equal slices. For `reads`, FILE has one path a line; each client first sends `--warmup`
//! requests (not counted), then all start together. Prints one JSON object: status counts,
//! every latency in seconds, the wall time from the common start to the last answer, and (for
//! transitions) how many clients ran out of cases.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    addr: String,
    token: String,
    cases: Vec<(String, String)>,
    clients: usize,
    duration: Duration,
    to: String,
}

struct ReadOptions {
    addr: String,
    token: String,
    paths: Vec<String>,
    clients: usize,
    duration: Duration,
    warmup: usize,
    seed: u64,
}

fn main() {
    match run() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("transitions") => transitions(parse_options(args.collect())?),
        Some("reads") => reads(parse_read_options(args.collect())?),
        other => Err(format!(
            "expected the `transitions` or `reads` command, got {other:?}"
        )),
    }
}

/// The target, which must be on this machine.
fn loopback(addr: Option<String>) -> Result<String, String> {
    let addr = addr.ok_or("--addr is required")?;
    if !(addr.starts_with("127.") || addr.starts_with("[::1]") || addr.starts_with("localhost:")) {
        return Err("only loopback targets are accepted".into());
    }
    Ok(addr)
}

fn read_file(path: Option<String>, what: &str) -> Result<String, String> {
    let path = path.ok_or_else(|| format!("--{what} is required"))?;
    std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))
}

fn parse_read_options(args: Vec<String>) -> Result<ReadOptions, String> {
    let mut args = args.into_iter();
    let (mut addr, mut token_file, mut paths_file) = (None, None, None);
    let (mut clients, mut duration, mut warmup, mut seed) = (8usize, 10.0f64, 0usize, 1u64);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => addr = Some(value),
            "--token-file" => token_file = Some(value),
            "--paths" => paths_file = Some(value),
            "--clients" => clients = value.parse().map_err(|_| "--clients: a number")?,
            "--duration" => duration = value.parse().map_err(|_| "--duration: seconds")?,
            "--warmup" => warmup = value.parse().map_err(|_| "--warmup: a number")?,
            "--seed" => seed = value.parse().map_err(|_| "--seed: a number")?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let addr = loopback(addr)?;
    let token = read_file(token_file, "token-file")?.trim().to_owned();
    let paths: Vec<String> = read_file(paths_file, "paths")?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if clients == 0 || paths.is_empty() {
        return Err("need at least one client and one path".into());
    }
    Ok(ReadOptions {
        addr,
        token,
        paths,
        clients,
        duration: Duration::from_secs_f64(duration),
        warmup,
        seed,
    })
}

fn parse_options(args: Vec<String>) -> Result<Options, String> {
    let mut args = args.into_iter();
    let (mut addr, mut token_file, mut cases_file) = (None, None, None);
    let (mut clients, mut duration, mut to) = (8usize, 10.0f64, "assessment".to_owned());
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => addr = Some(value),
            "--token-file" => token_file = Some(value),
            "--cases" => cases_file = Some(value),
            "--clients" => clients = value.parse().map_err(|_| "--clients: a number")?,
            "--duration" => duration = value.parse().map_err(|_| "--duration: seconds")?,
            "--to" => to = value,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let addr = loopback(addr)?;
    let token = read_file(token_file, "token-file")?.trim().to_owned();
    let cases = read_file(cases_file, "cases")?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some(id), Some(v)) => Ok((id.to_owned(), v.to_owned())),
                _ => Err(format!("bad case line: {l:?}")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if clients == 0 || cases.len() < clients {
        return Err("need at least one case per client".into());
    }
    Ok(Options {
        addr,
        token,
        cases,
        clients,
        duration: Duration::from_secs_f64(duration),
        to,
    })
}

/// What one client did.
#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, u64>,
    latencies: Vec<f64>,
    last_end: Option<Instant>,
    exhausted: bool,
    error: Option<String>,
}

/// Runs `clients` threads, each with a connection of its own: `prepare` (untimed) before the
/// common start, then `work` until the deadline. Returns their tallies and the start.
fn run_clients<P, W>(
    clients: usize,
    addr: &str,
    duration: Duration,
    prepare: P,
    work: W,
) -> Result<(Vec<Tally>, Instant), String>
where
    P: Fn(usize, &mut Connection) -> Result<(), String> + Send + Sync + 'static,
    W: Fn(usize, &mut Connection, Instant, &mut Tally) + Send + Sync + 'static,
{
    let (prepare, work) = (Arc::new(prepare), Arc::new(work));
    // Every client connects and warms up, then all start together.
    let barrier = Arc::new(Barrier::new(clients + 1));
    let start_cell = Arc::new(std::sync::OnceLock::<Instant>::new());
    let mut handles = Vec::new();
    for i in 0..clients {
        let (addr, prepare, work) = (addr.to_owned(), prepare.clone(), work.clone());
        let (barrier, start_cell) = (barrier.clone(), start_cell.clone());
        handles.push(std::thread::spawn(move || {
            let mut tally = Tally::default();
            let connected = Connection::open(&addr).and_then(|mut c| prepare(i, &mut c).map(|_| c));
            barrier.wait();
            let mut conn = match connected {
                Ok(c) => c,
                Err(e) => {
                    tally.error = Some(e);
                    return tally;
                }
            };
            let start = start_cell.get().copied().unwrap_or_else(Instant::now);
            std::thread::sleep(start.saturating_duration_since(Instant::now()));
            work(i, &mut conn, start + duration, &mut tally);
            tally
        }));
    }
    let start = Instant::now() + Duration::from_millis(200);
    let _ = start_cell.set(start);
    barrier.wait();
    let tallies: Vec<Tally> = handles
        .into_iter()
        .map(|h| h.join().map_err(|_| "a client thread panicked".to_owned()))
        .collect::<Result<_, _>>()?;
    if let Some(e) = tallies.iter().find_map(|t| t.error.clone()) {
        return Err(format!("a client failed: {e}"));
    }
    Ok((tallies, start))
}

/// Sends one request and counts it (its status and latency) in `tally`; false on an error.
fn timed(
    conn: &mut Connection,
    tally: &mut Tally,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> bool {
    let t0 = Instant::now();
    match conn.send(method, path, headers, body) {
        Ok(status) => {
            let t1 = Instant::now();
            tally.latencies.push((t1 - t0).as_secs_f64());
            tally.last_end = Some(t1);
            *tally.statuses.entry(status).or_default() += 1;
            true
        }
        Err(e) => {
            tally.error = Some(e);
            false
        }
    }
}

fn transitions(o: Options) -> Result<String, String> {
    let per = o.cases.len() / o.clients;
    let body = format!(r#"{{"to":"{}","reason":"bench"}}"#, o.to);
    let auth = format!("Bearer {}", o.token);
    let cases = Arc::new(o.cases);
    let (tallies, start) = run_clients(
        o.clients,
        &o.addr,
        o.duration,
        |_, c| c.send("GET", "/readyz", &[], None).map(|_| ()),
        move |i, conn, deadline, tally| {
            let slice = &cases[i * per..(i + 1) * per];
            let mut used = 0;
            for (id, version) in slice {
                if Instant::now() >= deadline {
                    break;
                }
                let path = format!("/api/v1/cases/{id}/transitions");
                let if_match = format!("\"{version}\"");
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("If-Match", if_match.as_str()),
                ];
                if !timed(conn, tally, "POST", &path, &headers, Some(body.as_bytes())) {
                    break;
                }
                used += 1;
            }
            tally.exhausted = used == slice.len() && Instant::now() < deadline;
        },
    )?;
    Ok(report(&tallies, start, per))
}

/// A small, seeded generator (xorshift64*): which path each read takes, reproducibly.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

fn reads(o: ReadOptions) -> Result<String, String> {
    let auth = Arc::new(format!("Bearer {}", o.token));
    let paths = Arc::new(o.paths);
    let (seed, warmup) = (o.seed, o.warmup);
    let (warm_paths, warm_auth) = (paths.clone(), auth.clone());
    let (tallies, start) = run_clients(
        o.clients,
        &o.addr,
        o.duration,
        // At least one request before the start: connection set-up is not timed.
        move |i, c| {
            let mut rng = Rng::new(seed * 1000 + 500 + i as u64);
            let headers = [("Authorization", warm_auth.as_str())];
            for _ in 0..warmup.max(1) {
                c.send(
                    "GET",
                    &warm_paths[rng.below(warm_paths.len())],
                    &headers,
                    None,
                )?;
            }
            Ok(())
        },
        move |i, conn, deadline, tally| {
            let mut rng = Rng::new(seed * 1000 + i as u64);
            let headers = [("Authorization", auth.as_str())];
            while Instant::now() < deadline {
                let path = &paths[rng.below(paths.len())];
                if !timed(conn, tally, "GET", path, &headers, None) {
                    break;
                }
            }
        },
    )?;
    Ok(report(&tallies, start, 0))
}

fn report(tallies: &[Tally], start: Instant, per: usize) -> String {
    let mut statuses = BTreeMap::<u16, u64>::new();
    for t in tallies {
        for (s, n) in &t.statuses {
            *statuses.entry(*s).or_default() += n;
        }
    }
    let last = tallies
        .iter()
        .filter_map(|t| t.last_end)
        .max()
        .unwrap_or(start);
    let wall = last.saturating_duration_since(start).as_secs_f64();
    let statuses = statuses
        .iter()
        .map(|(s, n)| format!("\"{s}\":{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let latencies = tallies
        .iter()
        .flat_map(|t| t.latencies.iter())
        .map(|l| format!("{l:.7}"))
        .collect::<Vec<_>>()
        .join(",");
    let exhausted = tallies.iter().filter(|t| t.exhausted).count();
    format!(
        "{{\"statuses\":{{{statuses}}},\"wall_s\":{wall:.6},\"cases_per_client\":{per},\
         \"exhausted\":{exhausted},\"latencies_s\":[{latencies}]}}"
    )
}

/// One keep-alive HTTP/1.1 connection, enough of the protocol for this server's answers.
struct Connection {
    host: String,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    buf: Vec<u8>,
    /// The server said `Connection: close`: the next request opens a new connection.
    closed: bool,
}

impl Connection {
    fn open(addr: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(TIMEOUT))
            .map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Self {
            host: addr.to_owned(),
            reader: BufReader::with_capacity(64 * 1024, stream),
            writer,
            buf: Vec::with_capacity(1024),
            closed: false,
        })
    }

    /// Sends one request and reads the whole answer; returns its status.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<u16, String> {
        if self.closed {
            *self = Self::open(&self.host)?;
        }
        self.buf.clear();
        let head = &mut self.buf;
        let _ = write!(
            head,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n",
            self.host
        );
        for (name, value) in headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        if let Some(body) = body {
            let _ = write!(
                head,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        head.extend_from_slice(b"\r\n");
        if let Some(body) = body {
            head.extend_from_slice(body);
        }
        self.writer
            .write_all(&self.buf)
            .map_err(|e| format!("write: {e}"))?;
        self.read_response()
    }

    fn read_response(&mut self) -> Result<u16, String> {
        let mut line = String::new();
        self.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let (mut length, mut chunked, mut close) = (0usize, false, false);
        loop {
            line.clear();
            self.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return Err(format!("bad header {header:?}"));
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().map_err(|_| "bad content-length")?,
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        if chunked {
            loop {
                line.clear();
                self.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| format!("bad chunk size {line:?}"))?;
                self.skip(size + 2)?;
                if size == 0 {
                    break;
                }
            }
        } else {
            self.skip(length)?;
        }
        self.closed = close;
        Ok(status)
    }

    fn read_line(&mut self, line: &mut String) -> Result<(), String> {
        match self.reader.read_line(line) {
            Ok(0) => Err("the server closed the connection".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        let copied = std::io::copy(&mut (&mut self.reader).take(n as u64), &mut std::io::sink())
            .map_err(|e| format!("read: {e}"))?;
        if copied as usize == n {
            Ok(())
        } else {
            Err("short body".into())
        }
    }
}

//! The README's walkthrough ("A session with curl"): one APSP case from the public form to the
//! published outcome, as curl commands a newcomer pastes. This test runs the README's own
//! blocks (each fenced `sh` block right after a `<!-- walkthrough -->` line), not a copy, with
//! `bash -euo pipefail` against the real binary serving `serve --dev` on a free port, so a
//! README that drifts from the API (a path, a field, a status) fails here.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{DATA_KEY_B64, SIGNING_KEY_B64, TestDb};

const MARKER: &str = "<!-- walkthrough -->";
/// The admin password the README exports before starting the service.
const ADMIN_PASSWORD: &str = "plum-harbour-lantern-42";

/// The fenced blocks after each marker, in order, each with the README line its first line is
/// on. A marker must be followed at once by a block whose info string is `sh`: GitHub shows
/// it as shell and does not show the comment.
fn marked_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line.trim() != MARKER {
            continue;
        }
        let fence = lines.next().map(|(_, l)| l);
        assert_eq!(
            fence,
            Some("```sh"),
            "README.md line {}: {MARKER} must be followed by a ```sh block",
            n + 1
        );
        let mut block = String::new();
        let first_line = n + 3;
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line == "```" {
                closed = true;
                break;
            }
            block.push_str(line);
            block.push('\n');
        }
        assert!(
            closed,
            "README.md line {}: unclosed walkthrough block",
            n + 1
        );
        blocks.push((first_line, block));
    }
    blocks
}

/// The blocks as one script whose line numbers are the README's (the lines between blocks left
/// blank), with a first line that names the command and README line where the script stopped.
fn script_of(blocks: &[(usize, String)]) -> String {
    let mut lines = vec![
        r#"trap 'echo "walkthrough: exit status $? at README.md line $LINENO: $BASH_COMMAND" >&2' ERR"#
            .to_owned(),
    ];
    for (first_line, block) in blocks {
        assert!(*first_line > lines.len(), "blocks overlap");
        lines.resize(first_line - 1, String::new());
        lines.extend(block.lines().map(str::to_owned));
    }
    lines.join("\n") + "\n"
}

/// The unmarked `sh` block that starts the service, before the first marker.
fn start_block(markdown: &str) -> String {
    let before = &markdown[markdown
        .find("## A session with curl")
        .expect("README has \"## A session with curl\"")..];
    let first = before
        .find(&format!("\n{MARKER}\n"))
        .expect("README has walkthrough blocks");
    let before = &before[..first];
    let start = before
        .find("```sh\n")
        .expect("a block that starts the service")
        + 6;
    before[start..start + before[start..].find("```").unwrap()].to_owned()
}

/// Whether `line` matches `pattern`, where `…` stands for any text.
fn matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return line == pattern;
    }
    if line.len() < first.len() + last.len() || !line.starts_with(first) || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The string value the script gives `field` in a JSON body (`"field": "value"`), first after
/// `after`.
fn value_of(script: &str, after: &str, field: &str) -> String {
    let script = &script[script.find(after).unwrap_or_else(|| panic!("no {after}"))..];
    let key = format!("\"{field}\": \"");
    let start = script.find(&key).unwrap_or_else(|| panic!("no {field}")) + key.len();
    script[start..start + script[start..].find('"').unwrap()].to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthy(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let mut answer = String::new();
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.contains(" 200 ")
}

/// The server process, stopped however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool_present(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn walkthrough_in_the_readme_takes_an_apsp_case_from_the_public_form_to_the_published_outcome() {
    for tool in ["bash", "curl", "jq"] {
        assert!(
            tool_present(tool),
            "the README walkthrough needs {tool} (.ci/run installs it)"
        );
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = start_block(&readme);
    assert!(
        start.contains(&format!("export PROBITY_ADMIN_PASSWORD='{ADMIN_PASSWORD}'"))
            && start.contains("serve --dev"),
        "the README starts the service with `serve --dev` and this admin password:\n{start}"
    );
    let blocks = marked_blocks(&readme);
    assert!(
        blocks.len() >= 5,
        "README walkthrough blocks: {}",
        blocks.len()
    );
    let script = script_of(&blocks);

    let db = TestDb::new();
    let dir = std::env::temp_dir().join(format!(
        "probity-walkthrough-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let server_log = dir.join("server.log");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(["serve", "--dev"])
            .current_dir(&dir)
            .env_clear()
            .env("DATABASE_URL", &db.url)
            .env("PROBITY_BIND", format!("127.0.0.1:{port}"))
            .env("PROBITY_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("PROBITY_AUDIT_SIGNING_KEY", SIGNING_KEY_B64)
            .env("PROBITY_DATA_KEY", DATA_KEY_B64)
            .env("PROBITY_DOCUMENTS_DIR", dir.join("documents"))
            .env("PROBITY_WORKERS", "2")
            .env("PROBITY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&server_log).unwrap())
            .spawn()
            .expect("the probity binary runs"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !healthy(port) {
        assert!(
            Instant::now() < deadline,
            "the server never answered /healthz:\n{}",
            std::fs::read_to_string(&server_log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    std::fs::write(dir.join("walkthrough.sh"), &script).unwrap();
    let started = Instant::now();
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "walkthrough.sh"])
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("BASE", format!("http://127.0.0.1:{port}"))
        .env("PROBITY_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    drop(server);
    let log = std::fs::read_to_string(&server_log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let report = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server log\n{log}");
    assert!(
        status.is_some_and(|s| s.success()),
        "the README walkthrough failed ({status:?}, after {:?}):\n{report}",
        started.elapsed()
    );

    // Every output the README shows in a `# {...}` comment is what the step printed.
    for expected in script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# {").map(|rest| format!("{{{rest}")))
    {
        assert!(
            stdout.lines().any(|line| matches(&expected, line)),
            "the README says a step prints {expected}; it did not:\n{report}"
        );
    }
    // The public sees the officer and the outcome, as published.
    let published = |field| value_of(&script, "\"kind\": \"outcome\"", field);
    let outcome = published("outcome");
    assert!(
        stdout.contains(&format!(
            "{{\"officer_name\":\"{}\",\"force\":\"{}\",\"outcome\":\"{outcome}\"}}",
            published("officer_name"),
            published("force"),
        )),
        "the published outcome\n{report}"
    );
    assert!(
        stdout.contains(&format!("\n{outcome}\n")),
        "the HTML page\n{report}"
    );
    assert!(stdout.contains("\"ok\":true"), "audit verified\n{report}");
    assert!(
        stdout.trim_end().lines().count() > 30,
        "the walkthrough prints every step\n{report}"
    );
    // Nothing printed repeats what the reporter gave about themselves.
    for field in ["contact_name", "contact_email", "contact_phone"] {
        let value = value_of(&script, "/public/reports", field);
        assert!(
            !stdout.contains(&value) && !stderr.contains(&value),
            "{field} printed\n{report}"
        );
    }
}

#[test]
fn expected_output_patterns_match_as_the_walkthrough_test_reads_them() {
    assert!(matches(
        "{\"reference\":\"PR-…\",\"status\":\"closed\"}",
        "{\"reference\":\"PR-AB3CD-EF4GH\",\"status\":\"closed\"}"
    ));
    assert!(!matches(
        "{\"reference\":\"PR-…\",\"status\":\"closed\"}",
        "{\"reference\":\"PR-AB3CD-EF4GH\",\"status\":\"received\"}"
    ));
    assert!(matches("{\"state\":\"closed\"}", "{\"state\":\"closed\"}"));
    assert!(!matches(
        "{\"state\":\"closed\"}",
        "x{\"state\":\"closed\"}"
    ));
    let blocks = marked_blocks(
        "a\n<!-- walkthrough -->\n```sh\necho 1\n```\n<!-- walkthrough -->\n```sh\necho 2\n```\n",
    );
    assert_eq!(
        blocks,
        vec![(4, "echo 1\n".to_owned()), (8, "echo 2\n".to_owned())]
    );
    let script = script_of(&blocks);
    assert_eq!(script.lines().nth(3), Some("echo 1"));
    assert_eq!(script.lines().nth(7), Some("echo 2"));
}

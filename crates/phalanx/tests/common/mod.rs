//! A real `phalanx serve` process on loopback, for the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const BIN: &str = env!("CARGO_BIN_EXE_phalanx");

/// A node process. Killed (SIGKILL) when dropped.
pub struct Node {
    pub child: Child,
    pub data: PathBuf,
    pub base: String,
    pub key: String,
    pub http: reqwest::blocking::Client,
}

impl Node {
    /// Starts `phalanx serve --data DATA --listen 127.0.0.1:0 [extra...]` and waits for its
    /// "listening on" line.
    pub fn start(data: &Path, extra: &[&str]) -> Node {
        let mut child = Command::new(BIN)
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("PHALANX_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn phalanx serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .trim();
        let base = url.trim_end_matches("taxii2/").to_owned();
        let key = std::fs::read_to_string(data.join("admin.key"))
            .unwrap()
            .trim()
            .to_owned();
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .danger_accept_invalid_certs(base.starts_with("https"))
            .build()
            .unwrap();
        Node {
            child,
            data: data.to_path_buf(),
            base,
            key,
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.http
            .get(self.url(path))
            .header("Accept", TAXII)
            .bearer_auth(&self.key)
            .send()
            .unwrap()
    }

    pub fn post_objects(&self, objects: &[Value]) -> reqwest::Result<reqwest::blocking::Response> {
        self.http
            .post(self.url("api/collections/default/objects/"))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&self.key)
            .body(json!({ "objects": objects }).to_string())
            .send()
    }

    /// Pages through the default collection with `limit`, returning every object.
    pub fn all_objects(&self, limit: usize, extra: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut path = format!("api/collections/default/objects/?limit={limit}{extra}");
            if let Some(token) = &next {
                path.push_str(&format!("&next={token}"));
            }
            let page: Value = self.get(&path).json().unwrap();
            out.extend(page["objects"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(token) if page["more"] == true => next = Some(token.to_owned()),
                _ => return out,
            }
        }
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a CLI command and returns (exit code, stdout, stderr).
pub fn cli(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(BIN)
        .args(args)
        .env("PHALANX_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A valid indicator with a deterministic id derived from `n`.
pub fn indicator(n: u64) -> Value {
    let id = format!(
        "indicator--{}",
        uuid::Uuid::from_u64_pair(0x1234_5678_9abc_4def, 0x8000_0000_0000_0000 | n)
    );
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": format!("test indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", (n >> 16) & 255, (n >> 8) & 255, n & 255),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        "x_phalanx_test": { "n": n, "nested": [1, 2.5, "three", null, true] }
    })
}

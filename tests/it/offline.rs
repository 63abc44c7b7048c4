//! Offline by construction: no networking crate in the normal dependency tree, and no socket in the code.

use std::path::Path;
use std::process::Command;

/// Crates that open network connections (HTTP clients and servers, async runtimes with sockets, TLS stacks,
/// WebSocket and DNS libraries). None may be a normal dependency of dvposture, directly or not.
const NETWORKING: &[&str] = &[
    "reqwest",
    "hyper",
    "hyper-util",
    "hyper-tls",
    "hyper-rustls",
    "h2",
    "h3",
    "http",
    "http-body",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "attohttpc",
    "surf",
    "minreq",
    "ehttp",
    "tokio",
    "async-std",
    "smol",
    "async-io",
    "mio",
    "socket2",
    "quinn",
    "native-tls",
    "openssl",
    "openssl-sys",
    "rustls",
    "tokio-rustls",
    "tungstenite",
    "tokio-tungstenite",
    "websocket",
    "trust-dns-resolver",
    "hickory-resolver",
    "tiny_http",
    "actix-web",
    "axum",
    "warp",
    "rocket",
    "ssh2",
    "libssh2-sys",
    "lettre",
];

fn normal_dependencies() -> Vec<String> {
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    let tree = |extra: &[&str]| {
        Command::new(env!("CARGO"))
            .args(["tree", "--prefix", "none", "-e", "normal", "--no-dedupe"])
            .args(extra)
            .current_dir(manifest_dir)
            .output()
            .unwrap()
    };
    // --offline: the lock file and the local registry cache are enough; no network is needed to list crates.
    let mut out = tree(&["--offline"]);
    if !out.status.success() {
        out = tree(&["--frozen"]);
    }
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut crates: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

#[test]
fn no_networking_crate_is_a_normal_dependency() {
    let crates = normal_dependencies();
    assert!(
        crates.iter().any(|c| c == "dvposture") && crates.iter().any(|c| c == "serde_json"),
        "the tree lists the package and its dependencies: {crates:?}"
    );
    let found: Vec<&String> = crates.iter().filter(|c| NETWORKING.contains(&c.as_str())).collect();
    assert!(found.is_empty(), "networking crates in the dependency tree: {found:?}");
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_code_opens_no_socket() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            for word in [
                "std::net",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
                "UnixStream",
                "UnixDatagram",
                "ToSocketAddrs",
            ] {
                if line.contains(word) {
                    hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "networking in src/:\n{}", hits.join("\n"));
}

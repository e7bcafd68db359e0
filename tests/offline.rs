//! v6map works offline: no networking crate in its dependency graph, no socket
//! in its own code, and a DOCTYPE that names a URL is never fetched.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Crates that open network connections or speak a network protocol (HTTP
/// clients and servers, TLS, socket wrappers, DNS resolvers, WebSockets).
///
/// Not listed on purpose: `http` (request and header types, no I/O), `url`
/// (a URL parser, no I/O) and `ipnet` (address arithmetic), because none of
/// them can open a connection. `tokio` and `mio` are checked by feature below:
/// without their `net` feature they cannot open a socket.
const NETWORKING_CRATES: &[&str] = &[
    "async-std",
    "attohttpc",
    "curl",
    "curl-sys",
    "h2",
    "h3",
    "hickory-proto",
    "hickory-resolver",
    "hyper",
    "hyper-rustls",
    "hyper-tls",
    "hyper-util",
    "isahc",
    "libssh2-sys",
    "native-tls",
    "openssl",
    "openssl-sys",
    "quinn",
    "reqwest",
    "rustls",
    "socket2",
    "ssh2",
    "surf",
    "trust-dns-proto",
    "trust-dns-resolver",
    "tungstenite",
    "ureq",
    "websocket",
];

/// Crates that can open sockets only with one of these features enabled.
const NETWORKING_FEATURES: &[(&str, &[&str])] = &[("tokio", &["net"]), ("mio", &["net"])];

fn cargo_metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Returns (name, enabled features) of every package that v6map's library and
/// binary depend on, following normal and build dependencies but not
/// dev-dependencies, for every target platform.
fn runtime_packages(metadata: &Value) -> Vec<(String, Vec<String>)> {
    let resolve = &metadata["resolve"];
    let root = resolve["root"].as_str().expect("a root package");
    let nodes: HashMap<&str, &Value> = resolve["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|node| (node["id"].as_str().expect("node id"), node))
        .collect();

    let mut seen = HashSet::from([root]);
    let mut queue = VecDeque::from([root]);
    while let Some(id) = queue.pop_front() {
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let runtime = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|kind| kind["kind"].as_str() != Some("dev"));
            let dep_id = dep["pkg"].as_str().expect("dep pkg");
            if runtime && seen.insert(dep_id) {
                queue.push_back(dep_id);
            }
        }
    }

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| {
            (
                package["id"].as_str().expect("package id"),
                package["name"].as_str().expect("package name"),
            )
        })
        .collect();
    seen.into_iter()
        .filter(|id| *id != root)
        .map(|id| {
            let features = nodes[id]["features"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|feature| feature.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (names[id].to_string(), features)
        })
        .collect()
}

#[test]
fn dependency_graph_has_no_networking_crate() {
    let metadata = cargo_metadata();
    let packages = runtime_packages(&metadata);
    assert!(
        packages.iter().any(|(name, _)| name == "roxmltree"),
        "the walk must reach v6map's own dependencies: {packages:?}"
    );
    assert!(
        !packages.iter().any(|(name, _)| name == "assert_cmd"),
        "dev-dependencies must not be part of the runtime graph"
    );

    for (name, features) in &packages {
        assert!(
            !NETWORKING_CRATES.contains(&name.as_str()),
            "v6map depends on the networking crate {name}"
        );
        for (crate_name, forbidden) in NETWORKING_FEATURES {
            if name == crate_name {
                let enabled: Vec<&String> = features
                    .iter()
                    .filter(|feature| forbidden.contains(&feature.as_str()))
                    .collect();
                assert!(
                    enabled.is_empty(),
                    "v6map depends on {name} with networking features {enabled:?}"
                );
            }
        }
    }
}

fn rust_files(folder: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("readable source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn source_opens_no_socket() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 5, "found only {files:?}");

    let socket_apis = [
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "UnixStream",
        "UnixDatagram",
        "ToSocketAddrs",
        "to_socket_addrs",
    ];
    for file in &files {
        let text = std::fs::read_to_string(file).expect("UTF-8 source");
        for api in socket_apis {
            assert!(
                !text.contains(api),
                "{} uses {api}; v6map must not open network connections",
                file.display()
            );
        }
    }
}

const LIST_OUTPUT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
<!DOCTYPE IP_MAP_LIST_OUTPUT SYSTEM\n\
\"https://qualysapi.qualys.com/api/2.0/fo/asset/ip/v4_v6/ip_map_list_output.dtd\">\n\
<IP_MAP_LIST_OUTPUT>\n<RESPONSE>\n<DATETIME>2017-11-28T19:42:10Z</DATETIME>\n\
<IP_MAP_LIST>\n<IP_MAP>\n<ID>46947</ID>\n<V4>0.0.0.7</V4>\n\
<V6>2001:470:8418:a18::a0a:1805</V6>\n</IP_MAP>\n</IP_MAP_LIST>\n</RESPONSE>\n</IP_MAP_LIST_OUTPUT>\n";

/// Runs `v6map check FILE` in a new user and network namespace, where only a
/// loopback interface that is down exists, so no DTD could be downloaded.
/// Returns `None` when this system does not permit unprivileged namespaces.
fn check_without_network(path: &Path) -> Option<std::process::Output> {
    let probe = Command::new("unshare").args(["-rn", "true"]).output();
    match probe {
        Ok(output) if output.status.success() => {}
        Ok(output) => {
            eprintln!(
                "skipped: `unshare -rn` is not permitted here: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return None;
        }
        Err(error) => {
            eprintln!("skipped: cannot run unshare: {error}");
            return None;
        }
    }
    let output = Command::new("unshare")
        .arg("-rn")
        .arg(env!("CARGO_BIN_EXE_v6map"))
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .expect("unshare runs v6map");
    Some(output)
}

#[test]
fn doctype_url_validated_without_network() {
    let folder = tempfile::TempDir::new().unwrap();
    let path = folder.path().join("list.xml");
    std::fs::write(&path, LIST_OUTPUT).unwrap();
    let Some(output) = check_without_network(&path) else {
        return;
    };
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty());
}

/// The same list output with an element out of order: the bundled DTD still
/// catches it, so validation really ran without the network.
#[test]
fn doctype_url_violation_found_without_network() {
    let folder = tempfile::TempDir::new().unwrap();
    let path = folder.path().join("list.xml");
    let broken = LIST_OUTPUT.replace(
        "<ID>46947</ID>\n<V4>0.0.0.7</V4>",
        "<V4>0.0.0.7</V4>\n<ID>46947</ID>",
    );
    assert_ne!(broken, LIST_OUTPUT);
    std::fs::write(&path, broken).unwrap();
    let Some(output) = check_without_network(&path) else {
        return;
    };
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"code\":\"schema-violation\""), "{stdout}");
}

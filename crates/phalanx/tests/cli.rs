//! The command line: import, export, validate, check, principals and keys, patterns,
//! a configuration file, and TLS.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Node, TAXII, cli, indicator};
use serde_json::{Value, json};

fn data_arg(dir: &tempfile::TempDir) -> String {
    dir.path().to_str().unwrap().to_owned()
}

#[test]
fn import_keeps_good_objects_reports_bad_ones_and_export_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let good: Vec<Value> = (0..25).map(indicator).collect();
    let mut bad = indicator(99);
    bad["valid_until"] = json!("2000-01-01T00:00:00Z"); // before valid_from
    let mut objects = good.clone();
    objects.insert(3, bad);
    let bundle = json!({ "type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects });
    let file = dir.path().join("in.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let (code, _, err) = cli(&["import", "--data", &data, file.to_str().unwrap()], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("25 added") && err.contains("1 refused"),
        "{err}"
    );
    assert!(err.contains("valid_until"), "{err}");

    // JSON lines with one broken line: the lines beside it still count.
    let lines = format!("{}\n{{broken\n{}\n", indicator(200), indicator(201));
    let (code, _, err) = cli(&["import", "--data", &data, "-"], Some(&lines));
    assert_eq!(code, 1);
    assert!(err.contains("2 added") && err.contains("line 2"), "{err}");

    // Re-importing is idempotent.
    let (code, _, err) = cli(&["import", "--data", &data, file.to_str().unwrap()], None);
    assert!(err.contains("0 added, 25 already present"), "{code} {err}");

    let out = dir.path().join("out.json");
    let (code, _, err) = cli(
        &["export", "--data", &data, "--output", out.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let exported: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(exported["type"], "bundle");
    let exported = exported["objects"].as_array().unwrap();
    assert_eq!(exported.len(), 27);
    for original in &good {
        assert!(
            exported.contains(original),
            "lost or changed on the way: {}",
            original["id"]
        );
    }
    let (code, out, _) = cli(&["check", "--data", &data], None);
    assert_eq!(code, 0);
    assert!(out.contains("27 object versions"), "{out}");
}

#[test]
fn validate_reports_every_problem_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut broken = indicator(1);
    broken["confidence"] = json!(101);
    broken["pattern"] = json!("[ipv4-addr:value = '1.2.3.4'");
    broken["created"] = json!("2024-01-01");
    let file = dir.path().join("x.json");
    std::fs::write(&file, json!([indicator(2), broken]).to_string()).unwrap();
    let (code, out, err) = cli(&["validate", file.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(out.contains("/confidence"), "{out}");
    assert!(out.contains("/pattern"), "{out}");
    assert!(out.contains("/created"), "{out}");
    assert!(
        out.lines().all(|l| l.contains("item 1")),
        "only the second object is faulty: {out}"
    );
    assert!(err.contains("2 object(s) checked: 1 invalid"), "{err}");
    std::fs::write(&file, json!([indicator(3)]).to_string()).unwrap();
    assert_eq!(cli(&["validate", file.to_str().unwrap()], None).0, 0);
}

#[test]
fn pattern_check_and_eval() {
    let (code, out, _) = cli(
        &[
            "pattern",
            "check",
            "[ipv4-addr:value='1.2.3.4'] AND [domain-name:value = 'x.example']",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "canonical: [ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']"
        ),
        "{out}"
    );
    let (code, out, _) = cli(
        &["pattern", "check", "[ipv4-addr:value = '1.2.3.4' AND]"],
        None,
    );
    assert_eq!(code, 1);
    assert!(out.contains("column"), "{out}");
    let observed = json!([
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1,
         "object_refs": ["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]},
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"}
    ]);
    let input = format!(
        "{}\n{}\n{}\n",
        json!({"pattern": "[ipv4-addr:value = '198.51.100.3']", "observed_data": observed}),
        json!({"pattern": "[ipv4-addr:value = '198.51.100.4']", "observed_data": observed}),
        json!({"pattern": "[ipv4-addr:value = ", "observed_data": observed}),
    );
    let (code, out, _) = cli(&["pattern", "eval"], Some(&input));
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0], json!({"match": true}));
    assert_eq!(lines[1], json!({"match": false}));
    assert!(lines[2]["error"].is_string());
}

#[test]
fn principals_keys_and_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let node = Node::start(dir.path(), &[]);
    assert_eq!(
        cli(
            &[
                "principal",
                "add",
                "feed",
                "--read",
                "default",
                "--data",
                &data
            ],
            None
        )
        .0,
        0
    );
    let (code, key, _) = cli(
        &[
            "key", "create", "feed", "--label", "nightly", "--data", &data,
        ],
        None,
    );
    assert_eq!(code, 0);
    let key = key.trim().to_owned();
    let get = |key: &str| {
        node.http
            .get(node.url("api/collections/default/objects/"))
            .header("Accept", TAXII)
            .bearer_auth(key)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(get(&key), 200);
    let (_, listing, _) = cli(&["key", "list", "--data", &data], None);
    let key_id = listing
        .lines()
        .find(|l| l.contains("nightly"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(cli(&["key", "revoke", &key_id, "--data", &data], None).0, 0);
    std::thread::sleep(phalanx_taxii_cache_ttl());
    assert_eq!(get(&key), 401);
    let (_, principals, _) = cli(&["principal", "list", "--data", &data], None);
    assert!(principals.contains("admin\tadmin"), "{principals}");
    assert!(principals.contains("feed\tuser"), "{principals}");
    assert_ne!(
        cli(&["key", "create", "nobody", "--data", &data], None).0,
        0
    );
}

fn phalanx_taxii_cache_ttl() -> std::time::Duration {
    // The authentication cache keeps a verified key for 5 s (phalanx_taxii::auth::CACHE_TTL).
    std::time::Duration::from_millis(5200)
}

#[test]
fn configuration_file_roots_collections_principals_and_tls() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let (code, hash, _) = cli(&["principal", "hash-password"], Some("pw-1\n"));
    assert_eq!(code, 0);
    let config = format!(
        r#"
[tls]
cert = "{cert}"
key = "{key}"

[taxii]
title = "Test node"
max_page_size = 5

[[taxii.api_roots]]
name = "intel"
title = "Intel"
max_content_length = 100000

[[taxii.api_roots.collections]]
id = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
alias = "default"
title = "Indicators"

[[taxii.api_roots.collections]]
id = "52892447-4d7e-4f70-b94d-d7f22742ff63"
alias = "secret"
title = "Secret"

[[principals]]
name = "analyst"
password_hash = "{hash}"
read = ["intel/default"]
"#,
        cert = cert_path.display(),
        key = key_path.display(),
        hash = hash.trim()
    );
    let config_path = dir.path().join("node.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = dir.path().join("data");
    let node = Node::start(&data, &["--config", config_path.to_str().unwrap()]);
    assert!(node.base.starts_with("https://"), "{}", node.base);
    let discovery: Value = node.get("taxii2/").json().unwrap();
    assert_eq!(discovery["title"], "Test node");
    assert_eq!(discovery["api_roots"], json!(["/intel/"]));
    let analyst = |path: &str| {
        node.http
            .get(node.url(path))
            .header("Accept", TAXII)
            .basic_auth("analyst", Some("pw-1"))
            .send()
            .unwrap()
    };
    let collections: Value = analyst("intel/collections/").json().unwrap();
    assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
    assert_eq!(analyst("intel/collections/secret/").status(), 404);
    // max_page_size clamps limit
    let objects: Vec<Value> = (0..12).map(indicator).collect();
    let response = node
        .http
        .post(node.url("intel/collections/default/objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&node.key)
        .body(json!({ "objects": objects }).to_string())
        .send()
        .unwrap();
    assert_eq!(response.status(), 202);
    let page: Value = analyst("intel/collections/default/objects/?limit=100")
        .json()
        .unwrap();
    assert_eq!(page["objects"].as_array().unwrap().len(), 5);
    assert_eq!(page["more"], true);
    // max_content_length is enforced
    let response = node
        .http
        .post(node.url("intel/collections/default/objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&node.key)
        .body(vec![b' '; 100_001])
        .send()
        .unwrap();
    assert_eq!(response.status(), 413);
    // a broken configuration is refused with a message that names it
    std::fs::write(&config_path, "[taxii]\nmax_page_size = 0\n").unwrap();
    let (code, _, err) = cli(&["check", "--config", config_path.to_str().unwrap()], None);
    assert_ne!(code, 0);
    assert!(err.contains("max_page_size"), "{err}");
}

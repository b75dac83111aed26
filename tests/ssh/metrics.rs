//! The Prometheus endpoint, read by Prometheus' own parser.

use super::*;

/// `GET /metrics` on the server's metrics port, as a scraper sends it: (status line, body).
async fn scrape(addr: std::net::SocketAddr, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// The exposition read by Python's `prometheus_client` OpenMetrics parser (strict: a
/// malformed line fails), flattened to `name{labels} value` lines, sorted.
fn parsed_by_prometheus_client(body: &str) -> Vec<String> {
    use std::io::Write;
    const PYTHON: &str = "/usr/bin/python3";
    let script = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        out.append(f"{s.name}{{{labels}}} {s.value}")
print("\n".join(sorted(out)))
"#;
    let mut child = std::process::Command::new(PYTHON)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 is missing: install the Debian package python3 (see .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named"),
        "prometheus_client is missing: install the Debian package python3-prometheus-client (see .ci/run)"
    );
    assert!(
        out.status.success(),
        "the parser refused the exposition: {err}\n{body}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn sample(samples: &[String], name_and_labels: &str) -> f64 {
    let line = samples
        .iter()
        .find(|l| l.starts_with(&format!("{name_and_labels} ")))
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in\n{}", samples.join("\n")));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened() {
    let w = world().await;
    let addr = w.server.as_ref().unwrap().metrics_addr.unwrap();
    assert!(addr.ip().is_loopback());
    // Known actions: 4 accepted logins (commands), 1 refused key, a delivery note and an
    // invoice, a backup received whole, a console open with one search.
    let n = "DEV-2026-00001";
    let (_, err, s) = w
        .run(
            &w.staff,
            &format!("order receive-original {n} --po-number ENG-42 --po-date 2026-03-02 --letterhead --dated --signed --stamped --amount-matches"),
        )
        .await;
    assert_eq!(s, 0, "{err}");
    assert_eq!(w.run(&w.staff, &format!("order deliver {n}")).await.2, 0);
    assert_eq!(w.run(&w.staff, &format!("order invoice {n}")).await.2, 0);
    let (copy, _, s) = w.exec(&w.admin, "backup", None).await;
    assert!(s == 0 && copy.len() > 1000);
    assert!(w.connect(&new_key()).await.is_err());
    let mut c = w.console(&w.staff, 100, 30).await;
    c.wait_text("Tableau").await;
    c.keys(&[b"2"]).await;
    c.wait_text("Rechercher").await;
    for k in [b"m", b"o", b"u", b"l"] {
        c.send(k).await;
    }
    c.wait_text("Lycée Jean Moulin").await;

    let (status, body) = scrape(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    let m = parsed_by_prometheus_client(&body);
    assert_eq!(
        sample(&m, "comptoir_logins_total{result=\"accepted\"}"),
        5.0
    );
    assert!(sample(&m, "comptoir_logins_total{result=\"refused\"}") >= 1.0);
    assert_eq!(
        sample(
            &m,
            "comptoir_documents_issued_total{kind=\"delivery_note\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(&m, "comptoir_documents_issued_total{kind=\"invoice\"}"),
        1.0
    );
    assert_eq!(
        sample(&m, "comptoir_documents_issued_total{kind=\"quote\"}"),
        1.0,
        "the quote imported before the server started"
    );
    assert_eq!(sample(&m, "comptoir_sessions{role=\"staff\"}"), 1.0);
    assert_eq!(sample(&m, "comptoir_sessions{role=\"admin\"}"), 0.0);
    let age = sample(&m, "comptoir_last_backup_age_seconds{}");
    assert!((0.0..60.0).contains(&age), "backup age {age}");
    assert!(sample(&m, "comptoir_commits_total{}") >= 3.0);
    assert!(sample(&m, "comptoir_commit_seconds_count{}") >= 3.0);
    assert!(sample(&m, "comptoir_search_seconds_count{}") >= 1.0);
    assert!(sample(&m, "comptoir_store_bytes{}") > 0.0);
    assert_eq!(
        sample(&m, "comptoir_chorus_documents{state=\"refused\"}"),
        0.0
    );
    assert_eq!(sample(&m, "comptoir_mails_total{result=\"failed\"}"), 0.0);

    // Anything but GET /metrics is refused; a request that never ends is dropped.
    assert_eq!(
        scrape(addr, "GET / HTTP/1.1\r\n\r\n").await.0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        scrape(addr, "POST /metrics HTTP/1.1\r\n\r\n").await.0,
        "HTTP/1.1 405 Method Not Allowed"
    );
}

//! A minimal HTTP/1.1 client for the stand-in's own outgoing requests: the
//! backend, when it trusts an external issuer, fetches that issuer's key set
//! and discovery document itself.
//!
//! It does one `GET` per connection over plain `http://` (test issuers listen
//! on loopback without TLS), follows no redirects and gives up after a short
//! timeout, so an issuer that is down or hangs never stalls a request for
//! long. A TLS stack for this would add nothing but build time.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Answers larger than this are refused: key sets and discovery documents are
/// a few kilobytes.
const MAX_RESPONSE: usize = 1024 * 1024;

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Where an `http://` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// For `connect`: a name or an IP address, without IPv6 brackets.
    host: String,
    port: u16,
    /// The `Host` header value, as written in the URL.
    authority: String,
    /// Path and query, at least `/`.
    path: String,
}

fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// URLs are supported: {url}"))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    // Drop any fragment; it is never sent.
    let path = path.split('#').next().unwrap_or("/").to_string();
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("unsupported authority in {url}"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("bad IPv6 address in {url}"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port in {url}"))?,
            None if after.is_empty() => 80,
            None => return Err(format!("bad authority in {url}")),
        };
        (host.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().map_err(|_| format!("bad port in {url}"))?,
            ),
            None => (authority.to_string(), 80),
        }
    };
    Ok(Target {
        host,
        port,
        authority: authority.to_string(),
        path,
    })
}

/// `GET url`, with `timeout` for the whole exchange (connect, send, read).
pub(crate) async fn get(url: &str, timeout: Duration) -> Result<HttpResponse, String> {
    let target = parse_url(url)?;
    match tokio::time::timeout(timeout, exchange(&target)).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {timeout:?}: {url}")),
    }
}

async fn exchange(target: &Target) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("connect to {}: {e}", target.authority))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: netinvite-standin\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if raw.len() > MAX_RESPONSE {
            return Err("response too large".into());
        }
        // Stop as soon as the body is complete, in case the peer keeps the
        // connection open despite `Connection: close`.
        if let Ok(Some(done)) = parse_response(&raw) {
            return Ok(done);
        }
    }
    match parse_response(&raw)? {
        Some(done) => Ok(done),
        None => {
            // Without a length the body runs to the end of the connection.
            let (status, headers, body_start) = parse_head(&raw)?.ok_or("truncated response")?;
            if header(&headers, "content-length").is_some() || is_chunked(&headers) {
                return Err("truncated response".into());
            }
            Ok(HttpResponse {
                status,
                body: raw[body_start..].to_vec(),
            })
        }
    }
}

type Head = (u16, Vec<(String, String)>, usize);

/// The status and headers, once the blank line has arrived.
fn parse_head(raw: &[u8]) -> Result<Option<Head>, String> {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {status_line}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Some((status, headers, end + 4)))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    header(headers, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// A complete response, `None` while more bytes are needed.
fn parse_response(raw: &[u8]) -> Result<Option<HttpResponse>, String> {
    let Some((status, headers, start)) = parse_head(raw)? else {
        return Ok(None);
    };
    let body = &raw[start..];
    if is_chunked(&headers) {
        return Ok(dechunk(body)?.map(|body| HttpResponse { status, body }));
    }
    if let Some(len) = header(&headers, "content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad content-length: {len}"))?;
        return Ok((body.len() >= len).then(|| HttpResponse {
            status,
            body: body[..len].to_vec(),
        }));
    }
    // 1xx, 204 and 304 have no body at all.
    if status < 200 || status == 204 || status == 304 {
        return Ok(Some(HttpResponse {
            status,
            body: Vec::new(),
        }));
    }
    Ok(None)
}

/// Decodes a chunked body; `None` until the last chunk has arrived.
fn dechunk(mut raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size: {size_text}"))?;
        if size == 0 {
            return Ok(Some(out));
        }
        let data_start = eol + 2;
        let Some(data_end) = data_start.checked_add(size) else {
            return Err("chunk too large".into());
        };
        let Some(next) = data_end.checked_add(2) else {
            return Err("chunk too large".into());
        };
        if raw.len() < next {
            return Ok(None);
        }
        out.extend_from_slice(&raw[data_start..data_end]);
        raw = &raw[next..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse_url("http://127.0.0.1:9400/.well-known/jwks.json").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 9400));
        assert_eq!(t.path, "/.well-known/jwks.json");
        let t = parse_url("http://localhost").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("localhost", 80, "/")
        );
        let t = parse_url("http://[::1]:8/x?y=1#frag").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8));
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("[::1]:8", "/x?y=1")
        );
        assert_eq!(parse_url("http://h?q").unwrap().path, "/?q");
        assert!(parse_url("https://example.com/").is_err());
        assert!(parse_url("http://h:port/").is_err());
        assert!(parse_url("http://user@h/").is_err());
        assert!(parse_url("http:///x").is_err());
    }

    #[test]
    fn responses() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            .unwrap()
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}").unwrap(),
            None
        );
        let r = parse_response(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"abcde"[..]));
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
    }

    #[test]
    fn unreachable_and_silent_peers_fail_fast() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // A port nobody listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/");
        assert!(rt.block_on(get(&url, Duration::from_secs(2))).is_err());
        // A peer that accepts and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let started = std::time::Instant::now();
        let err = rt
            .block_on(get(&url, Duration::from_millis(200)))
            .unwrap_err();
        assert!(err.contains("timed out"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

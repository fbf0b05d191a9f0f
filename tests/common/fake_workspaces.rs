//! A stateful loopback WorkSpaces endpoint for what moto cannot do:
//! pagination of DescribeWorkspaceImagePermissions at 25 like AWS, a
//! configurable consistency delay, per-operation call counters, error
//! injection, and a configurable answer to revoking an account that was
//! never granted.
//!
//! It speaks HTTP/1.1 with keep-alive on 127.0.0.1 (one std thread per
//! connection, as the AWS SDK reuses connections) and the awsJson1.1
//! protocol: `POST` with `X-Amz-Target: WorkspacesService.<Operation>` and a
//! JSON body. Errors are `{"__type": code, "message": ...}` with status 400
//! (or whatever a test injects). It also answers STS `GetCallerIdentity`,
//! in the query protocol (form-encoded `Action=GetCallerIdentity`, XML
//! answer) and in JSON, as account [`ACCOUNT`].
//!
//! # Consistency delay
//!
//! Counted in DescribeWorkspaceImagePermissions calls, not in time, so
//! tests are deterministic: with `set_delay(d)`, a grant or revoke made
//! after `k` describe calls have been answered is first visible to describe
//! call number `k + d + 1` (the next `d` describe calls, of any image, still
//! answer the old list). Changes become visible in the order they were
//! made. The default is 0: visible at once. [`FakeWorkspaces::shared_accounts`]
//! always reports the true state.
//!
//! The server stops (listener closed, open connections shut down, threads
//! joined) when the `FakeWorkspaces` is dropped.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The account the fake's caller (and default image owner) is.
pub const ACCOUNT: &str = "123456789012";
/// AWS's maximum (and our default) page size for the permissions list.
pub const PAGE_SIZE: usize = 25;

pub const DESCRIBE_IMAGES: &str = "DescribeWorkspaceImages";
pub const DESCRIBE_PERMISSIONS: &str = "DescribeWorkspaceImagePermissions";
pub const UPDATE_PERMISSION: &str = "UpdateWorkspaceImagePermission";
pub const GET_CALLER_IDENTITY: &str = "GetCallerIdentity";

/// The temporary credentials every STS AssumeRole answers with: fixed, so
/// a test can look for them where they must never appear (logs).
pub const ASSUMED_ACCESS_KEY_ID: &str = "ASIAFAKEASSUMEDROLE01";
pub const ASSUMED_SECRET_ACCESS_KEY: &str = "assumedSecretKEYnever+to/appear0123456789";
pub const ASSUMED_SESSION_TOKEN: &str = "assumedSessionTOKENnever+to/appear/in/any/log0123456789";
/// The WorkSpaces operations the fake implements.
pub const WORKSPACES_OPERATIONS: [&str; 3] =
    [DESCRIBE_IMAGES, DESCRIBE_PERMISSIONS, UPDATE_PERMISSION];

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 8 * 1024 * 1024;

/// What UpdateWorkspaceImagePermission with `AllowCopyImage=false` answers
/// for an account that does not hold the permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeNeverGranted {
    /// 200 `{}`, as moto does (the default).
    Silent,
    /// An error with this status and `__type`, as AWS may answer.
    Error { status: u16, code: String },
}

#[derive(Debug, Clone)]
struct Image {
    owner: String,
    tenancy: String,
    /// The true permissions, in grant order.
    granted: Vec<String>,
    /// What DescribeWorkspaceImagePermissions currently answers.
    visible: Vec<String>,
}

#[derive(Debug)]
struct Pending {
    image: String,
    account: String,
    allow: bool,
    /// Visible to the describe call whose 0-based index is >= this.
    due: u64,
}

#[derive(Debug)]
struct Fault {
    remaining: u32,
    status: u16,
    code: String,
}

#[derive(Debug)]
struct State {
    images: BTreeMap<String, Image>,
    pending: VecDeque<Pending>,
    /// DescribeWorkspaceImagePermissions calls answered so far (never reset;
    /// the consistency delay is measured in these).
    describes_served: u64,
    delay: u64,
    revoke_never_granted: RevokeNeverGranted,
    calls: BTreeMap<String, u64>,
    total: u64,
    faults: HashMap<String, Fault>,
    requests: u64,
}

impl State {
    fn change(&mut self, image: &str, account: &str, allow: bool) {
        if let Some(img) = self.images.get_mut(image) {
            apply(&mut img.granted, account, allow);
        }
        self.pending.push_back(Pending {
            image: image.to_string(),
            account: account.to_string(),
            allow,
            due: self.describes_served + self.delay,
        });
    }

    /// Makes visible every change due for the describe call about to be
    /// answered, in order.
    fn settle(&mut self) {
        let now = self.describes_served;
        while self.pending.front().is_some_and(|p| p.due <= now) {
            let p = self.pending.pop_front().expect("front");
            if let Some(img) = self.images.get_mut(&p.image) {
                apply(&mut img.visible, &p.account, p.allow);
            }
        }
    }
}

fn apply(list: &mut Vec<String>, account: &str, allow: bool) {
    if allow {
        if !list.iter().any(|a| a == account) {
            list.push(account.to_string());
        }
    } else {
        list.retain(|a| a != account);
    }
}

struct Shared {
    state: Mutex<State>,
    stopping: AtomicBool,
    /// How long each UpdateWorkspaceImagePermission takes to answer, in ms.
    update_latency_ms: AtomicU64,
    /// Updates being answered now, and the most there were at once.
    updates_in_flight: AtomicUsize,
    max_updates_in_flight: AtomicUsize,
    connections: Mutex<Vec<(TcpStream, JoinHandle<()>)>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not make every later call panic too.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fake endpoint. Point the SDK or the provider at `url`.
pub struct FakeWorkspaces {
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeWorkspaces {
    /// Starts a server with no images, no delay and silent revokes.
    pub fn start() -> FakeWorkspaces {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                images: BTreeMap::new(),
                pending: VecDeque::new(),
                describes_served: 0,
                delay: 0,
                revoke_never_granted: RevokeNeverGranted::Silent,
                calls: BTreeMap::new(),
                total: 0,
                faults: HashMap::new(),
                requests: 0,
            }),
            stopping: AtomicBool::new(false),
            update_latency_ms: AtomicU64::new(0),
            updates_in_flight: AtomicUsize::new(0),
            max_updates_in_flight: AtomicUsize::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let accept_shared = shared.clone();
        let acceptor = std::thread::Builder::new()
            .name("fake-workspaces-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("spawn acceptor");
        FakeWorkspaces {
            url: format!("http://{addr}"),
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Adds an AVAILABLE image owned by `owner` with `tenancy` (DEFAULT or
    /// DEDICATED), with no permissions. Replaces an image of the same ID.
    pub fn add_image(&self, id: &str, owner: &str, tenancy: &str) {
        self.shared.state().images.insert(
            id.to_string(),
            Image {
                owner: owner.to_string(),
                tenancy: tenancy.to_string(),
                granted: Vec::new(),
                visible: Vec::new(),
            },
        );
    }

    /// Deletes an image and its permissions, at once.
    pub fn remove_image(&self, id: &str) {
        self.shared.state().images.remove(id);
    }

    /// The accounts that truly hold the permission (ignoring the delay),
    /// sorted; empty for an unknown image.
    pub fn shared_accounts(&self, id: &str) -> Vec<String> {
        let mut accounts = self
            .shared
            .state()
            .images
            .get(id)
            .map(|i| i.granted.clone())
            .unwrap_or_default();
        accounts.sort();
        accounts
    }

    /// What DescribeWorkspaceImagePermissions would answer now (without
    /// counting as a call or advancing the delay), in grant order.
    pub fn visible_accounts(&self, id: &str) -> Vec<String> {
        let mut state = self.shared.state();
        state.settle();
        state
            .images
            .get(id)
            .map(|i| i.visible.clone())
            .unwrap_or_default()
    }

    /// Grants behind the provider's back; subject to the delay like an API
    /// grant. Panics (in the test) if the image does not exist.
    pub fn grant_out_of_band(&self, id: &str, account: &str) {
        let mut state = self.shared.state();
        assert!(state.images.contains_key(id), "no image {id} in the fake");
        state.change(id, account, true);
    }

    /// Revokes behind the provider's back; subject to the delay.
    pub fn revoke_out_of_band(&self, id: &str, account: &str) {
        let mut state = self.shared.state();
        assert!(state.images.contains_key(id), "no image {id} in the fake");
        state.change(id, account, false);
    }

    /// Consistency delay, in DescribeWorkspaceImagePermissions calls, for
    /// changes made from now on (see the module documentation).
    pub fn set_delay(&self, describe_calls: u64) {
        self.shared.state().delay = describe_calls;
    }

    pub fn set_revoke_never_granted(&self, answer: RevokeNeverGranted) {
        self.shared.state().revoke_never_granted = answer;
    }

    /// The next `times` calls of `operation` answer `status` with error
    /// code `code` and change nothing (they still count as calls).
    /// Replaces any fault already set for that operation.
    pub fn fail_next(&self, operation: &str, times: u32, status: u16, code: &str) {
        self.shared.state().faults.insert(
            operation.to_string(),
            Fault {
                remaining: times,
                status,
                code: code.to_string(),
            },
        );
    }

    /// Calls of `operation` received since start or the last reset,
    /// including failed and injected-fault ones.
    pub fn calls(&self, operation: &str) -> u64 {
        self.shared
            .state()
            .calls
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Every request received since start or the last reset (any operation,
    /// STS and unknown ones included).
    pub fn total_calls(&self) -> u64 {
        self.shared.state().total
    }

    /// Calls of the three WorkSpaces operations the fake implements.
    pub fn workspaces_calls(&self) -> u64 {
        let state = self.shared.state();
        WORKSPACES_OPERATIONS
            .iter()
            .map(|op| state.calls.get(*op).copied().unwrap_or(0))
            .sum()
    }

    /// Calls per operation name (unknown operations under their name).
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.shared.state().calls.clone()
    }

    /// Zeroes the counters (not the delay bookkeeping).
    pub fn reset_calls(&self) {
        let mut state = self.shared.state();
        state.calls.clear();
        state.total = 0;
        self.shared.max_updates_in_flight.store(0, Ordering::SeqCst);
    }

    /// Makes every UpdateWorkspaceImagePermission take `latency` to answer,
    /// so that concurrent ones overlap.
    pub fn set_update_latency(&self, latency: std::time::Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.shared.update_latency_ms.store(ms, Ordering::SeqCst);
    }

    /// The most UpdateWorkspaceImagePermission calls answered at once since
    /// start or the last reset.
    pub fn max_updates_in_flight(&self) -> usize {
        self.shared.max_updates_in_flight.load(Ordering::SeqCst)
    }

    /// An SDK client for this endpoint, as `Moto::client()`, but with a
    /// 10 ms initial retry backoff (still 3 attempts) so injected 5xx
    /// faults do not slow tests down.
    pub fn client(&self) -> aws_sdk_workspaces::Client {
        use aws_sdk_workspaces::config::{BehaviorVersion, Credentials, Region};
        let conf = aws_sdk_workspaces::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(super::REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .endpoint_url(&self.url)
            .retry_config(
                aws_sdk_workspaces::config::retry::RetryConfig::standard()
                    .with_initial_backoff(std::time::Duration::from_millis(10)),
            )
            .build();
        aws_sdk_workspaces::Client::from_conf(conf)
    }
}

impl Drop for FakeWorkspaces {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag.
        let woke = TcpStream::connect(self.addr).is_ok();
        if let Some(acceptor) = self.acceptor.take() {
            if woke {
                let _ = acceptor.join();
            }
        }
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for (stream, _) in &connections {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        for (_, handle) in connections {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let conn_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("fake-workspaces-conn".into())
            .spawn(move || serve_connection(stream, &conn_shared));
        let Ok(handle) = spawned else { continue };
        let mut connections = shared.connections.lock().unwrap_or_else(|e| e.into_inner());
        connections.retain(|(_, h)| !h.is_finished());
        connections.push((clone, handle));
        drop(connections);
        // Drop may have taken the list between the flag check and the
        // push: shut this one down ourselves so it cannot outlive the fake.
        if shared.stopping.load(Ordering::SeqCst) {
            let mut connections = shared.connections.lock().unwrap_or_else(|e| e.into_inner());
            for (s, _) in connections.iter() {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            connections.clear();
            return;
        }
    }
}

// ---------------------------------------------------------------- HTTP

struct Request {
    method: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Incoming {
    Request(Request),
    Closed,
    Malformed(String),
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
}

/// One line, without its line ending; `Ok(None)` at end of stream.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut buf = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE {
            "line too long".to_string()
        } else {
            "connection closed mid-line".to_string()
        });
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Incoming {
    // Skip blank lines before the request line (RFC 9112 2.2).
    let request_line = loop {
        match read_line(reader) {
            Ok(None) => return Incoming::Closed,
            Ok(Some(l)) if l.is_empty() => continue,
            Ok(Some(l)) => break l,
            Err(e) => return Incoming::Malformed(e),
        }
    };
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(_path), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Incoming::Malformed(format!("bad request line {request_line:?}"));
    };
    if !version.starts_with("HTTP/1.") {
        return Incoming::Malformed(format!("unsupported version {version:?}"));
    }
    let mut headers = Vec::new();
    loop {
        match read_line(reader) {
            Ok(Some(l)) if l.is_empty() => break,
            Ok(Some(l)) => {
                let Some((k, v)) = l.split_once(':') else {
                    return Incoming::Malformed(format!("bad header line {l:?}"));
                };
                headers.push((k.trim().to_string(), v.trim().to_string()));
                if headers.len() > MAX_HEADERS {
                    return Incoming::Malformed("too many headers".into());
                }
            }
            Ok(None) => return Incoming::Malformed("connection closed in headers".into()),
            Err(e) => return Incoming::Malformed(e),
        }
    }
    let mut request = Request {
        method: method.to_string(),
        headers,
        body: Vec::new(),
        close: version == "HTTP/1.0",
    };
    if let Some(c) = request.header("connection") {
        if c.eq_ignore_ascii_case("close") {
            request.close = true;
        } else if c.eq_ignore_ascii_case("keep-alive") {
            request.close = false;
        }
    }
    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return Incoming::Closed;
    }
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        match read_chunked(reader) {
            Ok(body) => request.body = body,
            Err(e) => return Incoming::Malformed(e),
        }
    } else if let Some(len) = request.header("content-length") {
        let Ok(len) = len.parse::<usize>() else {
            return Incoming::Malformed(format!("bad Content-Length {len:?}"));
        };
        if len > MAX_BODY {
            return Incoming::Malformed(format!("body of {len} bytes is too large"));
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return Incoming::Malformed("connection closed in body".into());
        }
        request.body = body;
    }
    Incoming::Request(request)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or("connection closed in chunk size")?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            while !read_line(reader)?
                .ok_or("connection closed in trailers")?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err("chunked body too large".into());
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|_| "connection closed in chunk")?;
        read_line(reader)?.ok_or("connection closed after chunk")?;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn write_response(
    writer: &mut TcpStream,
    response: &Response,
    request_id: &str,
    close: bool,
) -> bool {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nx-amzn-RequestId: {}\r\nContent-Length: {}\r\n{}\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        request_id,
        response.body.len(),
        if close { "Connection: close\r\n" } else { "" },
    );
    writer
        .write_all(head.as_bytes())
        .and_then(|_| writer.write_all(response.body.as_bytes()))
        .and_then(|_| writer.flush())
        .is_ok()
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    serve_requests(BufReader::new(stream), &mut writer, shared);
    // The acceptor keeps a clone of this socket (to shut it down when the
    // fake is dropped), so closing ours would not end the connection.
    let _ = writer.shutdown(std::net::Shutdown::Both);
}

fn serve_requests(mut reader: BufReader<TcpStream>, writer: &mut TcpStream, shared: &Shared) {
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        match read_request(&mut reader, writer) {
            Incoming::Closed => return,
            Incoming::Malformed(why) => {
                let response =
                    json_error(400, "BadRequest", &format!("malformed HTTP request: {why}"));
                write_response(writer, &response, "fake-malformed", true);
                return;
            }
            Incoming::Request(request) => {
                let update = operation_of(&request).1 == UPDATE_PERMISSION;
                if update {
                    let now = shared.updates_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    shared
                        .max_updates_in_flight
                        .fetch_max(now, Ordering::SeqCst);
                    let ms = shared.update_latency_ms.load(Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                }
                let (response, request_id) = handle(shared, &request);
                if update {
                    shared.updates_in_flight.fetch_sub(1, Ordering::SeqCst);
                }
                if !write_response(writer, &response, &request_id, request.close) || request.close {
                    return;
                }
            }
        }
    }
}

// ------------------------------------------------------------ protocol

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Json,
    Query,
}

fn json_ok(body: Value) -> Response {
    Response {
        status: 200,
        content_type: "application/x-amz-json-1.1",
        body: body.to_string(),
    }
}

fn json_error(status: u16, code: &str, message: &str) -> Response {
    Response {
        status,
        content_type: "application/x-amz-json-1.1",
        body: json!({"__type": code, "message": message}).to_string(),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn query_error(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    Response {
        status,
        content_type: "text/xml",
        body: format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            xml_escape(code),
            xml_escape(message)
        ),
    }
}

fn error(protocol: Protocol, status: u16, code: &str, message: &str, request_id: &str) -> Response {
    match protocol {
        Protocol::Json => json_error(status, code, message),
        Protocol::Query => query_error(status, code, message, request_id),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex_digit = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// Which operation a request asks for, and in which protocol.
fn operation_of(request: &Request) -> (Protocol, String) {
    if let Some(target) = request.header("x-amz-target") {
        let (service, op) = target.split_once('.').unwrap_or(("", target));
        let op = op.to_string();
        return match service {
            "WorkspacesService" => (Protocol::Json, op),
            "AWSSecurityTokenServiceV20110615" => (Protocol::Json, format!("sts:{op}")),
            _ => (Protocol::Json, format!("{service}.{op}")),
        };
    }
    let form = request
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"))
        || request.body.starts_with(b"Action=");
    if form {
        let body = String::from_utf8_lossy(&request.body);
        let action = form_field(&body, "Action").unwrap_or_default();
        return (Protocol::Query, format!("sts:{action}"));
    }
    (Protocol::Json, String::new())
}

fn handle(shared: &Shared, request: &Request) -> (Response, String) {
    let (protocol, op) = operation_of(request);
    // STS operations count under their own name.
    let counted = op.strip_prefix("sts:").unwrap_or(&op).to_string();
    let counted = if counted.is_empty() {
        "(none)".to_string()
    } else {
        counted
    };
    let mut state = shared.state();
    state.requests += 1;
    let request_id = format!("fake-{:08}", state.requests);
    *state.calls.entry(counted.clone()).or_insert(0) += 1;
    state.total += 1;

    let fault = match state.faults.get_mut(&counted) {
        Some(f) if f.remaining > 0 => {
            f.remaining -= 1;
            Some((f.status, f.code.clone()))
        }
        _ => None,
    };
    if let Some((status, code)) = fault {
        let message = format!("{code} injected by the test for {counted}");
        return (
            error(protocol, status, &code, &message, &request_id),
            request_id,
        );
    }
    if request.method != "POST" {
        return (
            error(
                protocol,
                400,
                "UnknownOperationException",
                &format!("{} is not supported; use POST", request.method),
                &request_id,
            ),
            request_id,
        );
    }
    let response = match op.as_str() {
        "sts:GetCallerIdentity" => caller_identity(protocol, &request_id),
        "sts:AssumeRole" => assume_role(protocol, &request_id),
        _ if protocol == Protocol::Query => query_error(
            400,
            "InvalidAction",
            &format!("Could not find operation {counted}"),
            &request_id,
        ),
        DESCRIBE_IMAGES | DESCRIBE_PERMISSIONS | UPDATE_PERMISSION => {
            let input = if request.body.iter().all(u8::is_ascii_whitespace) {
                Ok(json!({}))
            } else {
                serde_json::from_slice::<Value>(&request.body)
            };
            match input {
                Ok(input) if input.is_object() => match op.as_str() {
                    DESCRIBE_IMAGES => describe_images(&state, &input),
                    DESCRIBE_PERMISSIONS => describe_permissions(&mut state, &input),
                    _ => update_permission(&mut state, &input),
                },
                Ok(_) => json_error(
                    400,
                    "SerializationException",
                    "the body is not a JSON object",
                ),
                Err(e) => json_error(400, "SerializationException", &format!("invalid JSON: {e}")),
            }
        }
        _ => json_error(
            400,
            "UnknownOperationException",
            &format!("unknown operation {op:?}"),
        ),
    };
    (response, request_id)
}

fn caller_identity(protocol: Protocol, request_id: &str) -> Response {
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/testing");
    let user_id = "AIDAFAKEWORKSPACESUSER";
    match protocol {
        Protocol::Json => json_ok(json!({"Account": ACCOUNT, "Arn": arn, "UserId": user_id})),
        Protocol::Query => Response {
            status: 200,
            content_type: "text/xml",
            body: format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>{arn}</Arn><UserId>{user_id}</UserId><Account>{ACCOUNT}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>"
            ),
        },
    }
}

fn assume_role(protocol: Protocol, request_id: &str) -> Response {
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/deployer/terraform");
    let role_id = "AROAFAKEWORKSPACESROLE:terraform";
    match protocol {
        Protocol::Json => json_ok(json!({
            "Credentials": {
                "AccessKeyId": ASSUMED_ACCESS_KEY_ID,
                "SecretAccessKey": ASSUMED_SECRET_ACCESS_KEY,
                "SessionToken": ASSUMED_SESSION_TOKEN,
                "Expiration": 4_102_444_800u64,
            },
            "AssumedRoleUser": {"Arn": arn, "AssumedRoleId": role_id},
        })),
        Protocol::Query => Response {
            status: 200,
            content_type: "text/xml",
            body: format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <AssumeRoleResult><Credentials><AccessKeyId>{ASSUMED_ACCESS_KEY_ID}</AccessKeyId>\
                 <SecretAccessKey>{ASSUMED_SECRET_ACCESS_KEY}</SecretAccessKey>\
                 <SessionToken>{ASSUMED_SESSION_TOKEN}</SessionToken>\
                 <Expiration>2100-01-01T00:00:00Z</Expiration></Credentials>\
                 <AssumedRoleUser><Arn>{arn}</Arn><AssumedRoleId>{role_id}</AssumedRoleId></AssumedRoleUser>\
                 </AssumeRoleResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
                 </ResponseMetadata></AssumeRoleResponse>"
            ),
        },
    }
}

// ------------------------------------------------------------ WorkSpaces

fn valid_image_id(id: &str) -> bool {
    id.strip_prefix("wsi-").is_some_and(|rest| {
        (9..=63).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    })
}

fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn invalid_image(id: &str) -> Response {
    json_error(
        400,
        "ValidationException",
        &format!("The Image ID {id} in the request is invalid"),
    )
}

/// A required string member, or the error to answer.
fn required_str<'a>(input: &'a Value, name: &str) -> Result<&'a str, Response> {
    match input.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(json_error(
            400,
            "ValidationException",
            &format!("1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"),
        )),
        Some(_) => Err(json_error(
            400,
            "SerializationException",
            &format!("{name} must be a string"),
        )),
    }
}

fn image_json(id: &str, image: &Image) -> Value {
    json!({
        "ImageId": id,
        "Name": format!("image-{id}"),
        "Description": format!("fake image {id}"),
        "OwnerAccountId": image.owner,
        "State": "AVAILABLE",
        "RequiredTenancy": image.tenancy,
        "OperatingSystem": {"Type": "WINDOWS"},
    })
}

/// `ImageIds` filters; no pagination (a handful of images is all tests use).
fn describe_images(state: &State, input: &Value) -> Response {
    let ids: Option<Vec<&str>> = match input.get("ImageIds") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for item in items {
                let Some(id) = item.as_str() else {
                    return json_error(400, "SerializationException", "ImageIds must be strings");
                };
                if !valid_image_id(id) {
                    return invalid_image(id);
                }
                ids.push(id);
            }
            Some(ids)
        }
        Some(_) => {
            return json_error(400, "SerializationException", "ImageIds must be a list");
        }
    };
    let images: Vec<Value> = state
        .images
        .iter()
        .filter(|(id, _)| ids.as_ref().is_none_or(|ids| ids.contains(&id.as_str())))
        .map(|(id, image)| image_json(id, image))
        .collect();
    json_ok(json!({ "Images": images }))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Opaque to clients: which image and where the next page starts.
fn page_token(image: &str, offset: usize) -> String {
    format!("fwt1{}", hex(&format!("{image}|{offset}")))
}

fn token_offset(token: &str, image: &str) -> Option<usize> {
    let text = unhex(token.strip_prefix("fwt1")?)?;
    let (for_image, offset) = text.split_once('|')?;
    (for_image == image).then_some(())?;
    offset.parse().ok()
}

fn describe_permissions(state: &mut State, input: &Value) -> Response {
    let id = match required_str(input, "ImageId") {
        Ok(id) => id.to_string(),
        Err(response) => return response,
    };
    if !valid_image_id(&id) {
        return invalid_image(&id);
    }
    let max = match input.get("MaxResults") {
        None | Some(Value::Null) => PAGE_SIZE,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 1 => (n as usize).min(PAGE_SIZE),
            _ => {
                return json_error(
                    400,
                    "ValidationException",
                    &format!("1 validation error detected: Value {v} at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
                )
            }
        },
    };
    let offset = match input.get("NextToken") {
        None | Some(Value::Null) => 0,
        Some(Value::String(t)) => match token_offset(t, &id) {
            Some(o) => o,
            None => return json_error(400, "ValidationException", "The NextToken is invalid"),
        },
        Some(_) => return json_error(400, "SerializationException", "NextToken must be a string"),
    };
    state.settle();
    state.describes_served += 1;
    let Some(image) = state.images.get(&id) else {
        return json_error(
            400,
            "ResourceNotFoundException",
            &format!("The image {id} could not be found"),
        );
    };
    let all = &image.visible;
    let start = offset.min(all.len());
    let end = (start + max).min(all.len());
    let permissions: Vec<Value> = all[start..end]
        .iter()
        .map(|a| json!({ "SharedAccountId": a }))
        .collect();
    let mut body = json!({"ImageId": id, "ImagePermissions": permissions});
    if end < all.len() {
        body["NextToken"] = Value::String(page_token(&id, end));
    }
    json_ok(body)
}

fn update_permission(state: &mut State, input: &Value) -> Response {
    let id = match required_str(input, "ImageId") {
        Ok(id) => id.to_string(),
        Err(response) => return response,
    };
    let account = match required_str(input, "SharedAccountId") {
        Ok(a) => a.to_string(),
        Err(response) => return response,
    };
    let allow = match input.get("AllowCopyImage") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => {
            return json_error(
                400,
                "ValidationException",
                "1 validation error detected: Value null at 'allowCopyImage' failed to satisfy constraint: Member must not be null",
            )
        }
        Some(_) => return json_error(400, "SerializationException", "AllowCopyImage must be a boolean"),
    };
    if !valid_image_id(&id) {
        return invalid_image(&id);
    }
    if !valid_account_id(&account) {
        return json_error(
            400,
            "ValidationException",
            &format!("1 validation error detected: Value '{account}' at 'sharedAccountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{{12}}$"),
        );
    }
    let Some(image) = state.images.get(&id) else {
        return json_error(
            400,
            "ResourceNotFoundException",
            &format!("The image {id} could not be found"),
        );
    };
    if !allow && !image.granted.contains(&account) {
        if let RevokeNeverGranted::Error { status, code } = &state.revoke_never_granted {
            return json_error(
                *status,
                code,
                &format!("Image {id} is not shared with account {account}"),
            );
        }
        return json_ok(json!({}));
    }
    state.change(&id, &account, allow);
    json_ok(json!({}))
}

//! A fault-injecting reverse HTTP/1.1 proxy on 127.0.0.1, between the
//! provider and moto. Each request it reads is either forwarded to moto and
//! its answer relayed, or met with a fault drawn from a seeded mix:
//!
//! - `Throttle`: 400 with AWS's JSON error body (`ThrottlingException`),
//!   or STS's XML one (`Throttling`); the request never reaches moto;
//! - `Error500`: the request IS forwarded (so a write happens), then the
//!   answer is replaced by a 500: the client cannot know it took effect;
//! - `Error503`: 503 `ServiceUnavailable`, not forwarded;
//! - `ResetBeforeResponse`: the connection is reset (RST) once the request
//!   is read, not forwarded;
//! - `ResetMidResponse`: forwarded; the status line, the headers and half
//!   of the body are sent, then the connection is reset;
//! - `Stall`: for chosen operations, the first N requests get the status
//!   line, the headers and a few bytes of body, then nothing more, ever
//!   (until the proxy stops);
//! - latency: an added delay before forwarding (not a failure).
//!
//! Retries are seen as they arrive: the AWS SDKs send
//! `amz-sdk-request: attempt=N; max=M` with every attempt, so a request
//! with N > 1 is a retry of one the SDK already sent.
//!
//! The proxy is bounded: after `max_requests` requests or `max_duration`
//! it stops (answers nothing more, closes every connection, stops
//! listening), and [`FaultProxy::stats`] reports `exhausted`. Dropping it
//! stops it too. A thread per connection, plain std::net.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Percentages (0–100) of faultable requests that get each fault; what is
/// left over is forwarded untouched. `latency` is drawn separately: that
/// share of forwarded requests waits `latency_ms` (a range) first.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultMix {
    pub throttle: f64,
    pub error_500: f64,
    pub error_503: f64,
    pub reset_before: f64,
    pub reset_mid: f64,
    pub latency: f64,
    pub latency_ms: (u64, u64),
}

impl FaultMix {
    pub fn none() -> FaultMix {
        FaultMix::default()
    }

    fn total(&self) -> f64 {
        self.throttle + self.error_500 + self.error_503 + self.reset_before + self.reset_mid
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    Throttle,
    Error500,
    Error503,
    ResetBeforeResponse,
    ResetMidResponse,
    Stall,
}

impl FaultKind {
    pub const ALL: [FaultKind; 6] = [
        FaultKind::Throttle,
        FaultKind::Error500,
        FaultKind::Error503,
        FaultKind::ResetBeforeResponse,
        FaultKind::ResetMidResponse,
        FaultKind::Stall,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Error500 => "500",
            FaultKind::Error503 => "503",
            FaultKind::ResetBeforeResponse => "reset-before",
            FaultKind::ResetMidResponse => "reset-mid",
            FaultKind::Stall => "stall",
        }
    }
}

/// Requests, retries and faults for one operation, or for all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    /// Requests the SDK marked as attempt 2 or later.
    pub retries: u64,
    pub faults: BTreeMap<FaultKind, u64>,
    /// Requests held back by added latency.
    pub delayed: u64,
}

impl Counts {
    pub fn faults_total(&self) -> u64 {
        self.faults.values().sum()
    }

    pub fn fault(&self, kind: FaultKind) -> u64 {
        self.faults.get(&kind).copied().unwrap_or(0)
    }

    /// The sum of both.
    pub fn plus(&self, other: &Counts) -> Counts {
        let mut sum = self.clone();
        sum.add(other);
        sum
    }

    fn add(&mut self, other: &Counts) {
        self.requests += other.requests;
        self.retries += other.retries;
        self.delayed += other.delayed;
        for (k, v) in &other.faults {
            *self.faults.entry(*k).or_default() += v;
        }
    }

    /// What happened since `before` (an earlier snapshot of the same).
    pub fn since(&self, before: &Counts) -> Counts {
        let mut faults = BTreeMap::new();
        for (k, v) in &self.faults {
            let d = v - before.faults.get(k).copied().unwrap_or(0);
            if d > 0 {
                faults.insert(*k, d);
            }
        }
        Counts {
            requests: self.requests - before.requests,
            retries: self.retries - before.retries,
            faults,
            delayed: self.delayed - before.delayed,
        }
    }

    /// "throttle=12 500=7 ..." for every kind, zeros included.
    pub fn faults_line(&self) -> String {
        FaultKind::ALL
            .iter()
            .map(|k| format!("{}={}", k.label(), self.fault(*k)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub total: Counts,
    pub per_operation: BTreeMap<String, Counts>,
    /// The proxy hit its request or time bound and stopped.
    pub exhausted: bool,
}

impl Stats {
    pub fn operation(&self, op: &str) -> Counts {
        self.per_operation.get(op).cloned().unwrap_or_default()
    }
}

/// Stall the first `count` requests of `operation` (its X-Amz-Target
/// suffix, e.g. "UpdateWorkspaceImagePermission").
#[derive(Debug, Clone)]
pub struct StallRule {
    pub operation: String,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// moto's URL, `http://127.0.0.1:port`.
    pub upstream: String,
    pub seed: u64,
    pub mix: FaultMix,
    /// Per-operation mixes, replacing `mix` for those operations.
    pub mix_by_operation: BTreeMap<String, FaultMix>,
    /// Operations that may get faults; `None`: every WorkSpaces operation
    /// and STS GetCallerIdentity.
    pub faulted: Option<Vec<String>>,
    pub stalls: Vec<StallRule>,
    pub max_requests: u64,
    pub max_duration: Duration,
}

impl ProxyConfig {
    pub fn new(upstream: &str, seed: u64, mix: FaultMix) -> ProxyConfig {
        ProxyConfig {
            upstream: upstream.to_string(),
            seed,
            mix,
            mix_by_operation: BTreeMap::new(),
            faulted: None,
            stalls: Vec::new(),
            max_requests: 50_000,
            max_duration: Duration::from_secs(600),
        }
    }
}

/// xorshift64*: small, fast, and the same sequence for the same seed.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        // Zero is xorshift's one fixed point; mix the seed so 0, 1, 2...
        // do not start alike.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 100).
    pub fn percent(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 100.0
    }
}

struct Shared {
    config: Mutex<ProxyConfig>,
    rng: Mutex<XorShift>,
    stats: Mutex<Stats>,
    /// Stall rules' remaining counts, per operation.
    stalls_left: Mutex<BTreeMap<String, u64>>,
    stop: AtomicBool,
    started: Instant,
    upstream: SocketAddr,
}

impl Shared {
    fn stopped(&self) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            return true;
        }
        let limit = self.config.lock().expect("config").max_duration;
        if self.started.elapsed() > limit {
            self.stats.lock().expect("stats").exhausted = true;
            self.stop.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }
}

pub struct FaultProxy {
    pub url: String,
    shared: Arc<Shared>,
}

impl FaultProxy {
    pub fn start(config: ProxyConfig) -> FaultProxy {
        let upstream: SocketAddr = config
            .upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream must be http://127.0.0.1:port");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            rng: Mutex::new(XorShift::new(config.seed)),
            stalls_left: Mutex::new(
                config
                    .stalls
                    .iter()
                    .map(|s| (s.operation.clone(), s.count))
                    .collect(),
            ),
            config: Mutex::new(config),
            stats: Mutex::new(Stats::default()),
            stop: AtomicBool::new(false),
            started: Instant::now(),
            upstream,
        });
        let accept = shared.clone();
        std::thread::spawn(move || {
            while !accept.stopped() {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let conn = accept.clone();
                        std::thread::spawn(move || serve(stream, &conn));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultProxy { url, shared }
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().expect("stats").clone()
    }

    /// Replaces the mix (for every operation) from the next request on.
    pub fn set_mix(&self, mix: FaultMix) {
        let mut config = self.shared.config.lock().expect("config");
        config.mix = mix;
        config.mix_by_operation.clear();
    }

    /// Ends every stall now and stalls nothing more.
    pub fn end_stalls(&self) {
        self.shared.stalls_left.lock().expect("stalls").clear();
        self.shared.config.lock().expect("config").stalls.clear();
    }

    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One parsed request: the head's lines as sent, and the body.
struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// "UpdateWorkspaceImagePermission", "GetCallerIdentity", ...
    fn operation(&self) -> String {
        if let Some(target) = self.header("x-amz-target") {
            return target.rsplit('.').next().unwrap_or(target).to_string();
        }
        let body = String::from_utf8_lossy(&self.body);
        body.split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .map_or_else(|| "(unknown)".to_string(), str::to_string)
    }

    fn is_sts(&self) -> bool {
        self.header("x-amz-target").is_none()
    }

    /// The SDK's attempt number (1 for a first attempt).
    fn attempt(&self) -> u64 {
        self.header("amz-sdk-request")
            .and_then(|v| {
                v.split(';')
                    .find_map(|p| p.trim().strip_prefix("attempt="))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(1)
    }

    fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads until "\r\n\r\n", waking every 200 ms to see whether the proxy
/// stopped. `None`: the peer closed, or the proxy stopped.
fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>, shared: &Shared) -> Option<usize> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(i + 4);
        }
        if shared.stopped() {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
}

/// Reads until `buf` holds at least `len` bytes.
fn read_body(stream: &mut TcpStream, buf: &mut Vec<u8>, len: usize, shared: &Shared) -> bool {
    let mut chunk = [0u8; 8192];
    while buf.len() < len {
        if shared.stopped() {
            return false;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return false,
        }
    }
    true
}

fn content_length(head: &[String]) -> usize {
    head.iter()
        .skip(1)
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn is_chunked(head: &[String]) -> bool {
    head.iter().skip(1).any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    })
}

/// Decodes a chunked body from `data`; `None` until it is complete.
fn dechunk(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let line_end = pos + data[pos..].windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[pos..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        pos = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            let end = pos + data[pos..].windows(2).position(|w| w == b"\r\n")?;
            return Some((out, end + 2));
        }
        if data.len() < pos + size + 2 {
            return None;
        }
        out.extend_from_slice(&data[pos..pos + size]);
        pos += size + 2;
    }
}

/// Reads one request, or `None` when the connection or the proxy ended.
fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>, shared: &Shared) -> Option<Request> {
    let head_len = read_head(stream, pending, shared)?;
    let head_text = String::from_utf8_lossy(&pending[..head_len - 4]).to_string();
    let head: Vec<String> = head_text.split("\r\n").map(str::to_string).collect();
    // From here on `pending` holds what followed the head.
    *pending = pending.split_off(head_len);
    let body = if is_chunked(&head) {
        loop {
            if let Some((body, used)) = dechunk(pending) {
                pending.drain(..used);
                break body;
            }
            let have = pending.len();
            if !read_body(stream, pending, have + 1, shared) {
                return None;
            }
        }
    } else {
        let len = content_length(&head);
        if !read_body(stream, pending, len, shared) {
            return None;
        }
        let body = pending[..len].to_vec();
        pending.drain(..len);
        body
    };
    Some(Request { head, body })
}

/// A complete upstream answer.
struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn error(status: u16, reason: &str, content_type: &str, body: String) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: vec![
                ("Content-Type".to_string(), content_type.to_string()),
                (
                    "x-amzn-RequestId".to_string(),
                    format!("fault-proxy-{status}-{}", body.len()),
                ),
            ],
            body: body.into_bytes(),
        }
    }

    fn json_error(status: u16, reason: &str, code: &str, message: &str) -> Response {
        let body = format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}");
        Response::error(status, reason, "application/x-amz-json-1.1", body)
    }

    fn sts_error(status: u16, reason: &str, code: &str, message: &str) -> Response {
        let body = format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId>\
             </ErrorResponse>"
        );
        Response::error(status, reason, "text/xml", body)
    }

    /// Status line and headers, with our own Content-Length.
    fn head_bytes(&self, close: bool) -> Vec<u8> {
        let mut text = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (k, v) in &self.headers {
            let lower = k.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "content-length" | "transfer-encoding" | "connection" | "keep-alive"
            ) {
                continue;
            }
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            text.push_str("Connection: close\r\n");
        }
        text.push_str("\r\n");
        text.into_bytes()
    }
}

/// Sends the request to moto on a connection of its own and reads the
/// whole answer.
fn forward(req: &Request, upstream: SocketAddr) -> std::io::Result<Response> {
    let mut conn = TcpStream::connect_timeout(&upstream, Duration::from_secs(10))?;
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = String::new();
    head.push_str(&req.head[0]);
    head.push_str("\r\n");
    for line in &req.head[1..] {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:")
            || lower.starts_with("content-length:")
            || lower.starts_with("transfer-encoding:")
        {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    conn.write_all(head.as_bytes())?;
    conn.write_all(&req.body)?;
    conn.flush()?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("upstream answer has no head"))?;
    let text = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("upstream status line unreadable"))?;
    let reason = parts.next().unwrap_or("").to_string();
    let head_lines: Vec<String> = std::iter::once(status_line.to_string())
        .chain(lines.clone().map(str::to_string))
        .collect();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let rest = &raw[head_end + 4..];
    let body = if is_chunked(&head_lines) {
        dechunk(rest)
            .map(|(b, _)| b)
            .ok_or_else(|| std::io::Error::other("upstream chunked body incomplete"))?
    } else if headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        rest[..content_length(&head_lines).min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
    })
}

/// Closes with a TCP reset rather than a FIN: SO_LINGER 0, then close.
fn reset(stream: TcpStream) {
    let socket = tokio::net::TcpSocket::from_std_stream(stream);
    let _ = socket.set_zero_linger();
    drop(socket);
}

enum Decision {
    Forward,
    Fault(FaultKind),
}

fn decide(shared: &Shared, req: &Request, op: &str) -> (Decision, Option<Duration>) {
    {
        let mut left = shared.stalls_left.lock().expect("stalls");
        if let Some(n) = left.get_mut(op) {
            if *n > 0 {
                *n -= 1;
                return (Decision::Fault(FaultKind::Stall), None);
            }
        }
    }
    let config = shared.config.lock().expect("config");
    let faultable = match &config.faulted {
        Some(ops) => ops.iter().any(|o| o == op),
        None => {
            req.header("x-amz-target")
                .is_some_and(|t| t.starts_with("WorkspacesService."))
                || op == "GetCallerIdentity"
        }
    };
    if !faultable {
        return (Decision::Forward, None);
    }
    let mix = config
        .mix_by_operation
        .get(op)
        .copied()
        .unwrap_or(config.mix);
    drop(config);
    let mut rng = shared.rng.lock().expect("rng");
    let draw = rng.percent();
    let delay_draw = rng.percent();
    let spread = rng.next_u64();
    drop(rng);
    let mut edge = 0.0;
    let mut decision = Decision::Forward;
    for (kind, share) in [
        (FaultKind::Throttle, mix.throttle),
        (FaultKind::Error500, mix.error_500),
        (FaultKind::Error503, mix.error_503),
        (FaultKind::ResetBeforeResponse, mix.reset_before),
        (FaultKind::ResetMidResponse, mix.reset_mid),
    ] {
        edge += share;
        if draw < edge {
            decision = Decision::Fault(kind);
            break;
        }
    }
    debug_assert!(mix.total() <= 100.0);
    let delay = (delay_draw < mix.latency).then(|| {
        let (lo, hi) = mix.latency_ms;
        Duration::from_millis(lo + spread % (hi.saturating_sub(lo) + 1))
    });
    (decision, delay)
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = stream.set_nodelay(true);
    let mut stream = stream;
    let mut pending = Vec::new();
    loop {
        let Some(req) = read_request(&mut stream, &mut pending, shared) else {
            return;
        };
        let op = req.operation();
        let retry = req.attempt() > 1;
        let max = shared.config.lock().expect("config").max_requests;
        {
            let mut guard = shared.stats.lock().expect("stats");
            let stats = &mut *guard;
            if stats.total.requests >= max {
                stats.exhausted = true;
                shared.stop.store(true, Ordering::SeqCst);
                return;
            }
            for counts in [
                &mut stats.total,
                stats.per_operation.entry(op.clone()).or_default(),
            ] {
                counts.requests += 1;
                counts.retries += u64::from(retry);
            }
        }
        let (decision, delay) = decide(shared, &req, &op);
        let record = |kind: Option<FaultKind>, delayed: bool| {
            let mut stats = shared.stats.lock().expect("stats");
            let mut one = Counts::default();
            if let Some(kind) = kind {
                one.faults.insert(kind, 1);
            }
            one.delayed = u64::from(delayed);
            stats.total.add(&one);
            stats.per_operation.entry(op.clone()).or_default().add(&one);
        };
        if let Some(d) = delay {
            record(None, true);
            std::thread::sleep(d);
        }
        let close = req.wants_close();
        let reply = match decision {
            Decision::Forward => match forward(&req, shared.upstream) {
                Ok(r) => r,
                // moto itself failed: say so as a gateway would.
                Err(e) => Response::json_error(502, "Bad Gateway", "BadGateway", &e.to_string()),
            },
            Decision::Fault(kind) => {
                record(Some(kind), false);
                match kind {
                    FaultKind::Throttle if req.is_sts() => {
                        Response::sts_error(400, "Bad Request", "Throttling", "Rate exceeded")
                    }
                    FaultKind::Throttle => Response::json_error(
                        400,
                        "Bad Request",
                        "ThrottlingException",
                        "Rate exceeded (injected by the test's fault proxy)",
                    ),
                    FaultKind::Error500 => {
                        // The request takes effect; only its answer is lost.
                        let _ = forward(&req, shared.upstream);
                        if req.is_sts() {
                            Response::sts_error(
                                500,
                                "Internal Server Error",
                                "InternalFailure",
                                "injected",
                            )
                        } else {
                            Response::json_error(
                                500,
                                "Internal Server Error",
                                "InternalFailure",
                                "The request processing has failed because of an unknown error (injected)",
                            )
                        }
                    }
                    FaultKind::Error503 => {
                        if req.is_sts() {
                            Response::sts_error(
                                503,
                                "Service Unavailable",
                                "ServiceUnavailable",
                                "injected",
                            )
                        } else {
                            Response::json_error(
                                503,
                                "Service Unavailable",
                                "ServiceUnavailable",
                                "Service unavailable (injected)",
                            )
                        }
                    }
                    FaultKind::ResetBeforeResponse => {
                        reset(stream);
                        return;
                    }
                    FaultKind::ResetMidResponse => {
                        let full = match forward(&req, shared.upstream) {
                            Ok(r) => r,
                            Err(_) => {
                                reset(stream);
                                return;
                            }
                        };
                        let mut partial = full.head_bytes(false);
                        let half = full.body.len() / 2;
                        partial.extend_from_slice(&full.body[..half]);
                        let _ = stream.write_all(&partial);
                        let _ = stream.flush();
                        // Let the client read what was sent before the reset.
                        std::thread::sleep(Duration::from_millis(20));
                        reset(stream);
                        return;
                    }
                    FaultKind::Stall => {
                        // A head promising a body, a few bytes, then silence.
                        let stalled =
                            Response::json_error(200, "OK", "Stalled", "this body never completes");
                        let mut partial = stalled.head_bytes(false);
                        partial.extend_from_slice(&stalled.body[..8]);
                        let _ = stream.write_all(&partial);
                        let _ = stream.flush();
                        while !shared.stopped() {
                            let ended = shared.config.lock().expect("config").stalls.is_empty();
                            if ended {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        return;
                    }
                }
            }
        };
        let mut bytes = reply.head_bytes(close);
        bytes.extend_from_slice(&reply.body);
        if stream.write_all(&bytes).is_err() || stream.flush().is_err() || close {
            return;
        }
    }
}

//! A loopback HTTP/1.1 server that answers each request with the next of a
//! list of scripted responses and records what it was asked, so the real
//! AWS SDK can be driven through failures moto cannot produce (throttling,
//! access denied, multi-page results, misbehaving pagination).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Scripted {
    pub status: u16,
    pub body: String,
    pub request_id: &'static str,
}

impl Scripted {
    pub fn ok(body: &str) -> Scripted {
        Scripted {
            status: 200,
            body: body.to_string(),
            request_id: "req-ok",
        }
    }

    pub fn error(status: u16, code: &str, message: &str, request_id: &'static str) -> Scripted {
        let body = serde_json::json!({"__type": code, "message": message}).to_string();
        Scripted {
            status,
            body,
            request_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub target: String,
    pub body: serde_json::Value,
}

pub struct LoopbackAws {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl LoopbackAws {
    /// Serves `script` in order; once it runs out, every request gets 500.
    pub fn start(script: Vec<Scripted>) -> LoopbackAws {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (script, recorded) = (script.clone(), recorded.clone());
                std::thread::spawn(move || serve(stream, &script, &recorded));
            }
        });
        LoopbackAws { url, requests }
    }

    pub fn targets(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|r| r.target.clone())
            .collect()
    }
}

fn serve(
    stream: std::net::TcpStream,
    script: &Mutex<std::vec::IntoIter<Scripted>>,
    recorded: &Mutex<Vec<Recorded>>,
) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut target = String::new();
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "x-amz-target" => target = v.trim().to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        recorded.lock().expect("lock").push(Recorded {
            target: target.rsplit('.').next().unwrap_or_default().to_string(),
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        let reply = script.lock().expect("lock").next().unwrap_or_else(|| {
            Scripted::error(500, "ScriptExhausted", "no response scripted", "req-none")
        });
        let text = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: {}\r\nContent-Length: {}\r\n\r\n{}",
            reply.status,
            reply.request_id,
            reply.body.len(),
            reply.body
        );
        if writer.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

//! Loopback endpoints that fail below HTTP, the ways a mistyped endpoint
//! does: a closed port, a server that never answers, one that resets the
//! connection, and a plain-HTTP server (for an https:// URL). Each runs on
//! 127.0.0.1 in threads of its own and lives as long as the test binary.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A port nothing listens on: bound, then released.
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn serve(handle: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || handle(stream));
        }
    });
    port
}

/// Accepts connections, reads what is sent, and never answers.
pub fn silent_server() -> u16 {
    serve(|mut stream| {
        let mut buf = [0u8; 4096];
        while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// Accepts, waits for the request, and closes without reading it: with
/// unread data in its receive buffer the kernel answers with a TCP reset.
pub fn resetting_server() -> u16 {
    serve(|stream| {
        let mut buf = [0u8; 1];
        let _ = stream.peek(&mut buf);
        // Let the rest of the request arrive, so it too is unread.
        std::thread::sleep(Duration::from_millis(50));
        drop(stream);
    })
}

/// A plain-HTTP server: whatever arrives (a TLS ClientHello included) gets
/// `400 Bad Request`, as any HTTP server answers bytes it cannot parse.
pub fn plain_http_server() -> u16 {
    serve(|mut stream| {
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    })
}

//! Connection time limits on the real listener (review issue 11, finding 13; OWASP ASVS 5.0
//! 2.4.1, no overuse of costly resources): idle connections, half-sent headers (slowloris)
//! and slow bodies are closed, normal requests are served, and a graceful shutdown still lets
//! a request in flight finish. Raw TCP streams, so the test controls every byte and pause.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, Options, TestApp, TestDatabase, spawn_app_with, test_config};
use crate::on_both_backends;

/// The limits these tests run with: one second for the headers and for the body.
async fn app_with_short_limits(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            configure: |c| {
                c.header_read_timeout_secs = 1;
                c.request_body_timeout_secs = 1;
            },
            ..Options::default()
        },
    )
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection, within `within`; what it sent before.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Result<String, String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    match read {
        Ok(()) => Ok(text),
        Err(_) => Err(format!("still open after {within:?}; received {text:?}")),
    }
}

async fn half_sent_headers_are_cut_off(backend: Backend) {
    let app = app_with_short_limits(backend).await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\nX-Slow: ")
        .await
        .unwrap();
    // A slowloris client: another byte of the same header now and then, never the end.
    let mut trickle = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream.write_all(b"a").await.is_err() {
                return stream;
            }
        }
        stream
    });
    let mut stream = tokio::select! {
        s = &mut trickle => s.unwrap(),
        () = tokio::time::sleep(Duration::from_secs(5)) => panic!("the trickle went on for 5 s"),
    };
    closed_within(&mut stream, Duration::from_secs(3))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "closed after {:?}",
        started.elapsed()
    );
}

async fn an_idle_connection_is_closed(backend: Backend) {
    let app = app_with_short_limits(backend).await;
    // Nothing sent at all.
    let mut silent = connect(&app).await;
    let got = closed_within(&mut silent, Duration::from_secs(4)).await;
    assert!(got.is_ok(), "a silent connection: {got:?}");

    // A kept-alive connection after its request: answered, then closed when idle.
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\n\r\n")
        .await
        .unwrap();
    let text = closed_within(&mut stream, Duration::from_secs(4))
        .await
        .unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("ok"), "{text}");
}

async fn a_trickled_body_gets_408(backend: Backend) {
    let app = app_with_short_limits(backend).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /twilio/voice/abc HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nDigits=",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    // A webhook's body (read whole by its handler, no CSRF check before it), a byte every
    // 300 ms: each arrives well within a second of the one before, but the
    // whole body would take 30 s.
    let trickle = tokio::spawn(async move {
        for _ in 0..94 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if writer.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    let mut received = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut received)).await;
    trickle.abort();
    let text = String::from_utf8_lossy(&received);
    assert!(read.is_ok(), "still open after 5 s: {text}");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    // Normal requests are served as before, a body and all.
    let browser = app.new_browser();
    assert_eq!(browser.get("/healthz").await.status, 200);
    let page = browser
        .post("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(page.status, 200, "{page}");
}

/// With `max_connections` open, the next connection waits unserved (in the listen backlog)
/// until one closes; here the two silent ones, cut off by the header limit.
async fn connections_past_the_cap_wait_for_a_free_one(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: |c| {
                c.header_read_timeout_secs = 1;
                c.max_connections = 2;
            },
            ..Options::default()
        },
    )
    .await;
    let silent = [connect(&app).await, connect(&app).await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let text = closed_within(&mut third, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "served after {:?}, before a connection was free",
        started.elapsed()
    );
    drop(silent);
}

on_both_backends!(
    half_sent_headers_are_cut_off,
    an_idle_connection_is_closed,
    a_trickled_body_gets_408,
    connections_past_the_cap_wait_for_a_free_one,
);

/// Graceful shutdown: the listener closes at once, and a request already in flight (its body
/// still arriving) is answered before `serve` returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_a_request_in_flight_finish() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let config = test_config(&db.url, None);
    let app = tessera::app::App::build_with_clock(
        config,
        Arc::new(tessera::clock::ManualClock::starting_now()),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = tessera::web::ConnectionLimits::from_config(&app.config);
    let server = tokio::spawn(tessera::web::serve(
        listener,
        tessera::web::router(app.clone()),
        limits,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /twilio/voice/abc HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\nConnection: close\r\n\r\nDigits",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no new connections after the shutdown began"
    );
    assert!(!server.is_finished(), "waits for the request in flight");
    stream.write_all(b"=#").await.unwrap();
    let mut received = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut received))
        .await
        .unwrap()
        .unwrap();
    // Without the provider's signature: refused, but answered.
    assert!(received.starts_with("HTTP/1.1 403"), "{received}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns once the request is answered")
        .unwrap()
        .unwrap();
}

//! The HTTP server on the engine's local stack, driven by a real TCP client: a second smoltcp
//! interface on the LAN (192.168.88.10) whose Ethernet frames go through `Engine::receive` and come
//! back from `Engine::transmit`, with a fake clock. A GET and its answer, a second request on the same
//! connection, a body larger than the socket buffers, the allow-list, a disabled service, a full
//! server and a new port refusing with RST, and the idle timeout closing the connection.
mod common;

use std::collections::VecDeque;

use common::*;
use netstack::http::{HttpServer, Method, Response, ServerSettings};
use netstack::interface::InterfaceId;
use netstack::{Duration, Engine, EngineConfig, Instant};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::socket::tcp;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, Ipv4Cidr};

const LAN_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x02]);
const CLIENT_PORT: u16 = 49152;

/// The Ethernet link between the client's interface and the engine.
#[derive(Default)]
struct Link {
    to_engine: VecDeque<Vec<u8>>,
    to_client: VecDeque<Vec<u8>>,
}

struct LinkRx(Vec<u8>);
struct LinkTx<'a>(&'a mut VecDeque<Vec<u8>>);

impl RxToken for LinkRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl TxToken for LinkTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let result = f(&mut frame);
        self.0.push_back(frame);
        result
    }
}

impl Device for Link {
    type RxToken<'a> = LinkRx;
    type TxToken<'a> = LinkTx<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(LinkRx, LinkTx<'_>)> {
        let frame = self.to_client.pop_front()?;
        Some((LinkRx(frame), LinkTx(&mut self.to_engine)))
    }

    fn transmit(&mut self, _now: Instant) -> Option<LinkTx<'_>> {
        Some(LinkTx(&mut self.to_engine))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps
    }
}

/// The router (ether2 192.168.88.1/24 on the LAN) with the HTTP server, and the client host.
struct Net {
    engine: Engine,
    lan: InterfaceId,
    server: HttpServer,
    link: Link,
    client: Interface,
    sockets: SocketSet<'static>,
    now: Instant,
    next_port: u16,
    /// (flags, source port) of every TCP segment the router sent.
    segments: Vec<(u8, u16)>,
}

impl Net {
    fn new(settings: ServerSettings) -> Self {
        let now = Instant::from_secs(1000);
        let mut engine = Engine::new(EngineConfig::default(), now);
        engine.add_interface("ether1", mac(1)).unwrap();
        let lan = engine.add_interface("ether2", LAN_MAC).unwrap();
        engine
            .add_address(Ipv4Cidr::new(ip(192, 168, 88, 1), 24), lan)
            .unwrap();
        engine
            .add_static_arp(lan, ip(192, 168, 88, 10), mac(10), now)
            .unwrap();
        let mut link = Link::default();
        let mut client = Interface::new(
            Config::new(HardwareAddress::Ethernet(mac(10))),
            &mut link,
            now,
        );
        client.update_ip_addrs(|addresses| {
            addresses
                .push(IpCidr::new(IpAddress::v4(192, 168, 88, 10), 24))
                .unwrap();
        });
        let mut net = Self {
            engine,
            lan,
            server: HttpServer::new(settings),
            link,
            client,
            sockets: SocketSet::new(Vec::new()),
            now,
            next_port: CLIENT_PORT,
            segments: Vec::new(),
        };
        net.run(2);
        net
    }

    /// One round: the client's stack, the frames to the engine, the server, the frames back.
    fn step(&mut self) {
        self.now += Duration::from_millis(10);
        self.client
            .poll(self.now, &mut self.link, &mut self.sockets);
        let lan = self.lan;
        while let Some(frame) = self.link.to_engine.pop_front() {
            self.engine.receive(lan, &frame, self.now);
        }
        self.engine.poll(self.now);
        self.server.poll(&mut self.engine, self.now);
        self.engine.poll(self.now);
        let mut sent = Vec::new();
        self.engine.transmit(lan, |frame| {
            sent.push(frame.to_vec());
            true
        });
        for frame in sent {
            if let Sent::Ipv4 { ip, .. } = parse(&frame)
                && ipv4_header(&ip).next_header == smoltcp::wire::IpProtocol::Tcp
            {
                let (src_port, _, flags) = tcp_of(&ip);
                self.segments.push((flags, src_port));
            }
            self.link.to_client.push_back(frame);
        }
    }

    fn run(&mut self, rounds: usize) {
        for _ in 0..rounds {
            self.step();
        }
    }

    /// Lets `duration` pass on the clock, polling once a second.
    fn wait(&mut self, duration: Duration) {
        let end = self.now + duration;
        while self.now < end {
            let left = end - self.now;
            self.now += left.min(Duration::from_millis(1000)) - Duration::from_millis(10);
            self.step();
        }
        // What the router sent in the last round reaches the client.
        self.step();
    }

    /// A client socket connecting to the router's `port`.
    fn connect(&mut self, port: u16) -> SocketHandle {
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 65536]),
            tcp::SocketBuffer::new(vec![0; 65536]),
        );
        let handle = self.sockets.add(socket);
        self.next_port += 1;
        self.sockets
            .get_mut::<tcp::Socket>(handle)
            .connect(
                self.client.context(),
                (IpAddress::v4(192, 168, 88, 1), port),
                self.next_port,
            )
            .unwrap();
        self.run(5);
        handle
    }

    fn state(&self, handle: SocketHandle) -> tcp::State {
        self.sockets.get::<tcp::Socket>(handle).state()
    }

    fn send(&mut self, handle: SocketHandle, bytes: &[u8]) {
        let mut sent = 0;
        for _ in 0..1000 {
            let socket = self.sockets.get_mut::<tcp::Socket>(handle);
            if socket.can_send() {
                sent += socket.send_slice(&bytes[sent..]).unwrap();
            }
            if sent == bytes.len() {
                break;
            }
            self.step();
        }
        assert_eq!(sent, bytes.len(), "the client could not send everything");
    }

    /// Answers every request the server hands out with `answer`, until the client holds a whole
    /// answer; returns it.
    fn exchange(
        &mut self,
        handle: SocketHandle,
        mut answer: impl FnMut(netstack::http::Request) -> Response,
    ) -> String {
        let mut received = Vec::new();
        for _ in 0..1000 {
            self.step();
            while let Some((id, request)) = self.server.take_request() {
                self.server.respond(id, answer(request));
            }
            let socket = self.sockets.get_mut::<tcp::Socket>(handle);
            while socket.can_recv() {
                socket
                    .recv(|data| {
                        received.extend_from_slice(data);
                        (data.len(), ())
                    })
                    .unwrap();
            }
            if let Some(length) = whole_answer(&received) {
                assert_eq!(length, received.len(), "one answer");
                return String::from_utf8(received).unwrap();
            }
        }
        panic!(
            "no whole answer, got {:?}",
            String::from_utf8_lossy(&received)
        );
    }

    /// Whether the router sent an RST from `port` since the start.
    fn reset_from(&self, port: u16) -> bool {
        self.segments
            .iter()
            .any(|&(flags, src)| src == port && flags & RST != 0)
    }
}

/// The length of the answer at the start of `bytes` (after a `100 Continue`), once it is whole.
fn whole_answer(bytes: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(bytes).ok()?;
    let interim = if text.starts_with("HTTP/1.1 100 ") {
        text.find("\r\n\r\n")? + 4
    } else {
        0
    };
    let head_end = interim + text[interim..].find("\r\n\r\n")? + 4;
    let length = text[interim..head_end]
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .map_or(0, |l| l.parse::<usize>().unwrap());
    (bytes.len() >= head_end + length).then_some(head_end + length)
}

fn settings(port: u16, allowed: &[Ipv4Cidr]) -> ServerSettings {
    ServerSettings {
        enabled: true,
        port,
        allowed: allowed.to_vec(),
    }
}

fn hello(request: netstack::http::Request) -> Response {
    let body = format!("{} {}", request.method.as_str(), request.path);
    Response::new(200, "text/plain", body.into_bytes())
}

#[test]
fn a_get_is_answered_and_the_next_request_reuses_the_connection() {
    let mut net = Net::new(settings(80, &[Ipv4Cidr::new(ip(192, 168, 88, 0), 24)]));
    let client = net.connect(80);
    assert_eq!(net.state(client), tcp::State::Established);
    net.send(
        client,
        b"GET /rest/system/identity HTTP/1.1\r\nHost: 192.168.88.1\r\n\r\n",
    );
    let mut peer = None;
    let answer = net.exchange(client, |request| {
        assert_eq!(request.method, Method::Get);
        peer = Some(request.peer);
        hello(request)
    });
    assert_eq!(
        answer,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 25\r\n\r\n\
         GET /rest/system/identity"
    );
    let peer = peer.unwrap();
    assert_eq!(peer.addr, IpAddress::v4(192, 168, 88, 10));
    assert_eq!(peer.port, net.next_port);

    // Keep-alive: the second request goes over the same connection.
    net.send(
        client,
        b"POST /rest/ip/address/print HTTP/1.1\r\nHost: 192.168.88.1\r\nContent-Length: 2\r\n\r\n{}",
    );
    let answer = net.exchange(client, |request| {
        assert_eq!(request.peer, peer, "same connection");
        assert_eq!(request.body, b"{}");
        hello(request)
    });
    assert!(
        answer.ends_with("\r\n\r\nPOST /rest/ip/address/print"),
        "{answer:?}"
    );
    assert_eq!(net.state(client), tcp::State::Established);
    assert_eq!(net.server.connections(), 1);
}

#[test]
fn a_body_larger_than_the_socket_buffers_arrives_whole() {
    let mut net = Net::new(settings(80, &[]));
    let client = net.connect(80);
    let body: Vec<u8> = (0..40_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut request = format!(
        "PUT /rest/file HTTP/1.1\r\nHost: r\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    net.send(client, &request);
    let answer = net.exchange(client, |request| {
        assert_eq!(request.body, body);
        Response::new(201, "", b"stored".to_vec())
    });
    assert_eq!(
        answer,
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 6\r\n\r\nstored"
    );
}

#[test]
fn a_source_outside_the_allow_list_is_reset_before_any_request() {
    let mut net = Net::new(settings(80, &[Ipv4Cidr::new(ip(10, 0, 0, 0), 8)]));
    let client = net.connect(80);
    assert_eq!(net.state(client), tcp::State::Closed, "reset at its SYN");
    assert!(net.reset_from(80));
    assert!(net.server.take_request().is_none());
    assert_eq!(net.server.connections(), 0);

    // Allowing the LAN lets the next connection in.
    net.server
        .configure(settings(80, &[Ipv4Cidr::new(ip(192, 168, 88, 0), 24)]));
    net.run(2);
    let client = net.connect(80);
    net.send(client, b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    assert!(net.exchange(client, hello).ends_with("GET /"));

    // Taking it out again aborts the open connection.
    net.server
        .configure(settings(80, &[Ipv4Cidr::new(ip(10, 0, 0, 0), 8)]));
    net.run(5);
    assert_eq!(net.state(client), tcp::State::Closed);
}

#[test]
fn a_disabled_service_answers_syn_with_rst() {
    let mut net = Net::new(ServerSettings {
        enabled: false,
        port: 80,
        allowed: Vec::new(),
    });
    let client = net.connect(80);
    assert_eq!(net.state(client), tcp::State::Closed);
    assert!(net.reset_from(80));

    // Enabled: served; disabled again: the port is closed once more.
    net.server.configure(settings(80, &[]));
    net.run(2);
    let client = net.connect(80);
    assert_eq!(net.state(client), tcp::State::Established);
    net.server.configure(ServerSettings {
        enabled: false,
        ..settings(80, &[])
    });
    net.run(2);
    net.send(client, b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    net.run(5);
    assert_eq!(
        net.state(client),
        tcp::State::Closed,
        "reset on its next segment"
    );
    let client = net.connect(80);
    assert_eq!(net.state(client), tcp::State::Closed);
}

#[test]
fn a_ninth_connection_is_refused_until_one_ends() {
    let mut net = Net::new(settings(80, &[]));
    let clients: Vec<SocketHandle> = (0..8).map(|_| net.connect(80)).collect();
    for &client in &clients {
        assert_eq!(net.state(client), tcp::State::Established);
    }
    let ninth = net.connect(80);
    assert_eq!(
        net.state(ninth),
        tcp::State::Closed,
        "RST while all slots are busy"
    );

    // One ends (Connection: close), its slot listens again.
    net.send(
        clients[0],
        b"GET / HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n",
    );
    assert!(
        net.exchange(clients[0], hello)
            .contains("Connection: close")
    );
    net.sockets.get_mut::<tcp::Socket>(clients[0]).close();
    net.run(10);
    let tenth = net.connect(80);
    assert_eq!(net.state(tenth), tcp::State::Established);
}

#[test]
fn a_new_port_closes_the_old_connections_and_listens_there() {
    let mut net = Net::new(settings(80, &[]));
    let old = net.connect(80);
    assert_eq!(net.state(old), tcp::State::Established);
    net.server.configure(settings(8080, &[]));
    net.run(5);
    assert_eq!(net.state(old), tcp::State::Closed, "reset");
    let refused = net.connect(80);
    assert_eq!(net.state(refused), tcp::State::Closed);
    let client = net.connect(8080);
    net.send(client, b"GET /8080 HTTP/1.1\r\nHost: r\r\n\r\n");
    assert!(net.exchange(client, hello).ends_with("GET /8080"));
}

#[test]
fn idle_connections_are_closed() {
    let mut net = Net::new(settings(80, &[]));
    let client = net.connect(80);
    net.send(client, b"GET / HTTP/1.1\r\nHost: r\r\n\r\n");
    net.exchange(client, hello);
    net.wait(Duration::from_secs(29));
    assert_eq!(net.state(client), tcp::State::Established);
    net.wait(Duration::from_secs(2));
    assert_eq!(
        net.state(client),
        tcp::State::CloseWait,
        "the router sent FIN"
    );
    net.sockets.get_mut::<tcp::Socket>(client).close();
    net.run(10);
    assert_eq!(net.server.connections(), 0);

    // A connection that never sends a byte goes after 10 s.
    let silent = net.connect(80);
    net.wait(Duration::from_secs(9));
    assert_eq!(net.state(silent), tcp::State::Established);
    net.wait(Duration::from_secs(2));
    assert_eq!(net.state(silent), tcp::State::CloseWait);
}

#[test]
fn a_slow_request_is_answered_with_408() {
    let mut net = Net::new(settings(80, &[]));
    let client = net.connect(80);
    // One byte every half second: 19 bytes in 9.5 s, and the request is still not whole at 10 s.
    for byte in b"GET / HTTP/1.1\r\nHost:".iter().take(19) {
        net.send(client, &[*byte]);
        net.wait(Duration::from_millis(500));
    }
    assert!(net.server.take_request().is_none());
    let answer = net.exchange(client, |_| panic!("no request expected"));
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer:?}"
    );
    assert!(answer.contains("Connection: close\r\n"));
}

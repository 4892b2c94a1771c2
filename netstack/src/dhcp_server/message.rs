//! DHCP messages as the server sees them (RFC 2131 §2, options of RFC 2132): a client's request read
//! out of a datagram, and a reply written into one.
//!
//! Reading goes through `smoltcp::wire::DhcpPacket` (checked length, bounded option walk) rather than
//! `DhcpRepr::parse`, which refuses more than the server must (a client identifier that is no MAC
//! address) and keeps less than it needs (the host name). A request is refused when it is shorter than
//! the fixed header and magic cookie, is no BOOTREQUEST, has a hardware type other than Ethernet or an
//! address length other than 6 (RFC 2131 allows up to 16; the server keys leases by MAC address), or
//! carries no message type. Options are read from the options field only: an overload (option 52,
//! putting options into `sname`/`file`) is ignored, so what it would add is not seen.

use alloc::string::String;
use alloc::vec::Vec;

use smoltcp::wire::{DhcpMessageType, DhcpOption, DhcpPacket, EthernetAddress, Ipv4Address};

/// Option codes (RFC 2132).
const OPT_SUBNET_MASK: u8 = 1;
const OPT_ROUTER: u8 = 3;
const OPT_DNS: u8 = 6;
const OPT_HOST_NAME: u8 = 12;
const OPT_DOMAIN_NAME: u8 = 15;
const OPT_NTP: u8 = 42;
const OPT_REQUESTED_IP: u8 = 50;
const OPT_LEASE_TIME: u8 = 51;
const OPT_MESSAGE_TYPE: u8 = 53;
const OPT_SERVER_ID: u8 = 54;
const OPT_T1: u8 = 58;
const OPT_T2: u8 = 59;

/// BOOTREQUEST / BOOTREPLY (RFC 2131 §2, `op`).
const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
/// Hardware type Ethernet (RFC 1700).
const HTYPE_ETHERNET: u8 = 1;
/// The magic cookie (RFC 2131 §3).
const MAGIC: u32 = 0x6382_5363;
/// The broadcast bit of `flags` (RFC 2131 §2, figure 2).
const FLAG_BROADCAST: u16 = 0x8000;

/// Fixed header and cookie (RFC 2131 §2).
const HEADER_LEN: usize = 240;
/// BOOTP's minimum message (RFC 1542 §2.1): replies are padded to it, some clients drop shorter ones.
const MIN_MESSAGE_LEN: usize = 300;
/// Longest host name kept from a client (a DNS label's length, RFC 1035 §2.3.4).
pub const MAX_HOST_NAME: usize = 63;
/// Most addresses sent in one list option (routers, DNS, NTP).
pub const MAX_LIST: usize = 8;

/// A client's message, as far as the server uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: DhcpMessageType,
    pub xid: u32,
    pub broadcast: bool,
    pub ciaddr: Ipv4Address,
    pub giaddr: Ipv4Address,
    pub chaddr: EthernetAddress,
    /// Option 50.
    pub requested_ip: Option<Ipv4Address>,
    /// Option 54.
    pub server_id: Option<Ipv4Address>,
    /// Option 12, printable ASCII only, at most [`MAX_HOST_NAME`] characters.
    pub host_name: Option<String>,
}

/// Why a datagram is no request the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    Truncated,
    NotRequest,
    NotEthernet,
    BadCookie,
    NoMessageType,
}

/// Reads a client's request (see the module docs for what is refused).
pub fn parse(bytes: &[u8]) -> Result<Request, ParseError> {
    let packet = DhcpPacket::new_checked(bytes).map_err(|_| ParseError::Truncated)?;
    if bytes[0] != BOOTREQUEST {
        return Err(ParseError::NotRequest);
    }
    if bytes[1] != HTYPE_ETHERNET || packet.hardware_len() != 6 {
        return Err(ParseError::NotEthernet);
    }
    if packet.magic_number() != MAGIC {
        return Err(ParseError::BadCookie);
    }
    let mut kind = None;
    let mut requested_ip = None;
    let mut server_id = None;
    let mut host_name = None;
    for option in packet.options() {
        match (option.kind, option.data) {
            (OPT_MESSAGE_TYPE, [t]) => kind = Some(DhcpMessageType::from(*t)),
            (OPT_REQUESTED_IP, data) => requested_ip = address(data),
            (OPT_SERVER_ID, data) => server_id = address(data),
            (OPT_HOST_NAME, data) => host_name = printable(data),
            _ => {}
        }
    }
    let kind = match kind {
        Some(DhcpMessageType::Unknown(_)) | None => return Err(ParseError::NoMessageType),
        Some(kind) => kind,
    };
    Ok(Request {
        kind,
        xid: packet.transaction_id(),
        broadcast: u16::from_be_bytes([bytes[10], bytes[11]]) & FLAG_BROADCAST != 0,
        ciaddr: packet.client_ip(),
        giaddr: packet.relay_agent_ip(),
        chaddr: packet.client_hardware_address(),
        requested_ip,
        server_id,
        host_name,
    })
}

fn address(data: &[u8]) -> Option<Ipv4Address> {
    let octets: [u8; 4] = data.try_into().ok()?;
    Some(Ipv4Address::from(octets))
}

/// A host name as it can be printed and logged: printable ASCII, cut at [`MAX_HOST_NAME`]; `None` when
/// nothing printable is left.
fn printable(data: &[u8]) -> Option<String> {
    let name: String = data
        .iter()
        .take_while(|&&b| b != 0)
        .filter(|b| b.is_ascii_graphic())
        .take(MAX_HOST_NAME)
        .map(|&b| char::from(b))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// What a reply carries besides the header fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyOptions {
    pub subnet_mask: Option<Ipv4Address>,
    pub routers: Vec<Ipv4Address>,
    pub dns_servers: Vec<Ipv4Address>,
    pub domain: Option<String>,
    pub ntp_servers: Vec<Ipv4Address>,
    /// Lease time in seconds (option 51) and with it T1 = 1/2 and T2 = 7/8 of it (RFC 2131 §4.4.5).
    pub lease_seconds: Option<u32>,
}

/// A reply to `request`: `kind` (OFFER, ACK, NAK), `yiaddr`, from server `server_id`.
pub fn build(
    request: &Request,
    kind: DhcpMessageType,
    yiaddr: Ipv4Address,
    server_id: Ipv4Address,
    options: &ReplyOptions,
) -> Vec<u8> {
    let mut bytes = alloc::vec![0u8; HEADER_LEN + options_len(options)];
    {
        let mut packet = DhcpPacket::new_unchecked(&mut bytes[..]);
        packet.set_transaction_id(request.xid);
        packet.set_hardware_len(6);
        packet.set_hops(0);
        packet.set_secs(0);
        packet.set_magic_number(MAGIC);
        // RFC 2131 table 3: ciaddr echoed in an ACK (to a renewal or INFORM), 0 otherwise.
        let ciaddr = if kind == DhcpMessageType::Ack {
            request.ciaddr
        } else {
            Ipv4Address::UNSPECIFIED
        };
        packet.set_client_ip(ciaddr);
        packet.set_your_ip(yiaddr);
        packet.set_server_ip(Ipv4Address::UNSPECIFIED);
        packet.set_relay_agent_ip(request.giaddr);
        packet.set_client_hardware_address(request.chaddr);
        packet.set_sname_and_boot_file_to_zero();
        let mut writer = packet.options_mut();
        let mut put = |kind: u8, data: &[u8]| {
            // The buffer is sized by `options_len`, so this cannot run out; were it to, the option is
            // left out rather than the reply.
            let _ = writer.emit(DhcpOption { kind, data });
        };
        put(OPT_MESSAGE_TYPE, &[u8::from(kind)]);
        put(OPT_SERVER_ID, &server_id.octets());
        if kind != DhcpMessageType::Nak {
            if let Some(seconds) = options.lease_seconds {
                put(OPT_LEASE_TIME, &seconds.to_be_bytes());
                put(OPT_T1, &(seconds / 2).to_be_bytes());
                let t2 = u32::try_from(u64::from(seconds) * 7 / 8).unwrap_or(u32::MAX);
                put(OPT_T2, &t2.to_be_bytes());
            }
            if let Some(mask) = options.subnet_mask {
                put(OPT_SUBNET_MASK, &mask.octets());
            }
            for (code, list) in [
                (OPT_ROUTER, &options.routers),
                (OPT_DNS, &options.dns_servers),
                (OPT_NTP, &options.ntp_servers),
            ] {
                if !list.is_empty() {
                    put(code, &list_bytes(list));
                }
            }
            if let Some(domain) = options.domain.as_deref().filter(|d| !d.is_empty()) {
                put(OPT_DOMAIN_NAME, &domain.as_bytes()[..domain.len().min(255)]);
            }
        }
        let _ = writer.end();
    }
    bytes[0] = BOOTREPLY;
    bytes[1] = HTYPE_ETHERNET;
    if request.broadcast {
        bytes[10..12].copy_from_slice(&FLAG_BROADCAST.to_be_bytes());
    }
    if bytes.len() < MIN_MESSAGE_LEN {
        bytes.resize(MIN_MESSAGE_LEN, 0);
    }
    bytes
}

fn list_bytes(list: &[Ipv4Address]) -> Vec<u8> {
    list.iter()
        .take(MAX_LIST)
        .flat_map(|a| a.octets())
        .collect()
}

/// Bytes the options of a reply take at most, end option included.
fn options_len(options: &ReplyOptions) -> usize {
    let lists = [&options.routers, &options.dns_servers, &options.ntp_servers]
        .iter()
        .map(|l| 2 + 4 * l.len().min(MAX_LIST))
        .sum::<usize>();
    let domain = options.domain.as_ref().map_or(0, |d| 2 + d.len().min(255));
    // Message type, server id, lease time, T1, T2, subnet mask, end.
    3 + 6 + 6 * 3 + 6 + lists + domain + 1
}

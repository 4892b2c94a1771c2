//! DHCP messages as the client sees them (RFC 2131 §2, §4.3; options RFC 2132): building DISCOVER,
//! REQUEST and RELEASE, and reading what a server answers into a [`ServerMessage`].
//!
//! The wire format is smoltcp's (`DhcpPacket`, `DhcpRepr`); options `DhcpRepr` does not read (several
//! routers in option 3, more DNS servers than it keeps, classless routes in option 121) come from the
//! raw options iterator. Reading never panics: a message too short, with a bad magic cookie, a hardware
//! type other than Ethernet, no message type or options cut short is [`None`] or keeps only the options
//! before the cut. Option overload (RFC 2132 §9.3, options in `sname`/`file`) is not followed: every
//! option a client needs fits the options field, and servers put them there.

use alloc::vec::Vec;

use smoltcp::wire::{
    DhcpMessageType, DhcpOption, DhcpPacket, DhcpRepr, EthernetAddress, Ipv4Address,
};

use super::classless::{self, ClasslessRoute};

/// Option codes (RFC 2132 §3-§9, RFC 3442).
pub mod option {
    pub const SUBNET_MASK: u8 = 1;
    pub const ROUTER: u8 = 3;
    pub const DNS_SERVER: u8 = 6;
    pub const HOST_NAME: u8 = 12;
    pub const DOMAIN_NAME: u8 = 15;
    pub const NTP_SERVER: u8 = 42;
    pub const CLASSLESS_ROUTES: u8 = 121;
}

/// What the client asks servers for (option 55): mask, router, DNS, domain, NTP and classless routes.
const PARAMETER_REQUEST_LIST: &[u8] = &[
    option::SUBNET_MASK,
    option::ROUTER,
    option::DNS_SERVER,
    option::DOMAIN_NAME,
    option::NTP_SERVER,
    option::CLASSLESS_ROUTES,
];

/// DNS servers kept from one answer.
pub const MAX_DNS_SERVERS: usize = 4;

/// Longest host name sent in option 12 (RFC 2132 §3.14 allows 255; a label-length name is plenty).
pub const MAX_HOST_NAME: usize = 63;

/// A server's answer to the client, reduced to what the client uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerMessage {
    pub kind: DhcpMessageType,
    pub xid: u32,
    pub client_mac: EthernetAddress,
    /// `yiaddr`: the address offered or acknowledged.
    pub your_ip: Ipv4Address,
    pub server_id: Option<Ipv4Address>,
    pub subnet_mask: Option<Ipv4Address>,
    /// Option 3's first router.
    pub router: Option<Ipv4Address>,
    pub dns_servers: Vec<Ipv4Address>,
    /// Seconds; `u32::MAX` is infinity (RFC 2132 §9.2).
    pub lease_time: Option<u32>,
    pub renew_time: Option<u32>,
    pub rebind_time: Option<u32>,
    /// Option 121, when present and well formed.
    pub classless_routes: Option<Vec<ClasslessRoute>>,
}

impl ServerMessage {
    /// Reads a server's message (a BOOTREPLY); None when it is not one the client could use.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let packet = DhcpPacket::new_checked(bytes).ok()?;
        let repr = DhcpRepr::parse(&packet).ok()?;
        let mut message = ServerMessage {
            kind: repr.message_type,
            xid: repr.transaction_id,
            client_mac: repr.client_hardware_address,
            your_ip: repr.your_ip,
            server_id: repr.server_identifier,
            subnet_mask: repr.subnet_mask,
            router: None,
            dns_servers: Vec::new(),
            lease_time: repr.lease_duration,
            renew_time: repr.renew_duration,
            rebind_time: repr.rebind_duration,
            classless_routes: None,
        };
        for option in packet.options() {
            match option.kind {
                // Option 3 lists routers in order of preference (RFC 2132 §3.5).
                option::ROUTER => {
                    message.router = option.data.get(..4).and_then(address);
                }
                option::DNS_SERVER => {
                    message.dns_servers = option
                        .data
                        .as_chunks::<4>()
                        .0
                        .iter()
                        .map(|octets| Ipv4Address::from_octets(*octets))
                        .filter(|a| !a.is_unspecified() && !a.is_broadcast())
                        .take(MAX_DNS_SERVERS)
                        .collect();
                }
                option::CLASSLESS_ROUTES => {
                    message.classless_routes = classless::parse(option.data);
                }
                _ => {}
            }
        }
        Some(message)
    }
}

/// What goes into a message the client sends.
#[derive(Clone, Copy, Debug)]
pub struct ClientMessage<'a> {
    pub kind: DhcpMessageType,
    pub xid: u32,
    pub mac: EthernetAddress,
    /// `ciaddr`: set while bound, renewing or rebinding (RFC 2131 table 5).
    pub client_ip: Ipv4Address,
    /// Option 50, in a REQUEST after an offer.
    pub requested_ip: Option<Ipv4Address>,
    /// Option 54, in a REQUEST after an offer and in a RELEASE.
    pub server_id: Option<Ipv4Address>,
    /// Option 12 (RouterOS sends the system identity when it has one).
    pub host_name: Option<&'a str>,
}

impl ClientMessage<'_> {
    /// The message's bytes (a BOOTREQUEST). The client identifier (option 61) is 01 followed by the MAC
    /// address, as RouterOS sends it.
    pub fn build(&self) -> Vec<u8> {
        let host_name = self
            .host_name
            .map(|name| &name.as_bytes()[..name.len().min(MAX_HOST_NAME)])
            .filter(|name| !name.is_empty());
        let mut extra: Vec<DhcpOption<'_>> = Vec::new();
        if let Some(name) = host_name {
            extra.push(DhcpOption {
                kind: option::HOST_NAME,
                data: name,
            });
        }
        let asks = matches!(
            self.kind,
            DhcpMessageType::Discover | DhcpMessageType::Request
        );
        let repr = DhcpRepr {
            message_type: self.kind,
            transaction_id: self.xid,
            secs: 0,
            client_hardware_address: self.mac,
            client_ip: self.client_ip,
            your_ip: Ipv4Address::UNSPECIFIED,
            server_ip: Ipv4Address::UNSPECIFIED,
            router: None,
            subnet_mask: None,
            relay_agent_ip: Ipv4Address::UNSPECIFIED,
            broadcast: false,
            requested_ip: self.requested_ip,
            client_identifier: Some(self.mac),
            server_identifier: self.server_id,
            parameter_request_list: asks.then_some(PARAMETER_REQUEST_LIST),
            dns_servers: None,
            max_size: asks.then_some(1500),
            lease_duration: None,
            renew_duration: None,
            rebind_duration: None,
            additional_options: &extra,
        };
        // BOOTP's minimum message is 300 bytes (RFC 1542 §2.1); some servers drop shorter ones.
        let mut bytes = alloc::vec![0u8; repr.buffer_len().max(300)];
        let mut packet = DhcpPacket::new_unchecked(&mut bytes[..]);
        // Cannot fail: the buffer is at least as long as the representation needs.
        let _ = repr.emit(&mut packet);
        bytes
    }
}

/// The address in four bytes.
pub(super) fn address(bytes: &[u8]) -> Option<Ipv4Address> {
    let octets: [u8; 4] = bytes.try_into().ok()?;
    Some(Ipv4Address::from_octets(octets))
}

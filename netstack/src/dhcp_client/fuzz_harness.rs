//! Drives a DHCP client with arbitrary bytes: shared by the `cargo fuzz` target `dhcp_client`
//! (`netstack/fuzz`) and the test that replays its corpus.
//!
//! Input format (every byte string is valid; bytes missing at the end read as zero): records, each an
//! opcode byte and then:
//!
//! * `op % 4 == 0`: one byte; the clock advances by that many seconds and the client is polled;
//! * `op % 4 == 1`: a length (two bytes, little endian) and that many bytes (or what is left), received
//!   as a server's message with the transaction id and client hardware address of the client's last
//!   message written over its own (so inputs reach past the checks every stranger's message fails);
//! * `op % 4 == 2`: the same, received as it is;
//! * `op % 4 == 3`: one byte choosing `start`, `renew` or `release`.
//!
//! After each record: a bound client has a lease whose times are in order, a stopped client has no
//! timer, and every message it sends reads back as a DHCP message from its MAC address.

use smoltcp::wire::{DhcpPacket, DhcpRepr, EthernetAddress};

use super::client::{DhcpClient, Output, State};
use crate::{Duration, Instant};

const MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0x12, 0x34, 0x01]);
const SERVER_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 1]);

/// Runs one input; panics when an invariant breaks.
pub fn run(data: &[u8]) {
    let mut input = data.iter().copied();
    let mut next = move || input.next();
    let mut client = DhcpClient::new(MAC, 1);
    let mut now = Instant::from_secs(1);
    let mut xid = [0u8; 4];
    check(&client.start(now), &mut xid);
    while let Some(op) = next() {
        let output = match op % 4 {
            0 => {
                now += Duration::from_secs(u64::from(next().unwrap_or(0)));
                client.poll(now)
            }
            1 | 2 => {
                let len = usize::from(u16::from_le_bytes([
                    next().unwrap_or(0),
                    next().unwrap_or(0),
                ]));
                let mut message: alloc::vec::Vec<u8> = (0..len).map_while(|_| next()).collect();
                if op % 4 == 1 {
                    if let Some(field) = message.get_mut(4..8) {
                        field.copy_from_slice(&xid);
                    }
                    if let Some(field) = message.get_mut(28..34) {
                        field.copy_from_slice(&MAC.0);
                    }
                }
                client.receive(&message, SERVER_MAC, now)
            }
            _ => match next().unwrap_or(0) % 3 {
                0 => client.start(now),
                1 => client.renew(now),
                _ => client.release(now),
            },
        };
        check(&output, &mut xid);
        match client.state() {
            State::Stopped => assert_eq!(client.poll_at(), None),
            State::Bound | State::Renewing | State::Rebinding => {
                let lease = client.lease().expect("bound without a lease");
                assert!(lease.renew_at <= lease.rebind_at && lease.rebind_at <= lease.expires_at);
                assert!(lease.address.prefix_len() > 0);
            }
            State::Selecting | State::Requesting => assert!(client.lease().is_none()),
        }
    }
}

/// What the client sent reads back; remembers its transaction id.
fn check(output: &Output, xid: &mut [u8; 4]) {
    let Some(transmit) = &output.transmit else {
        return;
    };
    let packet = DhcpPacket::new_checked(&transmit.payload[..]).expect("a DHCP message");
    let repr = DhcpRepr::parse(&packet).expect("a DHCP message");
    assert_eq!(repr.client_hardware_address, MAC);
    *xid = repr.transaction_id.to_be_bytes();
}

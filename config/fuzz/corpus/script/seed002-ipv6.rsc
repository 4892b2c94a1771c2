# --- IPv6 Configuration ---

# 1. Enable IPv6 Package (if not already enabled)
/system package enable ipv6

# 2. Configure WAN Interface for IPv6 (assuming ether1 is WAN)
/interface ethernet set ether1 name=wan comment="WAN Interface"

# 3a. Dynamic IPv6 Address and Prefix Delegation from ISP (DHCPv6 Client - Common for SOHO IPv6)
/ipv6 dhcp-client add interface=wan request=prefix pool-name=ipv6_pool_lan pool-length=64 comment="DHCPv6 Client for WAN IPv6 with Prefix Delegation"
# pool-length=64 is typical for SOHO LAN prefixes. The ISP will delegate a /64 prefix.
# pool-name=ipv6_pool_lan will be used to assign IPv6 addresses to the LAN interface

# --- OR ---

# 3b. Static IPv6 Address from ISP (Less common for SOHO IPv6)
# /ipv6 address add address=2001:db8:1::2/64 interface=wan comment="Static WAN IPv6 Address"
# /ipv6 route add dst-address=::/0 gateway=2001:db8:1::1 comment="Default IPv6 Route"
# Replace 2001:db8:1::2/64 and 2001:db8:1::1 with your ISP provided details

# 4. Configure LAN Interface (assuming ether2 is LAN) to use delegated prefix
/interface ethernet set ether2 name=lan comment="LAN Interface"
/ipv6 address add from-pool=ipv6_pool_lan interface=lan eui-64=yes comment="LAN IPv6 Address from Delegated Prefix (EUI-64)"
# eui-64=yes will generate an IPv6 address in the LAN subnet based on the MAC address of the LAN interface.
# Alternatively, you can set a static IPv6 address within the delegated prefix if desired.
# /ipv6 address add address=2001:db8:2::1/64 interface=lan comment="Static LAN IPv6 Address" # Assuming 2001:db8:2::/64 is within the delegated prefix

# 5. Configure IPv6 Router Advertisement (RA) for LAN (to automatically configure IPv6 addresses on LAN devices)
/ipv6 nd add interface=lan ra-interval=10s managed-address-configuration=no other-configuration=no comment="IPv6 Router Advertisement for LAN"
# ra-interval=10s: Router Advertisement interval (adjust as needed).
# managed-address-configuration=no: Devices will use SLAAC (Stateless Address Autoconfiguration) based on RA.
# other-configuration=no: Devices will not request other configuration (like DNS) via DHCPv6 (Stateless DHCPv6).
# For Stateless DHCPv6 for DNS, set other-configuration=yes and configure DHCPv6 server (optional for basic SOHO).

# 6. (Optional) Configure IPv6 Firewall to allow LAN to WAN traffic (similar to IPv4 NAT, but for IPv6 forwarding)
/ipv6 firewall filter add chain=forward action=accept connection-state=established,related comment="Allow Established/Related IPv6 Forward"
/ipv6 firewall filter add chain=forward action=accept src-address=2001:db8:2::/64 out-interface=wan comment="Allow LAN -> WAN IPv6 Forward" # Assuming 2001:db8:2::/64 is your delegated prefix - adjust accordingly
/ipv6 firewall filter add chain=forward action=drop in-interface=wan comment="Drop all other WAN -> LAN IPv6 Forward" # Default deny for incoming WAN IPv6

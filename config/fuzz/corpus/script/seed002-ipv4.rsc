# --- IPv4 Configuration ---

# 1. Configure WAN Interface (assuming ether1 is WAN)
/interface ethernet set ether1 name=wan comment="WAN Interface"

# 2a. Dynamic IPv4 Address from ISP (DHCP Client - Common for SOHO)
/ip dhcp-client add interface=wan disabled=no comment="DHCP Client for WAN IPv4"

# --- OR ---

# 2b. Static IPv4 Address from ISP (Less common for SOHO, but possible)
# /ip address add address=203.0.113.5/24 interface=wan comment="Static WAN IPv4 Address"
# /ip route add dst-address=0.0.0.0/0 gateway=203.0.113.1 comment="Default IPv4 Route"
# Replace 203.0.113.5/24 and 203.0.113.1 with your ISP provided details

# 3. Configure LAN Interface (assuming ether2 is LAN)
/interface ethernet set ether2 name=lan comment="LAN Interface"
/ip address add address=192.168.88.1/24 interface=lan network=192.168.88.0 comment="LAN IPv4 Address"
# 192.168.88.1/24 is a common private IPv4 range for SOHO. You can choose others like 192.168.1.1/24 or 10.0.0.1/24

# 4. Configure DHCP Server for LAN (to automatically assign IPv4 addresses to LAN devices)
/ip pool add name=dhcp_pool_lan ranges=192.168.88.10-192.168.88.254 comment="DHCP Pool for LAN IPv4"
/ip dhcp-server add name=dhcp_server_lan interface=lan address-pool=dhcp_pool_lan lease-time=10m comment="DHCP Server for LAN IPv4" # Lease time can be adjusted
/ip network add address=192.168.88.0/24 gateway=192.168.88.1 dns-servers=8.8.8.8,8.8.4.4 dhcp-server=dhcp_server_lan comment="LAN IPv4 Network Settings"
# Using Google Public DNS (8.8.8.8, 8.8.4.4). You can use your ISP's DNS or other public DNS servers.

# 5. Enable NAT (Network Address Translation) for Internet access from LAN
/ip firewall nat add chain=srcnat action=masquerade out-interface=wan comment="NAT for LAN to WAN IPv4"

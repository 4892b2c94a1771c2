# --- Interface Configuration ---
/interface ethernet
set [ find name=ether1 ] name=ether1-wan comment="WAN Interface - Connects to Internet"
set [ find name=ether2 ] name=ether2-lan comment="LAN Interface - Connects to Local Network"

# --- IP Address Configuration ---
/ip address
# WAN Interface (Assuming DHCP Client for dynamic IP from ISP)
add interface=ether1-wan address=0.0.0.0/0 comment="WAN IP - DHCP Client will assign IP" disabled=no
/ip dhcp-client
add interface=ether1-wan disabled=no

# LAN Interface (Static IP for internal network)
add interface=ether2-lan address=192.168.88.1/24 network=192.168.88.0 comment="LAN IP - Gateway for local network" disabled=no

# --- Default Route Configuration ---
/ip route
# Default route to the Internet via the WAN interface
add gateway=ether1-wan distance=1 comment="Default Route to Internet via WAN"

# --- Enable NAT Masquerade for Internet Access from LAN ---
/ip firewall nat
add chain=srcnat out-interface=ether1-wan action=masquerade comment="NAT for LAN to Internet"

# --- Optional: DNS Configuration (If not provided by DHCP from ISP) ---
/ip dns
set servers=8.8.8.8,8.8.4.4 allow-remote-requests=yes

# --- Optional: DHCP Server Configuration for LAN Clients ---
/ip pool
add name=dhcp_pool_lan ranges=192.168.88.10-192.168.88.254 comment="DHCP Pool for LAN"
/ip dhcp-server
add name=dhcp_server_lan interface=ether2-lan address-pool=dhcp_pool_lan lease-time=10m disabled=no
/ip dhcp-server network
add address=192.168.88.0/24 gateway=192.168.88.1 dns-server=192.168.88.1 comment="DHCP Network for LAN"

# --- Firewall Filter Rules ---
/ip firewall filter
add chain=forward action=accept connection-state=established,related comment="Allow established/related connections for forwarded traffic (important for internet browsing)"
add chain=forward action=drop connection-state=invalid comment="Drop invalid connections for forwarded traffic (security)"
add chain=forward action=drop in-interface=ether1-gateway out-interface=!ether1-gateway connection-state=new comment="Drop new forward connections from WAN to LAN (default deny forward)"
add chain=input action=accept protocol=tcp dst-port=8291 in-interface=ether1-gateway comment="Allow Winbox access from WAN (example - for remote management, use with caution and strong passwords!)" disabled=yes # Disabled by default for security
add chain=input action=accept protocol=icmp comment="Allow ICMP (ping) for input chain (for diagnostics)"
add chain=input action=drop in-interface=ether1-gateway comment="Drop all other input from WAN (default deny input)"
add chain=output action=accept comment="Allow all output traffic from router itself (usually needed)"

# --- NAT Rules ---
/ip firewall nat
add chain=srcnat action=masquerade out-interface=ether1-gateway comment="Masquerade (NAT) for LAN to WAN traffic - Internet access"

# --- Mangle Rules (Basic QoS Example) ---
/ip firewall mangle
add chain=forward action=mark-packet new-packet-mark=low-priority passthrough=yes protocol=tcp dst-port=80,443 comment="Mark web traffic as low priority (basic QoS - SOHO example)"
# Note: QoS needs further queue configuration to be effective, this is just marking packets in mangle for later use.

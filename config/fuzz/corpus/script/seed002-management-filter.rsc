/ip firewall filter
add chain=input protocol=tcp dst-port=8291,22,80,443 in-interface=wan action=drop comment="Drop WAN Management Access"
# Allow management from LAN (example - adjust src-address if needed)
add chain=input protocol=tcp dst-port=8291,22,80,443 src-address=192.168.88.0/24 in-interface=lan action=accept comment="Allow LAN Management Access"
# Allow established/related connections (already should be in place - refer to basic firewall guide)

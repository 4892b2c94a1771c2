/ip firewall connection tracking
# Enable connection tracking (default: yes)
set enabled=yes

# Enable TCP connection tracking (default: yes)
set tcp-syn-sent-timeout=5s      # Timeout for TCP SYN-SENT state (initial SYN)
set tcp-syn-received-timeout=5s  # Timeout for TCP SYN-RECEIVED state (SYN-ACK received)
set tcp-established-timeout=1d   # Timeout for established TCP connections (default: 1 day - adjust for SOHO if needed)
set tcp-fin-wait-timeout=10s     # Timeout for TCP FIN-WAIT state (FIN received)
set tcp-close-wait-timeout=10s    # Timeout for TCP CLOSE-WAIT state (ACK for FIN sent)
set tcp-last-ack-timeout=10s      # Timeout for TCP LAST-ACK state (last ACK sent)
set tcp-time-wait-timeout=10s     # Timeout for TCP TIME-WAIT state (after connection close)
set tcp-close-timeout=10s         # Timeout for TCP CLOSED state

# Enable UDP connection tracking (default: yes)
set udp-timeout=30s              # Timeout for UDP connections (default: 30 seconds - suitable for many SOHO UDP applications)
set udp-stream-timeout=3m        # Timeout for UDP streams (if RouterOS detects stream-like UDP traffic, default: 3 minutes)

# Enable ICMP connection tracking (default: yes)
set icmp-timeout=30s             # Timeout for ICMP requests/replies (default: 30 seconds)

# Enable generic connection tracking (for protocols not explicitly tracked, default: yes)
set generic-timeout=10m          # Timeout for generic connections (default: 10 minutes)
set max-entries=8192             # Maximum number of connection tracking entries (default: depends on router model, adjust if needed for very large SOHO networks, but unlikely)

# TCP loose tracking (default: no) - Generally keep disabled in SOHO for stricter tracking
set tcp-loose-tracking=no

# TCP syncookie (default: no) - Enable for SYN flood attack mitigation (discussed in security hardening)
set tcp-syncookie=no

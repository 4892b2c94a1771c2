/ip firewall connection tracking set tcp-syncookie=yes

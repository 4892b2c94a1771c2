/ip address
add address=192.168.88.1/24 \
    interface=ether2 comment="wrapped \
    \D0\9F\r\n\t\$\?\_"
# comment \

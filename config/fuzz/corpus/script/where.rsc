/ip address print where dynamic
/ip firewall filter print where chain=forward and !disabled or action~"^drop"
/ip route print where dst-address in 10.0.0.0/8 && (gateway="ether1" || distance>=2)
/interface print count-only where not running
:put [/ip address find where interface=$wan]
/export where comment!=""

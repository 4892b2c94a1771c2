:put "never closed
/ip address print

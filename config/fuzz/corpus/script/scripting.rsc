:local x 5; :global counter
:set x ($x + 1)
:if ($x > 1 && !$flag) do={ :put "big $x" } else={ :put small }
:foreach i in=[/interface find where running] do={
    :log info ("interface " . [/interface get $i name])
}
:do { /ip address add address=10.0.0.1/24 interface=ether2 } on-error={ :put "failed" }
:delay 1s; :return
:local a {1;2;3}
/interface ethernet set [ find default-name=ether1 ] name=wan !comment
/ip firewall filter set 0,1,2 disabled=yes

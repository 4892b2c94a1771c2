/system scheduler
add name="daily_config_backup" interval=1d start-time=03:00:00 on-event=backup_config_daily policy=ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon

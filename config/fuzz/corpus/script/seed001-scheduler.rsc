/system scheduler
add name="DailyConfigBackup" interval=1d start-time=03:00:00 on-event="/system script run DailyConfigBackupScript" policy=ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon

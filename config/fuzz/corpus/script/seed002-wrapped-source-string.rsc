/system script
add name=daily_backup owner=admin policy=ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon source="# Script to perform daily RouterOS configuration backup\r\
    \n# Set backup filename with date\r\
    \n:local backupFileName (\"backup_\" . [/system clock get date format=yyyy-MM-dd])\r\
    \n\r\
    \n# Export configuration to file\r\
    \n/export file=\$backupFileName\r\
    \n\r\
    \n# Optional: Upload backup file to FTP server (replace with your FTP details)\r\
    \n#:local ftpServer \"your_ftp_server_ip\"\r\
    \n#:local ftpUser \"your_ftp_username\"\r\
    \n#:local ftpPassword \"your_ftp_password\"\r\
    \n#:local ftpRemoteDir \"/mikrotik_backups/\"\r\
    \n\r\
    \n#:tool fetch url=\"ftp://\$ftpUser:\$ftpPassword@\$ftpServer\$ftpRemoteDir\$backupFileName.rsc\" mode=ftp upload=yes\r\
    \n\r\
    \n:log info \"Daily RouterOS backup completed: \$backupFileName.rsc\"\r\
    \n"

/system scheduler
add name=daily_backup_scheduler on-event=daily_backup policy=ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon start-time=03:00:00 interval=1d

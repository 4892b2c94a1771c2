# --- Automated Backup Script ---
/system script add name=daily_config_backup source={
    :local backup_filename ("backup-" . [:system clock get date format=yyyy-MM-dd] . ".rsc")
    /export file=\$backup_filename
    :log info ("Configuration backup created: " . \$backup_filename)

    # --- Optional: Offsite Backup (Example using SCP - requires SSH keys setup for passwordless login) ---
    # :local remote_server "your_backup_server_ip"  # Replace with your backup server IP
    # :local remote_user "backup_user"             # Replace with your backup server username
    # :local remote_path "/remote/backup/path/"     # Replace with the remote backup path
    # /tool fetch url=("scp://" . \$remote_user . "@" . \$remote_server . ":" . \$remote_path . \$backup_filename) upload=yes user=\$remote_user password="your_scp_password_if_no_keys" # Replace password if not using SSH keys.  Better to use SSH keys.
    # :log info ("Configuration backup copied to remote server: " . \$remote_server)
}

# --- Scheduler to run the backup script daily ---
/system scheduler add name=daily_backup_scheduler interval=1d start-time=03:00:00 on-event=daily_config_backup policy=write,policy,read,reboot,sensitive,sniff,test,winbox,password management

# Script Name: backup_config_daily

:local backup_file_name ("backup_" . [:system date format=%Y-%m-%d_%H-%M-%S] . ".rsc")
:local backup_path ("/disk1/backups/") # Adjust backup path as needed (e.g., /disk1/backups/)

# Ensure backup directory exists (create if not)
/file directory create name=$backup_path  ignore-existing=yes

# Export configuration to file
/export file=($backup_path . $backup_file_name)

:log info ("Configuration backup created: " . $backup_path . $backup_file_name)

# Optional: Email the backup file (configure email settings in /tool email first)
#:local email_recipient "your_email@example.com" # Replace with your email address
#:local email_subject ("MikroTik Router Configuration Backup - " . [:system identity get name])
#:local email_body ("Daily Router Configuration Backup attached.")

# /tool email send to=$email_recipient subject=$email_subject body=$email_body file=($backup_path . $backup_file_name)

:log info ("Backup script finished.")

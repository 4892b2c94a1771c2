# Script to export configuration and save to disk (adjust filename and path as needed)
/export file=router_backup_$(/system clock get date format=yyyy-MM-dd)_$(/system clock get time format=HH-mm-ss)
:log info "Router configuration backup completed."

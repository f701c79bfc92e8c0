#!/bin/sh
# Writes PgBouncer's settings from the environment, then runs it in the foreground.
# Transaction pooling: a server connection serves a client for one transaction only, which is
# what lets many web threads share a few PostgreSQL connections (docs/operations.md).
set -eu
run=/tmp/pgbouncer
mkdir -p "$run"
printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" > "$run/userlist.txt"
cat > "$run/pgbouncer.ini" <<INI
[databases]
$DB_NAME = host=$DB_HOST port=${DB_PORT:-5432} dbname=$DB_NAME

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $run/userlist.txt
pool_mode = transaction
default_pool_size = ${DEFAULT_POOL_SIZE:-20}
max_client_conn = ${MAX_CLIENT_CONN:-500}
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
INI
exec pgbouncer "$run/pgbouncer.ini"

# pg.sh - a private PostgreSQL cluster: start, stop, conninfo (sourced by sh)
#
# Used by the tests (a throwaway cluster in a temp dir) and by "make run"
# (a lasting one under var/).  Never touches a system cluster or service.
# initdb and postgres refuse to run as root, so as root they run as the
# "postgres" system user, in a directory that user owns and can reach, with
# the unix socket in the cluster directory (its path stays < 107 bytes).

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# pg_as CMD... - run CMD as the cluster's owner
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_start DIR - create (once) and start a cluster in DIR; prints nothing
pg_start() {
	_dir=$1
	if [ -z "$PGBIN" ]; then
		echo "pg.sh: PostgreSQL server binaries not found" >&2
		return 1
	fi
	mkdir -p "$_dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$_dir" && chmod 700 "$_dir"
	if [ ! -f "$_dir/data/PG_VERSION" ]; then
		pg_as "$PGBIN/initdb" -D "$_dir/data" -A trust -U tlsrpt \
		    -E UTF8 --no-locale >"$_dir/initdb.log" 2>&1 || {
			cat "$_dir/initdb.log" >&2; return 1; }
	fi
	# A pid file left by a crash: pg_ctl/postgres check whether that pid
	# is still a postmaster; only a live one is "already running".
	if pg_as "$PGBIN/pg_ctl" -D "$_dir/data" status >/dev/null 2>&1; then
		return 0
	fi
	pg_as "$PGBIN/pg_ctl" -D "$_dir/data" -l "$_dir/postgres.log" -w \
	    -t 60 -o "-k $_dir -c listen_addresses= -c max_connections=60" \
	    start >/dev/null || { tail -n 20 "$_dir/postgres.log" >&2; return 1; }
}

# pg_stop DIR - stop the cluster in DIR (quietly; fine when not running)
pg_stop() {
	[ -f "$1/data/postmaster.pid" ] || return 0
	pg_as "$PGBIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_conninfo DIR [DBNAME] - the libpq conninfo of the cluster in DIR
pg_conninfo() {
	echo "host=$1 dbname=${2:-postgres} user=tlsrpt"
}

# pg_createdb DIR NAME - create database NAME unless it exists
pg_createdb() {
	psql -XAtq "$(pg_conninfo "$1")" -c \
	    "SELECT 1 FROM pg_database WHERE datname = '$2'" | grep -q 1 ||
	    psql -XAtq "$(pg_conninfo "$1")" -c "CREATE DATABASE \"$2\""
}

# pg_tmpdir - a new directory the cluster owner can reach (not under a 0700
# /root checkout), short enough for the socket path
pg_tmpdir() {
	_t=$(mktemp -d /tmp/tlsrpt-pg.XXXXXX) || return 1
	chmod 755 "$_t"
	echo "$_t"
}

/*
 * migrate.c - the schema: the embedded migrations and the check
 *
 * SYNOPSIS
 *	#include "store.h"
 *
 *	int store_migrate(s, &applied, err, errlen)
 *	int store_schema_ok(s, err, errlen)
 *	int store_stale_reports(s, &n, err, errlen)
 *
 * DESCRIPTION
 *	sql/NNN_name.sql files are compiled into the binary
 *	(store/sqlembed.sh, migrations.h); store_migrate applies those the
 *	database lacks, in one transaction, each recorded in
 *	schema_version.  Every other command refuses a database whose
 *	schema is older than the binary (store_schema_ok).
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "migrations.h"
#include "store_int.h"
#include "util.h"

/* pg_advisory_xact_lock key for store_migrate ("tlsrpt" in ASCII) */
#define MIGRATE_LOCK	"127978118853748"

/* schema_version - the newest version applied, 0 for none; -1 on error */
static int
schema_version(struct store *s, int *have, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexec(s->conn,
	    "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "schema_version", err, errlen);
	*have = (int)parse_i64(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/*
 * store_migrate - apply the embedded migrations the database lacks.  The
 * advisory lock comes before anything else, so two concurrent runs (two
 * hosts upgrading at once) serialise instead of racing on CREATE TABLE.
 */
int
store_migrate(struct store *s, int *applied, char *err, size_t errlen)
{
	const struct store_migration	*m;
	PGresult			*res;
	const char			*param[2];
	char				 ver[INT64_TEXT], what[128];
	size_t				 i;
	int				 have;

	*applied = 0;
	if (exec_cmd(s, "BEGIN; SET LOCAL client_min_messages = warning; "
	    "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK "); "
	    "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())",
	    "migrate", err, errlen) == -1 ||
	    schema_version(s, &have, err, errlen) == -1)
		goto fail;
	for (i = 0; i < store_n_migrations; i++) {
		m = &store_migrations[i];
		if (m->version <= have)
			continue;
		snprintf(what, sizeof what, "migration %s", m->name);
		res = PQexec(s->conn, m->sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			db_fail(s, res, what, err, errlen);
			goto fail;
		}
		PQclear(res);
		snprintf(ver, sizeof ver, "%d", m->version);
		param[0] = ver;
		param[1] = m->name;
		res = PQexecParams(s->conn, "INSERT INTO schema_version "
		    "(version, name) VALUES ($1, $2)", 2, NULL, param, NULL,
		    NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_fail(s, res, what, err, errlen);
			goto fail;
		}
		PQclear(res);
		(*applied)++;
	}
	if (exec_cmd(s, "COMMIT", "commit", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	*applied = 0;
	rollback(s);
	return -1;
}

/*
 * store_schema_ok - the schema is at least the newest migration this
 * binary knows.  A newer schema is accepted: migrations only add, and
 * hosts running the previous binary keep working during an upgrade.
 */
int
store_schema_ok(struct store *s, char *err, size_t errlen)
{
	PGresult	*res;
	int		 have = 0, need, exists;

	need = store_n_migrations ?
	    store_migrations[store_n_migrations - 1].version : 0;
	res = PQexec(s->conn, "SELECT to_regclass('schema_version') IS NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "schema check", err, errlen);
	exists = strcmp(PQgetvalue(res, 0, 0), "f") == 0;
	PQclear(res);
	if (exists && schema_version(s, &have, err, errlen) == -1)
		return -1;
	if (have < need)
		return seterr(err, errlen, "database schema is missing or old "
		    "(version %d, need %d): run \"tlsrpt db migrate\"", have,
		    need);
	return 0;
}

/* store_stale_reports - see store.h */
int
store_stale_reports(struct store *s, int64_t *n, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexec(s->conn,
	    "SELECT count(*) FROM report WHERE home_domain IS NULL "
	    "OR content_sha256 IS NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "stale reports", err, errlen);
	*n = parse_i64(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/*
 * import.c
 *		IMPORT FOREIGN SCHEMA athena: creates the athena_sessions table.
 *
 * Athena has one remote "schema" here, and one table in it, with every
 * column of columns.c's table.  LIMIT TO and EXCEPT are applied by
 * PostgreSQL to the statements returned.
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "athena_fdw.h"

#define ATHENA_REMOTE_SCHEMA "athena"

List *
fdw_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	StringInfoData sql;

	if (strcmp(stmt->remote_schema, ATHENA_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not present on foreign server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("The only remote schema is \"%s\".",
						 ATHENA_REMOTE_SCHEMA)));

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE FOREIGN TABLE %s.athena_sessions (\n",
					 quote_identifier(stmt->local_schema));
	fdw_append_column_definitions(&sql);
	appendStringInfo(&sql, ") SERVER %s", quote_identifier(server->servername));
	return list_make1(sql.data);
}

/*
 * athena_fdw.c
 *		The foreign data wrapper's entry points: the module, its start-up in
 *		_PG_init, and the handler that hands PostgreSQL the callbacks of
 *		plan.c, scan.c, explain.c, modify.c and import.c.
 */
#include "postgres.h"

#include <math.h>

#include "utils/guc.h"

#include "athena_fdw.h"

FDW_MODULE_MAGIC("athena_fdw", "1.1.0");

PG_FUNCTION_INFO_V1(athena_fdw_handler);

void
_PG_init(void)
{
	fdw_join_scan_init();
	fdw_delete_where_init();
	fdw_delete_progress_init();
	/* settings first: the sizes of the shared tables are settings */
	fdw_stats_init();
	fdw_rate_limit_define();
	MarkGUCPrefixReserved("athena_fdw");
	/* shared memory (cluster-wide counters) when the library is preloaded */
	fdw_shmem_init();
}

static List *
athenaImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	return fdw_import_foreign_schema(stmt, serverOid);
}

Datum
athena_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	fdw_plan_routines(routine);
	fdw_scan_routines(routine);
	fdw_explain_routines(routine);
	routine->ImportForeignSchema = athenaImportForeignSchema;
	fdw_modify_routines(routine);

	PG_RETURN_POINTER(routine);
}

/*
 * delete_progress.c
 *		What a running DELETE has terminated, so that a DELETE that ends
 *		early (an error, a cancel, a timeout, the backend terminated) says
 *		so: terminating (or stopping a calculation) cannot be rolled back,
 *		and the user must learn which sessions are gone although the
 *		statement failed.
 *
 * The report is a WARNING with the count and a LOG line (server log only)
 * with the ids.  modify.c reports from a PG_CATCH around its own calls,
 * where a cancel or timeout almost always lands (the calls are where a
 * DELETE waits), so the WARNING comes before the ERROR.  An error raised
 * elsewhere while the DELETE runs (between the rows of a join, or FATAL
 * from pg_terminate_backend) is reported by the transaction's abort
 * callback, after the ERROR.  The ids live in TopMemoryContext: the
 * executor's memory may be gone by then.
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "athena_fdw.h"

static struct
{
	int			active;			/* DELETEs between begin and end (several in
								 * one statement: WITH ... DELETE) */
	SubTransactionId subid;		/* the (sub)transaction they run in */
	int64		terminated;		/* sessions */
	int64		stopped;		/* calculations */
	StringInfoData ids;			/* "id, id, ..." in TopMemoryContext */
} progress;

void
fdw_delete_progress_begin(void)
{
	if (progress.active++ > 0)
		return;
	if (progress.ids.data == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

		initStringInfo(&progress.ids);
		MemoryContextSwitchTo(oldcxt);
	}
	resetStringInfo(&progress.ids);
	progress.	terminated = 0;
	progress.	stopped = 0;
	progress.	subid = GetCurrentSubTransactionId();
}

/* A session terminated, or (calculation) a calculation stopped. */
void
fdw_delete_progress_add(const char *id, bool calculation)
{
	if (progress.active == 0)
		return;
	if (progress.terminated + progress.stopped > 0)
		appendStringInfoString(&progress.ids, ", ");
	appendStringInfoString(&progress.ids, id);
	(*(calculation ? &progress.stopped : &progress.terminated))++;
}

/* A DELETE finished: its command tag tells the count. */
void
fdw_delete_progress_end(void)
{
	if (progress.active > 0 && --progress.active > 0)
		return;
	if (progress.ids.maxlen > 64 * 1024)
	{
		pfree(progress.ids.data);
		progress.	ids.data = NULL;
	}
	else if (progress.ids.data != NULL)
		resetStringInfo(&progress.ids);
}

/* The DELETE is ending early: say what it did, once. */
void
fdw_delete_progress_report(void)
{
	int64		n = progress.terminated;
	int64		stopped = progress.stopped;

	if (progress.active == 0)
		return;
	progress.	active = 1;		/* whatever nests: this report ends them */

	if (n == 0 && stopped == 0)
	{
		fdw_delete_progress_end();
		return;
	}
	if (stopped > 0)
	{
		ereport(LOG,
				(errmsg_plural("athena_fdw: a DELETE that ended early had stopped or terminated %lld calculation or session: %s",
							   "athena_fdw: a DELETE that ended early had stopped or terminated %lld calculations or sessions: %s",
							   n + stopped, (long long) (n + stopped),
							   progress.ids.data),
				 errhidestmt(true)));
		ereport(WARNING,
				(errmsg_plural("DELETE ended early after stopping %lld Athena calculation",
							   "DELETE ended early after stopping %lld Athena calculations",
							   stopped, (long long) stopped),
				 n > 0 ? errdetail_plural("It also terminated %lld session. Stopping and terminating cannot be rolled back; the ids are in the server log.",
										  "It also terminated %lld sessions. Stopping and terminating cannot be rolled back; the ids are in the server log.",
										  n, (long long) n) :
				 errdetail("Stopping cannot be rolled back. The ids of the stopped calculations are in the server log; calls still in flight when the statement ended may have stopped more.")));
		fdw_delete_progress_end();
		return;
	}
	ereport(LOG,
			(errmsg_plural("athena_fdw: a DELETE that ended early had terminated %lld session: %s",
						   "athena_fdw: a DELETE that ended early had terminated %lld sessions: %s",
						   n, (long long) n, progress.ids.data),
			 errhidestmt(true)));
	ereport(WARNING,
			(errmsg_plural("DELETE ended early after terminating %lld Athena session",
						   "DELETE ended early after terminating %lld Athena sessions",
						   n, (long long) n),
			 errdetail("Terminating cannot be rolled back. The ids of the terminated sessions are in the server log; calls still in flight when the statement ended may have terminated more.")));
	fdw_delete_progress_end();
}

static void
report_on_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		fdw_delete_progress_report();
}

static void
report_on_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	/* not for a subtransaction begun and rolled back inside the DELETE */
	if (event == SUBXACT_EVENT_ABORT_SUB && mySubid == progress.subid)
		fdw_delete_progress_report();
}

void
fdw_delete_progress_init(void)
{
	RegisterXactCallback(report_on_abort, NULL);
	RegisterSubXactCallback(report_on_subxact_abort, NULL);
}

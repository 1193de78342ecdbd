/*
 * calculations.h
 *		The calculation operations behind the athena_calculations table: its
 *		scans.  A lookup asks for given calculation ids; a listing pages
 *		through ListCalculationExecutions for given sessions, or for every
 *		session a session listing (sessions.h) finds, asking for the next
 *		page only when the rows on hand run out.  Each row costs only the
 *		calls whose fields the query reads: GetCalculationExecutionStatus
 *		(state, times, statistics), GetCalculationExecution (those and the
 *		rest), GetCalculationExecutionCode (the code).
 *
 * Stopping calculations is sessions.h's terminations with
 * ATHENA_OP_STOP_CALCULATION_EXECUTION.
 *
 * Pure C, no PostgreSQL headers.
 */
#ifndef ATHENA_CALCULATIONS_H
#define ATHENA_CALCULATIONS_H

#include "sessions.h"

#define ATHENA_LIST_CALCULATIONS_PAGE 100

/* The calls each row gets, a bit mask (AthenaCalculationSpec.calls). */
#define ATHENA_CALC_STATUS	0x01	/* GetCalculationExecutionStatus */
#define ATHENA_CALC_DETAILS 0x02	/* GetCalculationExecution, which has the
									 * status too */
#define ATHENA_CALC_CODE	0x04	/* GetCalculationExecutionCode */

/* What to scan.  The strings must stay valid until the scan ends. */
typedef struct AthenaCalculationSpec
{
	bool		lookup;			/* ids given, else a listing */
	const char *const *ids;		/* lookup: distinct calculation ids */
	int			nids;
	bool		every_session;	/* listing: of the sessions a session listing
								 * of workgroups finds */
	const char *const *session_ids; /* listing, unless every_session */
	int			nsessions;
	const char *const *workgroups;	/* every_session: none = every Spark one */
	int			nworkgroups;
	const char *const *states;	/* listing: StateFilter values, none = no
								 * filter */
	int			nstates;
	int			calls;			/* ATHENA_CALC_* per row; a lookup always
								 * makes at least one call per id */
} AthenaCalculationSpec;

typedef struct AthenaCalculationScan AthenaCalculationScan;

/* Whether Athena can hold this id: 1 to 36 characters. */
extern bool athena_calculation_id_possible(const char *id);

/* Whether a calculation can be in this state (CalculationExecutionState). */
extern bool athena_calculation_state_possible(const char *state);

/* Whether StopCalculationExecution applies to a calculation in state. */
extern bool athena_calculation_state_stoppable(const char *state);

/*
 * Starts a scan; ids Athena cannot hold are skipped, never sent.  config
 * must stay valid until the scan ends: the listing of every session starts
 * the calculation calls only after the session listing, with the
 * credentials config has then.  NULL on out of memory.
 */
extern AthenaCalculationScan *athena_calculation_scan_begin(HttpClient *client,
															const AthenaClientConfig *config,
															const AthenaCalculationSpec *spec,
															HttpInterruptFn check_interrupts,
															void *interrupt_arg);

/*
 * The next calculation, in completion order (listings: each page's in the
 * order listed, when no call per row is needed).  Lookups return only
 * calculations whose id is the one asked for; unknown ids and sessions are
 * skipped.  A listed row's session_id is the session listed.  On
 * ATHENA_FETCH_ROW the caller owns *calculation (athena_calculation_free);
 * on ATHENA_FETCH_FAILED it owns failure->error and should stop.
 */
extern AthenaFetch athena_calculation_scan_next(AthenaCalculationScan *scan,
												AthenaCalculation *calculation,
												AthenaFailure *failure);

/* Calls of the scan, the session listing's included; pages of listings. */
extern void athena_calculation_scan_stats(const AthenaCalculationScan *scan,
										  AthenaScanStats *stats);

/* Safe at any time, also after a longjmp out of the scan's next. */
extern void athena_calculation_scan_end(AthenaCalculationScan *scan);

#endif							/* ATHENA_CALCULATIONS_H */

/*
 * sessions.h
 *		The session operations behind the athena_sessions table: its scans
 *		and DELETE's terminations.  A lookup asks for given
 *		session ids (GetSessionStatus, or GetSession when the query wants
 *		the details); a listing pages through ListSessions over given
 *		workgroups, or every Spark workgroup ListWorkGroups names, asking
 *		for the next page only when the rows on hand run out, and calls
 *		GetSession for each listed row when the details are wanted.
 *
 * Pure C, no PostgreSQL headers: the FDW's executor, the benchmarks and the
 * tests all use these same scans.
 */
#ifndef ATHENA_SESSIONS_H
#define ATHENA_SESSIONS_H

#include "athena_client.h"

/*
 * Athena's limits: session ids of 1 to 256 characters, calculation ids of 1
 * to 36, pages of 100.
 */
#define ATHENA_SESSION_ID_MAX_CHARS 256
#define ATHENA_CALCULATION_ID_MAX_CHARS 36
#define ATHENA_LIST_SESSIONS_PAGE 100
#define ATHENA_LIST_WORK_GROUPS_PAGE 50

typedef enum AthenaFetch
{
	ATHENA_FETCH_ROW,
	ATHENA_FETCH_DONE,
	ATHENA_FETCH_FAILED
} AthenaFetch;

/* What to scan.  The strings must stay valid until the scan ends. */
typedef struct AthenaScanSpec
{
	bool		lookup;			/* ids given, else a listing */
	const char *const *ids;		/* lookup: distinct, non-NULL */
	int			nids;
	const char *const *workgroups;	/* listing: none = every Spark one */
	int			nworkgroups;
	const char *const *states;	/* listing: StateFilter values, none = no
								 * filter */
	int			nstates;
	bool		details;		/* GetSession for each row */
} AthenaScanSpec;

typedef struct AthenaScanStats
{
	AthenaCallStats calls;
	uint64_t	pages;			/* listing pages received: ListSessions
								 * (ListCalculationExecutions of a scan of
								 * calculations) */
} AthenaScanStats;

typedef struct AthenaSessionScan AthenaSessionScan;

/* Whether id has 1 to max_chars characters. */
extern bool athena_id_possible(const char *id, size_t max_chars);

/* Whether Athena can hold this id: 1 to 256 characters of valid UTF-8. */
extern bool athena_session_id_possible(const char *id);

/*
 * Whether a session can have this value, as Athena's model says: a State
 * is one of SessionState's values, a workgroup name matches WorkGroupName's
 * pattern [a-zA-Z0-9._-]{1,128}.  A condition no value of which is
 * possible matches no row, and is never sent.
 */
extern bool athena_session_state_possible(const char *state);
extern bool athena_workgroup_possible(const char *name);

/*
 * Starts a scan; ids Athena cannot hold are skipped, never sent.  NULL on
 * out of memory or an unusable endpoint.
 */
extern AthenaSessionScan *athena_session_scan_begin(HttpClient *client,
													const AthenaClientConfig *config,
													const AthenaScanSpec *spec,
													HttpInterruptFn check_interrupts,
													void *interrupt_arg);

/* A lookup of ids: the spec of athena_session_scan_begin made short. */
extern AthenaSessionScan *athena_session_scan_lookup(HttpClient *client,
													 const AthenaClientConfig *config,
													 const char *const *ids, int nids,
													 bool details,
													 HttpInterruptFn check_interrupts,
													 void *interrupt_arg);

/*
 * The next session.  Lookups return sessions in completion order, and
 * only those whose SessionId is, byte for byte, the id asked for; ids that
 * do not exist (either "not found" shape) are skipped.  Listings return each
 * page's sessions in the order listed (newest first), with the workgroup
 * listed; with details, in the order GetSession answers.  A workgroup that
 * refuses ListSessions because it does not run Spark lists nothing.  On
 * ATHENA_FETCH_ROW the caller owns *session (athena_session_free); on
 * ATHENA_FETCH_FAILED it owns failure->error (aws_error_free) and
 * should stop.
 */
extern AthenaFetch athena_session_scan_next(AthenaSessionScan *scan,
											AthenaSession *session,
											AthenaFailure *failure);

extern void athena_session_scan_stats(const AthenaSessionScan *scan,
									  AthenaScanStats *stats);

/* Safe at any time, also after a longjmp out of athena_session_scan_next. */
extern void athena_session_scan_end(AthenaSessionScan *scan);

/*
 * TerminateSession (or StopCalculationExecution, op) for many ids, on the
 * same machinery (concurrency, retries, the rate of the HTTP engine).  Ids
 * Athena cannot hold are skipped, never sent.
 */
typedef struct AthenaTerminations AthenaTerminations;

typedef struct AthenaTermination
{
	int			item;			/* index of the id in the ids given */
	char	   *state;			/* State answered, malloc'd; may be NULL */
} AthenaTermination;

extern AthenaTerminations *athena_terminations_begin(HttpClient *client,
													 const AthenaClientConfig *config,
													 AthenaOperation op,
													 const char *const *ids, int nids,
													 HttpInterruptFn check_interrupts,
													 void *interrupt_arg);

/*
 * Next accepted termination, in completion order (the caller frees
 * termination->state).  An id the API does not know (the session is gone,
 * in either "not found" shape) is skipped: nothing was terminated.  On
 * ATHENA_FETCH_FAILED the caller owns failure->error; it may go on calling
 * to learn how the requests already sent ended.
 */
extern AthenaFetch athena_terminations_next(AthenaTerminations *terminations,
											AthenaTermination *termination,
											AthenaFailure *failure);

/* No further id is sent; the requests already sent finish (with retries). */
extern void athena_terminations_stop(AthenaTerminations *terminations);

extern void athena_terminations_stats(const AthenaTerminations *terminations,
									  AthenaCallStats *stats);

/* Safe at any time, also after a longjmp out of athena_terminations_next. */
extern void athena_terminations_end(AthenaTerminations *terminations);

#endif							/* ATHENA_SESSIONS_H */

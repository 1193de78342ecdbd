/*
 * session_source.c
 *		The sessions (or calculations) of one plan node: one client, one
 *		credential set and one column map, and what it runs through the core
 *		(lookups of distinct ids, listings, terminations or stops), turned
 *		into rows of the foreign table.  The table (columns.c) says which
 *		of the core's scans: sessions.h's or calculations.h's.
 *
 * Shared by the foreign scan (scan.c), which runs one scan per (re)scan,
 * the batched join (join_scan.c), which runs one lookup per batch of outer
 * rows, and DELETE (modify.c), which terminates the rows it kept.
 * Everything lives in one memory context; the curl handles and malloc'd
 * buffers of the core are released by its reset callback, so an ERROR
 * thrown anywhere leaks nothing.
 */
#include "postgres.h"

#include "commands/explain.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "athena_fdw.h"

struct FdwSessionSource
{
	MemoryContext cxt;			/* everything of this lookup */
	FdwColumnMap *columns;
	AthenaClientConfig config;
	ForeignServer *server;		/* where the credentials come from */
	UserMapping *user;
	FdwOptions	options;
	const char *endpoint_text;	/* the option, for messages */
	Endpoint	endpoint;		/* parsed; its strings are malloc'd */
	HttpClient *client;			/* from the connection cache */
	const FdwTable *table;
	int			calls;			/* FDW_CALL_* for each row */
	const char *workgroup_option[1];	/* the table's, else the server's, in
										 * UTF-8; NULL if neither */
	AthenaSessionScan *status_scan; /* the scan under way, if any */
	AthenaCalculationScan *calc_scan;	/* the same, of calculations */
	uint64		pages;			/* listing pages, over all scans */
	AthenaCallStats totals;		/* over all fan-outs, for EXPLAIN ANALYZE */
	AthenaTerminations *terminations;	/* TerminateSession calls under way */
	AthenaFailure first_failure;	/* of those, while the rest finish */
	bool		failed;
	int64		terminated;		/* sessions terminated, for EXPLAIN ANALYZE */
	AthenaCallStats terminate_totals;
	AthenaStarts *starts;		/* StartSession or StartCalculationExecution
								 * calls under way */
	int64		started;		/* for EXPLAIN ANALYZE */
	AthenaCallStats start_totals;
	FdwRateLimit rate_limit;	/* what the core's rate gate asks */
};

static AthenaOperation
terminate_op(const FdwSessionSource *source)
{
	return source->table->kind == FDW_TABLE_CALCULATIONS ?
		ATHENA_OP_STOP_CALCULATION_EXECUTION : ATHENA_OP_TERMINATE_SESSION;
}

static void
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * Runs when the lookup's memory goes away, normally or while an ERROR
 * unwinds: curl handles, sockets in flight and malloc'd buffers are not
 * palloc'd, so they are released here.
 */
static void
release_lookup_resources(void *arg)
{
	FdwSessionSource *source = (FdwSessionSource *) arg;

	if (source->status_scan != NULL)
	{
		athena_session_scan_end(source->status_scan);
		source->status_scan = NULL;
	}
	if (source->calc_scan != NULL)
	{
		athena_calculation_scan_end(source->calc_scan);
		source->calc_scan = NULL;
	}
	if (source->terminations != NULL)
	{
		athena_terminations_end(source->terminations);
		source->terminations = NULL;
	}
	if (source->starts != NULL)
	{
		athena_starts_end(source->starts);
		source->starts = NULL;
	}
	if (source->failed)
	{
		aws_error_free(&source->first_failure.error);
		source->failed = false;
	}
	if (source->client != NULL)
	{
		fdw_client_release(source->client);
		source->client = NULL;
	}
	fdw_rate_limit_release(&source->rate_limit);
	endpoint_free(&source->endpoint);
}

/*
 * The option validator refuses what the client cannot use, but a value
 * stored before it did, or a default built from the region, still gets the
 * same parser's reason rather than failing later.
 */
static void
parse_endpoint(FdwSessionSource *source)
{
	char		reason[256];

	if (!endpoint_parse(source->endpoint_text, &source->endpoint,
						reason, sizeof(reason)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"endpoint\": %s", reason),
				 errdetail("The endpoint is \"%s\".", source->endpoint_text)));
}

/*
 * AWS said the scan's credentials expired: new ones, for the requests
 * that got the answer and every later one (AthenaRenewFn).
 */
static bool
renew_credentials(void *arg, AthenaCredentials *fresh)
{
	FdwSessionSource *source = arg;
	MemoryContext oldcxt = MemoryContextSwitchTo(source->cxt);
	bool		renewed;

	renewed = fdw_renew_credentials(source->server, source->user,
									&source->options, source->client,
									&source->config.credentials);
	MemoryContextSwitchTo(oldcxt);
	*fresh = source->config.credentials;
	return renewed;
}

/*
 * Each scan, batch of a join or set of terminations reads the credentials
 * anew when they are about to expire, so a long statement never signs with
 * keys past their time.
 */
static void
refresh_credentials(FdwSessionSource *source)
{
	MemoryContext oldcxt;

	if (!fdw_credentials_expiring(&source->config.credentials))
		return;
	oldcxt = MemoryContextSwitchTo(source->cxt);
	fdw_get_credentials(source->server, source->user, &source->options,
						source->client, &source->config.credentials);
	MemoryContextSwitchTo(oldcxt);
}

/* Only these columns are read (fdw_columns_read_only). */
void
fdw_source_read_only(FdwSessionSource *source, List *attnos)
{
	fdw_columns_read_only(source->columns, attnos);
}

/*
 * Sets up the scans of foreign table rel for one plan node, signing as
 * userid, in a child of the current memory context; calls (FDW_CALL_*) are
 * what each row gets: for sessions, FDW_CALL_DETAILS means GetSession.
 */
FdwSessionSource *
fdw_source_create(Relation rel, Oid userid, int calls)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "athena_fdw lookup",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	FdwSessionSource *source = palloc0(sizeof(FdwSessionSource));
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(userid, server->serverid);
	MemoryContextCallback *callback;
	FdwOptions *options = &source->options;

	source->cxt = cxt;
	source->table = fdw_table_of(RelationGetRelid(rel));
	source->calls = calls;
	source->server = server;
	source->user = user;
	fdw_get_options(server, table, user, options);
	if (options->workgroup != NULL)
		source->workgroup_option[0] = pg_server_to_any(options->workgroup,
													   strlen(options->workgroup),
													   PG_UTF8);
	fdw_resolve_endpoint(server, options);
	source->endpoint_text = options->endpoint;
	source->config.endpoint = &source->endpoint;
	source->config.region = options->region;
	source->config.http.max_concurrency = options->max_concurrency;
	source->config.http.connect_timeout_ms = options->connect_timeout_ms;
	source->config.http.request_timeout_ms = options->request_timeout_ms;
	source->config.http.max_retries = options->max_retries;
	source->config.http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	source->config.http.user_agent = ATHENA_USER_AGENT;
	source->config.http.ca_file = options->ca_file;
	source->config.http.rate_gate.acquire = fdw_rate_limit_acquire;
	source->config.http.rate_gate.on_answer = fdw_rate_limit_on_answer;
	source->config.http.rate_gate.arg = &source->rate_limit;
	source->columns = fdw_map_columns(rel);

	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = release_lookup_resources;
	callback->arg = source;
	MemoryContextRegisterResetCallback(cxt, callback);
	parse_endpoint(source);
	source->client = fdw_client_acquire(user);
	source->config.http.retry_quota = http_client_retry_quota(source->client);
	/* may call STS or metadata endpoints through this client */
	fdw_get_credentials(server, user, options, source->client,
						&source->config.credentials);
	source->config.renew_credentials = renew_credentials;
	source->config.renew_arg = source;
	/* with the credentials: the learnt rate is per access key */
	fdw_rate_limit_init(&source->rate_limit, server, options,
						&source->config.credentials);

	MemoryContextSwitchTo(oldcxt);
	return source;
}

/* The number of columns of the rows fdw_source_next() fills. */
int
fdw_source_natts(const FdwSessionSource *source)
{
	return source->columns->natts;
}

/* Starts a scan of spec; a scan still under way is ended first. */
static void
start_scan(FdwSessionSource *source, AthenaScanSpec *spec)
{
	spec->details = (source->calls & FDW_CALL_DETAILS) != 0;
	refresh_credentials(source);
	source->status_scan = athena_session_scan_begin(source->client,
													&source->config, spec,
													check_interrupts, NULL);
	if (source->status_scan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

/* The same for a scan of calculations. */
static void
start_calculation_scan(FdwSessionSource *source, AthenaCalculationSpec *spec)
{
	spec->calls = source->calls;
	refresh_credentials(source);
	source->calc_scan = athena_calculation_scan_begin(source->client,
													  &source->config, spec,
													  check_interrupts, NULL);
	if (source->calc_scan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

/*
 * Sends the requests for ids (distinct, non-NULL, UTF-8; they must stay
 * valid until the fan-out ends).  A scan still under way is ended first.
 */
void
fdw_source_start(FdwSessionSource *source, const char *const *ids, int nids)
{
	AthenaScanSpec spec;

	fdw_source_finish(source);
	if (nids == 0)
		return;
	if (source->table->kind == FDW_TABLE_CALCULATIONS)
	{
		AthenaCalculationSpec calc;

		memset(&calc, 0, sizeof(calc));
		calc.lookup = true;
		calc.ids = ids;
		calc.nids = nids;
		start_calculation_scan(source, &calc);
		return;
	}
	memset(&spec, 0, sizeof(spec));
	spec.lookup = true;
	spec.ids = ids;
	spec.nids = nids;
	start_scan(source, &spec);
}

/*
 * Lists the sessions of workgroups with states as StateFilter (distinct,
 * non-NULL, UTF-8; valid until the listing ends).  nworkgroups < 0: no
 * condition named any, so the workgroup option, else every Spark
 * workgroup; nstates < 0: no state filter.  0 of either lists nothing.
 * Of a calculations table, the keys are session ids, and without any the
 * calculations of every session that listing of sessions finds.
 */
void
fdw_source_start_list(FdwSessionSource *source, const char *const *workgroups,
					  int nworkgroups, const char *const *states, int nstates)
{
	AthenaScanSpec spec;
	bool		every = nworkgroups < 0;

	fdw_source_finish(source);
	if (nworkgroups == 0 || nstates == 0)
		return;
	memset(&spec, 0, sizeof(spec));
	if (source->table->kind == FDW_TABLE_CALCULATIONS && !every)
	{
		AthenaCalculationSpec calc;

		memset(&calc, 0, sizeof(calc));
		calc.session_ids = workgroups;
		calc.nsessions = nworkgroups;
		calc.states = states;
		calc.nstates = Max(nstates, 0);
		start_calculation_scan(source, &calc);
		return;
	}
	if (every && source->workgroup_option[0] != NULL)
	{
		workgroups = source->workgroup_option;
		nworkgroups = 1;
	}
	if (source->table->kind == FDW_TABLE_CALCULATIONS)
	{
		AthenaCalculationSpec calc;

		memset(&calc, 0, sizeof(calc));
		calc.every_session = true;
		calc.workgroups = workgroups;
		calc.nworkgroups = Max(nworkgroups, 0);
		calc.states = states;
		calc.nstates = Max(nstates, 0);
		start_calculation_scan(source, &calc);
		return;
	}
	spec.workgroups = workgroups;
	spec.nworkgroups = Max(nworkgroups, 0);
	spec.states = states;
	spec.nstates = Max(nstates, 0);
	start_scan(source, &spec);
}

/* Ends the fan-out under way, if any, keeping its statistics. */
void
fdw_source_finish(FdwSessionSource *source)
{
	AthenaScanStats scan_stats;
	const AthenaCallStats *stats = &scan_stats.calls;
	int			op;

	if (source->status_scan == NULL && source->calc_scan == NULL)
		return;

	if (source->status_scan != NULL)
		athena_session_scan_stats(source->status_scan, &scan_stats);
	else
		athena_calculation_scan_stats(source->calc_scan, &scan_stats);
	for (op = 0; op < ATHENA_NUM_OPERATIONS; op++)
	{
		source->totals.calls[op] += stats->calls[op];
		source->totals.retries[op] += stats->retries[op];
	}
	source->pages += scan_stats.pages;
	source->totals.attempts += stats->attempts;
	source->totals.retries_total += stats->retries_total;
	source->totals.throttled += stats->throttled;
	source->totals.api_usec += stats->api_usec;
	source->totals.peak_in_flight = Max(source->totals.peak_in_flight,
										stats->peak_in_flight);
	athena_session_scan_end(source->status_scan);
	source->status_scan = NULL;
	athena_calculation_scan_end(source->calc_scan);
	source->calc_scan = NULL;
}

static int
failure_sqlstate(const AthenaFailure *failure)
{
	if (failure->kind == ATHENA_FAIL_NETWORK)
		return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
	if (failure->kind == ATHENA_FAIL_OUT_OF_MEMORY)
		return ERRCODE_OUT_OF_MEMORY;
	if (failure->kind != ATHENA_FAIL_AWS)
		return ERRCODE_FDW_ERROR;
	/* the core's classification (aws_error_classify) decides */
	switch (failure->error.error_class)
	{
		case AWS_ERROR_AUTH:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case AWS_ERROR_ACCESS_DENIED:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case AWS_ERROR_OTHER:
		case AWS_ERROR_NOT_FOUND:
		case AWS_ERROR_THROTTLED:
		case AWS_ERROR_TRANSIENT:
		case AWS_ERROR_VALIDATION:
		case AWS_ERROR_NOT_SPARK:
			break;
	}
	return ERRCODE_FDW_ERROR;
}

/*
 * " AthenaErrorCode X, ResourceName Y, Reason Z.": the members of Athena's
 * model that the error answer carried (in that order, those it sent), for
 * the DETAIL; "" when none.  In our encoding, without control characters.
 */
static char *
error_fields(const AwsError *err)
{
	const char *names[] = {"AthenaErrorCode", "ResourceName", "Reason"};
	const char *values[] = {err->athena_error_code, err->resource_name,
	err->reason};
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < lengthof(names); i++)
	{
		if (values[i] == NULL)
			continue;
		appendStringInfo(&buf, "%s %s %s", buf.len ? "," : "", names[i],
						 fdw_remote_text(pstrdup(values[i])));
	}
	if (buf.len)
		appendStringInfoChar(&buf, '.');
	return buf.data;
}

/* Why a failure was not retried when the retry quota was empty. */
static int
retry_quota_hint(void)
{
	return errhint("Too many of this server's requests failed recently: retries resume as requests succeed again.");
}

/*
 * Raises the ERROR for a failed call.  progress, when not NULL, says what
 * the statement did before it failed ("after 2 sessions were terminated")
 * and goes into the primary message, the one line a pg_cron job's run
 * details keep.  The core's strings are malloc'd, so they are copied and
 * freed before ereport jumps away.
 */
static void
report_failure(FdwSessionSource *source, const char *progress, AthenaFailure *failure)
{
	int			sqlstate = failure_sqlstate(failure);
	AthenaFailureKind kind = failure->kind;
	int			attempts = failure->attempts;
	const char *quota = failure->retry_quota_empty ?
	" Not retried: the retry quota is empty." : "";
	int			http_status = failure->error.http_status;
	char	   *type = pstrdup(failure->error.type);
	char	   *message = pstrdup(failure->error.message);
	char	   *request_id = failure->error.request_id
	? pstrdup(failure->error.request_id) : NULL;
	const char *operation = athena_operation_name(failure->op);
	char	   *fields = error_fields(&failure->error);

	aws_error_free(&failure->error);

	/* what the network sent, without control characters, in our encoding */
	type = fdw_remote_text(type);
	message = fdw_remote_text(message);
	if (request_id)
		request_id = fdw_remote_text(request_id);
	progress = progress ? psprintf(" %s", progress) : "";

	if (kind == ATHENA_FAIL_OUT_OF_MEMORY)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("out of memory"),
				 errdetail("Memory ran out while handling Athena %s%s.",
						   operation, progress)));
	if (kind == ATHENA_FAIL_NETWORK)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("could not reach Athena at \"%s\"%s: %s",
						source->endpoint_text, progress, message),
				 errdetail_plural("Gave up after %d attempt.%s",
								  "Gave up after %d attempts.%s",
								  attempts, attempts, quota),
				 failure->retry_quota_empty ? retry_quota_hint() : 0));

	ereport(ERROR,
			(errcode(sqlstate),
			 kind == ATHENA_FAIL_AWS
			 ? errmsg("Athena %s failed%s: %s: %s",
					  operation, progress, type, message)
			 : errmsg("invalid response from Athena %s%s: %s",
					  operation, progress, message),
			 errdetail_plural("HTTP status %d, x-amzn-RequestId %s, %d attempt.%s%s",
							  "HTTP status %d, x-amzn-RequestId %s, %d attempts.%s%s",
							  attempts, http_status,
							  request_id ? request_id : "(none)", attempts,
							  fields, quota),
			 failure->retry_quota_empty ? retry_quota_hint() : 0));
}

/* fdw_source_next of a scan of calculations */
static bool
next_calculation(FdwSessionSource *source, Datum *values, bool *nulls,
				 char **calculation_id)
{
	AthenaCalculation calculation;
	AthenaFailure failure;
	AthenaFetch fetch;

	fetch = athena_calculation_scan_next(source->calc_scan, &calculation,
										 &failure);
	if (fetch == ATHENA_FETCH_DONE)
	{
		fdw_source_finish(source);
		return false;
	}
	if (fetch == ATHENA_FETCH_FAILED)
		report_failure(source, NULL, &failure);

	/* a conversion ERROR must not leak the malloc'd calculation */
	PG_TRY();
	{
		fdw_fill_row(source->columns, &calculation, values, nulls);
		if (calculation_id != NULL)
			*calculation_id = pstrdup(calculation.calculation_execution_id);
	}
	PG_FINALLY();
	{
		athena_calculation_free(&calculation);
	}
	PG_END_TRY();

	return true;
}

/*
 * The next session of the fan-out, in completion order, as one row of the
 * foreign table in values/nulls (fdw_source_natts() of each), allocated in
 * the current memory context.  If session_id is not NULL, it receives the id
 * the row was asked for, in UTF-8 as given to fdw_source_start().  False
 * once every id is answered; a failed call is an ERROR.
 */
bool
fdw_source_next(FdwSessionSource *source, Datum *values, bool *nulls,
				char **session_id)
{
	AthenaSession session;
	AthenaFailure failure;
	AthenaFetch fetch;

	if (source->calc_scan != NULL)
		return next_calculation(source, values, nulls, session_id);
	if (source->status_scan == NULL)
		return false;

	fetch = athena_session_scan_next(source->status_scan, &session, &failure);
	if (fetch == ATHENA_FETCH_DONE)
	{
		fdw_source_finish(source);
		return false;
	}
	if (fetch == ATHENA_FETCH_FAILED)
		report_failure(source, NULL, &failure);

	/* a conversion ERROR must not leak the malloc'd session */
	PG_TRY();
	{
		/* one struct holds what every call of the scan filled in */
		fdw_fill_row(source->columns, &session, values, nulls);
		if (session_id != NULL)
			*session_id = pstrdup(session.session_id);
	}
	PG_FINALLY();
	{
		athena_session_free(&session);
	}
	PG_END_TRY();

	return true;
}

/*
 * EXPLAIN ANALYZE: what the API calls of this plan node cost; for a
 * listing, and for any scan of calculations, the calls of each operation,
 * and the pages of a listing.
 */
void
fdw_source_explain(const FdwSessionSource *source, bool list, ExplainState *es)
{
	bool		calculations = source->table->kind == FDW_TABLE_CALCULATIONS;

	ExplainPropertyInteger("API Calls", NULL, (int64) source->totals.attempts, es);
	if (list || calculations)
	{
		int			op;

		for (op = 0; op < ATHENA_NUM_OPERATIONS; op++)
		{
			if (source->totals.calls[op] > 0)
				ExplainPropertyInteger(psprintf("%s Calls", athena_operation_name(op)),
									   NULL, (int64) source->totals.calls[op], es);
		}
		if (list)
			ExplainPropertyInteger(psprintf("%s Pages",
											athena_operation_name(calculations ?
																  ATHENA_OP_LIST_CALCULATION_EXECUTIONS :
																  ATHENA_OP_LIST_SESSIONS)),
								   NULL, (int64) source->pages, es);
	}
	ExplainPropertyInteger("API Retries", NULL, (int64) source->totals.retries_total, es);
	/* only when it happened: most plans never meet a quota */
	if (source->totals.throttled > 0 || es->format != EXPLAIN_FORMAT_TEXT)
		ExplainPropertyInteger("API Throttled", NULL,
							   (int64) source->totals.throttled, es);
	if (es->timing)
		ExplainPropertyFloat("API Time", "ms",
							 source->totals.api_usec / 1000.0, 3, es);
}

/* A string malloc'd by the core, palloc'd; freed also if pstrdup fails. */
static char *
take_string(char *s)
{
	char	   *volatile copy = NULL;

	if (s == NULL)
		return NULL;
	PG_TRY();
	{
		copy = pstrdup(s);
	}
	PG_FINALLY();
	{
		free(s);
	}
	PG_END_TRY();
	return copy;
}

/*
 * Calls TerminateSession (of a calculations table, StopCalculationExecution)
 * for ids (distinct, UTF-8), max_concurrency at a time.  states[i] gets the State answered for ids[i] (allocated in the
 * current memory context) and terminated[i] whether the call was accepted;
 * a session already gone is neither, and no error.  Returns how many were
 * terminated.  After the first failure no further id is sent, the calls
 * already on their way finish, and the ERROR says how many sessions the
 * statement terminated: terminated_before (earlier calls of the same
 * statement) and these.
 */
int64
fdw_source_terminate(FdwSessionSource *source, const char *const *ids, int nids,
					 char **states, bool *terminated, int64 terminated_before)
{
	AthenaTermination termination;
	AthenaFailure failure;
	AthenaFetch fetch;
	AthenaCallStats stats;
	int64		count = 0;

	if (nids == 0)
		return 0;
	refresh_credentials(source);
	source->terminations = athena_terminations_begin(source->client,
													 &source->config,
													 terminate_op(source),
													 ids, nids,
													 check_interrupts, NULL);
	if (source->terminations == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	while ((fetch = athena_terminations_next(source->terminations,
											 &termination,
											 &failure)) != ATHENA_FETCH_DONE)
	{
		if (fetch == ATHENA_FETCH_FAILED)
		{
			if (source->failed)
				aws_error_free(&failure.error);
			else
			{
				source->first_failure = failure;
				source->failed = true;
				athena_terminations_stop(source->terminations);
			}
			continue;
		}
		terminated[termination.item] = true;
		count++;
		/* at once: a FATAL can end the backend before this call returns */
		fdw_delete_progress_add(ids[termination.item],
								source->table->kind == FDW_TABLE_CALCULATIONS);
		states[termination.item] = take_string(termination.state);
	}

	source->terminated += count;
	athena_terminations_stats(source->terminations, &stats);
	source->terminate_totals.attempts += stats.attempts;
	source->terminate_totals.api_usec += stats.api_usec;
	athena_terminations_end(source->terminations);
	source->terminations = NULL;

	if (source->failed)
	{
		int64		total = terminated_before + count;

		failure = source->first_failure;
		source->failed = false; /* report_failure frees it */
		report_failure(source,
					   source->table->kind == FDW_TABLE_CALCULATIONS ?
					   psprintf(ngettext("after %lld calculation was stopped",
										 "after %lld calculations were stopped",
										 total),
								(long long) total) :
					   psprintf(ngettext("after %lld session was terminated",
										 "after %lld sessions were terminated",
										 total),
								(long long) total),
					   &failure);
	}
	return count;
}

/* EXPLAIN ANALYZE: the sessions terminated and what the calls cost. */
void
fdw_source_explain_terminations(const FdwSessionSource *source, ExplainState *es)
{
	const char *op = athena_operation_name(terminate_op(source));

	ExplainPropertyInteger(source->table->kind == FDW_TABLE_CALCULATIONS ?
						   "Calculations Stopped" : "Sessions Terminated",
						   NULL, source->terminated, es);
	ExplainPropertyInteger(psprintf("%s Calls", op), NULL,
						   (int64) source->terminate_totals.attempts, es);
	if (es->timing)
		ExplainPropertyFloat(psprintf("%s Time", op), "ms",
							 source->terminate_totals.api_usec / 1000.0, 3, es);
}

/*
 * Calls StartSession (of a calculations table, StartCalculationExecution)
 * for each of args, max_concurrency at a time; ids[i] and states[i] get
 * what the start of args[i] answered (UTF-8, in the current memory
 * context; NULL for a start that failed).  Returns how many were started.
 * After the first failure no further start is sent, the calls already on
 * their way finish, and the ERROR says how many the statement started:
 * started_before (earlier calls of the same statement) and these.
 */
int64
fdw_source_start_new(FdwSessionSource *source, const AthenaStartArgs *args,
					 int n, char **ids, char **states, int64 started_before)
{
	bool		calculations = source->table->kind == FDW_TABLE_CALCULATIONS;
	AthenaStart start;
	AthenaFailure failure;
	AthenaFetch fetch;
	AthenaCallStats stats;
	int64		count = 0;

	if (n == 0)
		return 0;
	refresh_credentials(source);
	source->starts = athena_starts_begin(source->client, &source->config,
										 calculations ?
										 ATHENA_OP_START_CALCULATION_EXECUTION :
										 ATHENA_OP_START_SESSION,
										 args, n, check_interrupts, NULL);
	if (source->starts == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	while ((fetch = athena_starts_next(source->starts, &start,
									   &failure)) != ATHENA_FETCH_DONE)
	{
		if (fetch == ATHENA_FETCH_FAILED)
		{
			if (source->failed)
				aws_error_free(&failure.error);
			else
			{
				source->first_failure = failure;
				source->failed = true;
				athena_starts_stop(source->starts);
			}
			continue;
		}
		count++;
		ids[start.item] = take_string(start.started.id);
		states[start.item] = take_string(start.started.state);
	}

	source->started += count;
	athena_starts_stats(source->starts, &stats);
	source->start_totals.attempts += stats.attempts;
	source->start_totals.api_usec += stats.api_usec;
	athena_starts_end(source->starts);
	source->starts = NULL;

	if (source->failed)
	{
		int64		total = started_before + count;

		failure = source->first_failure;
		source->failed = false; /* report_failure frees it */
		report_failure(source,
					   calculations ?
					   psprintf(ngettext("after %lld calculation was started",
										 "after %lld calculations were started",
										 total),
								(long long) total) :
					   psprintf(ngettext("after %lld session was started",
										 "after %lld sessions were started",
										 total),
								(long long) total),
					   &failure);
	}
	return count;
}

/* EXPLAIN ANALYZE: what INSERT started and what the calls cost. */
void
fdw_source_explain_starts(const FdwSessionSource *source, ExplainState *es)
{
	bool		calculations = source->table->kind == FDW_TABLE_CALCULATIONS;
	const char *op = athena_operation_name(calculations ?
										   ATHENA_OP_START_CALCULATION_EXECUTION :
										   ATHENA_OP_START_SESSION);

	ExplainPropertyInteger(calculations ? "Calculations Started" :
						   "Sessions Started", NULL, source->started, es);
	ExplainPropertyInteger(psprintf("%s Calls", op), NULL,
						   (int64) source->start_totals.attempts, es);
	if (es->timing)
		ExplainPropertyFloat(psprintf("%s Time", op), "ms",
							 source->start_totals.api_usec / 1000.0, 3, es);
}

void
fdw_source_destroy(FdwSessionSource *source)
{
	fdw_source_finish(source);
	MemoryContextDelete(source->cxt);
}

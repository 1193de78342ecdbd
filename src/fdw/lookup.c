/*
 * lookup.c
 *		The executor side of the API: one client, one credential set and one
 *		column map per plan node, and the scans it runs through the core (a
 *		fan-out of distinct ids, or a listing), turned into rows of the
 *		foreign table.
 *
 * Shared by the foreign scan (athena_fdw.c), which runs one scan per
 * (re)scan, the batched join (join_scan.c), which runs one fan-out per
 * batch of outer rows, and DELETE (modify.c), which sends TerminateSession
 * for the rows it kept.  Everything lives in one memory context; the curl handles and
 * malloc'd buffers of the core are released by its reset callback, so an
 * ERROR thrown anywhere leaks nothing.
 */
#include "postgres.h"

#include "commands/explain.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "athena_fdw.h"

struct FdwLookup
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
	bool		details;		/* GetSession for each row */
	const char *workgroup_option[1];	/* the table's, else the server's, in
										 * UTF-8; NULL if neither */
	AthenaSessionScan *status_scan; /* the scan under way, if any */
	uint64		pages;			/* ListSessions pages, over all scans */
	AthenaCallStats totals;		/* over all fan-outs, for EXPLAIN ANALYZE */
	AthenaTerminations *terminations;	/* TerminateSession calls under way */
	AthenaFailure first_failure;	/* of those, while the rest finish */
	bool		failed;
	int64		terminated;		/* sessions terminated, for EXPLAIN ANALYZE */
	AthenaCallStats terminate_totals;
	FdwRateLimit rate_limit;	/* what the core's rate gate asks */
};

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
	FdwLookup  *lookup = (FdwLookup *) arg;

	if (lookup->status_scan != NULL)
	{
		athena_session_scan_end(lookup->status_scan);
		lookup->status_scan = NULL;
	}
	if (lookup->terminations != NULL)
	{
		athena_terminations_end(lookup->terminations);
		lookup->terminations = NULL;
	}
	if (lookup->failed)
	{
		aws_error_free(&lookup->first_failure.error);
		lookup->failed = false;
	}
	if (lookup->client != NULL)
	{
		fdw_client_release(lookup->client);
		lookup->client = NULL;
	}
	fdw_rate_limit_release(&lookup->rate_limit);
	endpoint_free(&lookup->endpoint);
}

/*
 * The option validator refuses what the client cannot use, but a value
 * stored before it did, or a default built from the region, still gets the
 * same parser's reason rather than failing later.
 */
static void
parse_endpoint(FdwLookup *lookup)
{
	char		reason[256];

	if (!endpoint_parse(lookup->endpoint_text, &lookup->endpoint,
						reason, sizeof(reason)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"endpoint\": %s", reason),
				 errdetail("The endpoint is \"%s\".", lookup->endpoint_text)));
}

/*
 * AWS said the scan's credentials expired: new ones, for the requests
 * that got the answer and every later one (AthenaRenewFn).
 */
static bool
renew_credentials(void *arg, AthenaCredentials *fresh)
{
	FdwLookup  *lookup = arg;
	MemoryContext oldcxt = MemoryContextSwitchTo(lookup->cxt);
	bool		renewed;

	renewed = fdw_renew_credentials(lookup->server, lookup->user,
									&lookup->options, lookup->client,
									&lookup->config.credentials);
	MemoryContextSwitchTo(oldcxt);
	*fresh = lookup->config.credentials;
	return renewed;
}

/*
 * Each scan, batch of a join or set of terminations reads the credentials
 * anew when they are about to expire, so a long statement never signs with
 * keys past their time.
 */
static void
refresh_credentials(FdwLookup *lookup)
{
	MemoryContext oldcxt;

	if (!fdw_credentials_expiring(&lookup->config.credentials))
		return;
	oldcxt = MemoryContextSwitchTo(lookup->cxt);
	fdw_get_credentials(lookup->server, lookup->user, &lookup->options,
						lookup->client, &lookup->config.credentials);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * Sets up the scans of foreign table rel for one plan node, signing as
 * userid, in a child of the current memory context; with details, each row
 * comes from GetSession.
 */
/* Only these columns are read (fdw_columns_read_only). */
void
fdw_lookup_read_only(FdwLookup *lookup, List *attnos)
{
	fdw_columns_read_only(lookup->columns, attnos);
}

FdwLookup *
fdw_lookup_create(Relation rel, Oid userid, bool details)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "athena_fdw lookup",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	FdwLookup  *lookup = palloc0(sizeof(FdwLookup));
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(userid, server->serverid);
	MemoryContextCallback *callback;
	FdwOptions *options = &lookup->options;

	lookup->cxt = cxt;
	lookup->details = details;
	lookup->server = server;
	lookup->user = user;
	fdw_get_options(server, table, user, options);
	if (options->workgroup != NULL)
		lookup->workgroup_option[0] = pg_server_to_any(options->workgroup,
													   strlen(options->workgroup),
													   PG_UTF8);
	fdw_resolve_endpoint(server, options);
	lookup->endpoint_text = options->endpoint;
	lookup->config.endpoint = &lookup->endpoint;
	lookup->config.region = options->region;
	lookup->config.http.max_concurrency = options->max_concurrency;
	lookup->config.http.connect_timeout_ms = options->connect_timeout_ms;
	lookup->config.http.request_timeout_ms = options->request_timeout_ms;
	lookup->config.http.max_retries = options->max_retries;
	lookup->config.http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	lookup->config.http.user_agent = ATHENA_USER_AGENT;
	lookup->config.http.ca_file = options->ca_file;
	lookup->config.http.rate_gate.acquire = fdw_rate_limit_acquire;
	lookup->config.http.rate_gate.on_answer = fdw_rate_limit_on_answer;
	lookup->config.http.rate_gate.arg = &lookup->rate_limit;
	lookup->columns = fdw_map_columns(rel);

	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = release_lookup_resources;
	callback->arg = lookup;
	MemoryContextRegisterResetCallback(cxt, callback);
	parse_endpoint(lookup);
	lookup->client = fdw_client_acquire(user);
	lookup->config.http.retry_quota = http_client_retry_quota(lookup->client);
	/* may call STS or metadata endpoints through this client */
	fdw_get_credentials(server, user, options, lookup->client,
						&lookup->config.credentials);
	lookup->config.renew_credentials = renew_credentials;
	lookup->config.renew_arg = lookup;
	/* with the credentials: the learnt rate is per access key */
	fdw_rate_limit_init(&lookup->rate_limit, server, options,
						&lookup->config.credentials);

	MemoryContextSwitchTo(oldcxt);
	return lookup;
}

/* The number of columns of the rows fdw_lookup_next() fills. */
int
fdw_lookup_natts(const FdwLookup *lookup)
{
	return lookup->columns->natts;
}

/* Starts a scan of spec; a scan still under way is ended first. */
static void
start_scan(FdwLookup *lookup, AthenaScanSpec *spec)
{
	spec->details = lookup->details;
	refresh_credentials(lookup);
	lookup->status_scan = athena_session_scan_begin(lookup->client,
													&lookup->config, spec,
													check_interrupts, NULL);
	if (lookup->status_scan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

/*
 * Sends the requests for ids (distinct, non-NULL, UTF-8; they must stay
 * valid until the fan-out ends).  A scan still under way is ended first.
 */
void
fdw_lookup_start(FdwLookup *lookup, const char *const *ids, int nids)
{
	AthenaScanSpec spec;

	fdw_lookup_finish(lookup);
	if (nids == 0)
		return;
	memset(&spec, 0, sizeof(spec));
	spec.lookup = true;
	spec.ids = ids;
	spec.nids = nids;
	start_scan(lookup, &spec);
}

/*
 * Lists the sessions of workgroups with states as StateFilter (distinct,
 * non-NULL, UTF-8; valid until the listing ends).  nworkgroups < 0: no
 * condition named any, so the workgroup option, else every Spark
 * workgroup; nstates < 0: no state filter.  0 of either lists nothing.
 */
void
fdw_lookup_start_list(FdwLookup *lookup, const char *const *workgroups,
					  int nworkgroups, const char *const *states, int nstates)
{
	AthenaScanSpec spec;

	fdw_lookup_finish(lookup);
	if (nworkgroups == 0 || nstates == 0)
		return;
	memset(&spec, 0, sizeof(spec));
	if (nworkgroups < 0 && lookup->workgroup_option[0] != NULL)
	{
		workgroups = lookup->workgroup_option;
		nworkgroups = 1;
	}
	spec.workgroups = workgroups;
	spec.nworkgroups = Max(nworkgroups, 0);
	spec.states = states;
	spec.nstates = Max(nstates, 0);
	start_scan(lookup, &spec);
}

/* Ends the fan-out under way, if any, keeping its statistics. */
void
fdw_lookup_finish(FdwLookup *lookup)
{
	AthenaScanStats scan_stats;
	const AthenaCallStats *stats = &scan_stats.calls;
	int			op;

	if (lookup->status_scan == NULL)
		return;

	athena_session_scan_stats(lookup->status_scan, &scan_stats);
	for (op = 0; op < ATHENA_NUM_OPERATIONS; op++)
	{
		lookup->totals.calls[op] += stats->calls[op];
		lookup->totals.retries[op] += stats->retries[op];
	}
	lookup->pages += scan_stats.pages;
	lookup->totals.attempts += stats->attempts;
	lookup->totals.retries_total += stats->retries_total;
	lookup->totals.throttled += stats->throttled;
	lookup->totals.api_usec += stats->api_usec;
	lookup->totals.peak_in_flight = Max(lookup->totals.peak_in_flight,
										stats->peak_in_flight);
	athena_session_scan_end(lookup->status_scan);
	lookup->status_scan = NULL;
}

static int
failure_sqlstate(const AthenaFailure *failure)
{
	if (failure->kind == ATHENA_FAIL_NETWORK)
		return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
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
report_failure(FdwLookup *lookup, const char *progress, AthenaFailure *failure)
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

	if (kind == ATHENA_FAIL_NETWORK)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("could not reach Athena at \"%s\"%s: %s",
						lookup->endpoint_text, progress, message),
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

/*
 * The next session of the fan-out, in completion order, as one row of the
 * foreign table in values/nulls (fdw_lookup_natts() of each), allocated in
 * the current memory context.  If session_id is not NULL, it receives the id
 * the row was asked for, in UTF-8 as given to fdw_lookup_start().  False
 * once every id is answered; a failed call is an ERROR.
 */
bool
fdw_lookup_next(FdwLookup *lookup, Datum *values, bool *nulls,
				char **session_id)
{
	AthenaSession session;
	AthenaFailure failure;
	AthenaFetch fetch;

	if (lookup->status_scan == NULL)
		return false;

	fetch = athena_session_scan_next(lookup->status_scan, &session, &failure);
	if (fetch == ATHENA_FETCH_DONE)
	{
		fdw_lookup_finish(lookup);
		return false;
	}
	if (fetch == ATHENA_FETCH_FAILED)
		report_failure(lookup, NULL, &failure);

	/* a conversion ERROR must not leak the malloc'd session */
	PG_TRY();
	{
		const void *sources[FDW_NUM_SOURCES];

		/* one struct holds what every call of the scan filled in */
		sources[FDW_SOURCE_STATUS] = &session;
		sources[FDW_SOURCE_LIST_ITEM] = &session;
		sources[FDW_SOURCE_DETAILS] = &session;
		fdw_fill_row(lookup->columns, sources, values, nulls);
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
 * listing, the calls of each operation and the pages.
 */
void
fdw_lookup_explain(const FdwLookup *lookup, bool list, ExplainState *es)
{
	ExplainPropertyInteger("API Calls", NULL, (int64) lookup->totals.attempts, es);
	if (list)
	{
		int			op;

		for (op = 0; op < ATHENA_NUM_OPERATIONS; op++)
		{
			if (lookup->totals.calls[op] > 0)
				ExplainPropertyInteger(psprintf("%s Calls", athena_operation_name(op)),
									   NULL, (int64) lookup->totals.calls[op], es);
		}
		ExplainPropertyInteger("ListSessions Pages", NULL, (int64) lookup->pages, es);
	}
	ExplainPropertyInteger("API Retries", NULL, (int64) lookup->totals.retries_total, es);
	/* only when it happened: most plans never meet a quota */
	if (lookup->totals.throttled > 0 || es->format != EXPLAIN_FORMAT_TEXT)
		ExplainPropertyInteger("API Throttled", NULL,
							   (int64) lookup->totals.throttled, es);
	if (es->timing)
		ExplainPropertyFloat("API Time", "ms",
							 lookup->totals.api_usec / 1000.0, 3, es);
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
 * Calls TerminateSession for ids (distinct, UTF-8), max_concurrency at a
 * time.  states[i] gets the State answered for ids[i] (allocated in the
 * current memory context) and terminated[i] whether the call was accepted;
 * a session already gone is neither, and no error.  Returns how many were
 * terminated.  After the first failure no further id is sent, the calls
 * already on their way finish, and the ERROR says how many sessions the
 * statement terminated: terminated_before (earlier calls of the same
 * statement) and these.
 */
int64
fdw_lookup_terminate(FdwLookup *lookup, const char *const *ids, int nids,
					 char **states, bool *terminated, int64 terminated_before)
{
	AthenaTermination termination;
	AthenaFailure failure;
	AthenaFetch fetch;
	AthenaCallStats stats;
	int64		count = 0;

	if (nids == 0)
		return 0;
	refresh_credentials(lookup);
	lookup->terminations = athena_terminations_begin(lookup->client,
													 &lookup->config,
													 ids, nids,
													 check_interrupts, NULL);
	if (lookup->terminations == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	while ((fetch = athena_terminations_next(lookup->terminations,
											 &termination,
											 &failure)) != ATHENA_FETCH_DONE)
	{
		if (fetch == ATHENA_FETCH_FAILED)
		{
			if (lookup->failed)
				aws_error_free(&failure.error);
			else
			{
				lookup->first_failure = failure;
				lookup->failed = true;
				athena_terminations_stop(lookup->terminations);
			}
			continue;
		}
		terminated[termination.item] = true;
		count++;
		/* at once: a FATAL can end the backend before this call returns */
		fdw_delete_progress_add(ids[termination.item]);
		states[termination.item] = take_string(termination.state);
	}

	lookup->terminated += count;
	athena_terminations_stats(lookup->terminations, &stats);
	lookup->terminate_totals.attempts += stats.attempts;
	lookup->terminate_totals.api_usec += stats.api_usec;
	athena_terminations_end(lookup->terminations);
	lookup->terminations = NULL;

	if (lookup->failed)
	{
		int64		total = terminated_before + count;

		failure = lookup->first_failure;
		lookup->failed = false; /* report_failure frees it */
		report_failure(lookup,
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
fdw_lookup_explain_terminations(const FdwLookup *lookup, ExplainState *es)
{
	const char *op = athena_operation_name(ATHENA_OP_TERMINATE_SESSION);

	ExplainPropertyInteger("Sessions Terminated", NULL, lookup->terminated, es);
	ExplainPropertyInteger(psprintf("%s Calls", op), NULL,
						   (int64) lookup->terminate_totals.attempts, es);
	if (es->timing)
		ExplainPropertyFloat(psprintf("%s Time", op), "ms",
							 lookup->terminate_totals.api_usec / 1000.0, 3, es);
}

void
fdw_lookup_destroy(FdwLookup *lookup)
{
	fdw_lookup_finish(lookup);
	MemoryContextDelete(lookup->cxt);
}

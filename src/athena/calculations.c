/*
 * calculations.c
 *		Lookups and listings of calculations on top of the signed-call
 *		engine, and of sessions.c's listing for "every session".
 *
 * Each row is an item: a calculation id (asked for, or listed) with the
 * calls the query needs for it in flight; the row is handed out once every
 * one of them answered, the answers merged (a status and a code answer make
 * one row).  An item one of whose calls says "not found" is no row.
 *
 * Listings ask for pages lazily, as sessions.c's do: the next pages are
 * requested only when no page is on its way and, without calls per row,
 * every row received was handed out, or, with them, fewer than two windows
 * of rows are waiting for answers.  The listing of every session first
 * reads the session listing to its end (sessions are few; their
 * calculations many), then lists each session's calculations.
 *
 * Pure C, no PostgreSQL headers.
 */
#include "calculations.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One ListCalculationExecutions listing: a session, maybe a state filter. */
typedef struct Listing
{
	const char *session_id;		/* the spec's, or one of owned_sessions */
	const char *state;			/* StateFilter, or NULL */
	char	   *next_token;		/* of the next page to ask for */
	bool		in_flight;
	bool		done;
} Listing;

/* A row on its way: its calculation and the calls still to answer. */
typedef struct Item
{
	AthenaCalculation calc;
	const char *asked;			/* lookup: the id asked for */
	int			pending;		/* calls not answered yet */
	bool		gone;			/* a call said "not found" */
	bool		in_use;
} Item;

struct AthenaCalculationScan
{
	HttpClient *client;
	const AthenaClientConfig *config;	/* the caller's: valid until the scan
										 * ends, credentials renewed there */
	HttpInterruptFn check_interrupts;
	void	   *interrupt_arg;
	AthenaCalls *calls;
	AthenaCalculationSpec spec;
	int			window;

	/* every_session: the session listing, read to its end first */
	AthenaSessionScan *sessions;
	AthenaScanStats session_stats;
	char	  **owned_sessions;
	int			nowned;
	int			owned_cap;

	Listing    *listings;
	int			nlistings;
	int			listings_cap;
	int			pages_in_flight;
	uint64_t	pages;

	/* items, indexed by their calls' tag */
	Item	   *items;
	int			nitems;			/* slots ever used */
	int			items_cap;
	int		   *free_items;		/* stack of free slots */
	int			nfree;
	int			free_cap;
	int			items_waiting;	/* rows with calls in flight */

	/* items whose calls all answered, oldest first */
	int		   *ready;
	int			ready_head;
	int			nready;
	int			ready_cap;
};

#define TAG(i) ((void *) (intptr_t) (i))
#define TAG_INDEX(tag) ((int) (intptr_t) (tag))

/* CalculationExecutionState's values in Athena's model. */
static const char *const calculation_states[] = {
	"CREATING", "CREATED", "QUEUED", "RUNNING", "CANCELING", "CANCELED",
	"COMPLETED", "FAILED", NULL
};

/* The states that have not ended (and are not ending). */
static const char *const stoppable_states[] = {
	"CREATING", "CREATED", "QUEUED", "RUNNING", NULL
};

static bool
one_of(const char *value, const char *const *values)
{
	if (value == NULL)
		return false;
	for (; *values != NULL; values++)
		if (strcmp(value, *values) == 0)
			return true;
	return false;
}

bool
athena_calculation_id_possible(const char *id)
{
	return athena_id_possible(id, ATHENA_CALCULATION_ID_MAX_CHARS);
}

bool
athena_calculation_state_possible(const char *state)
{
	return one_of(state, calculation_states);
}

bool
athena_calculation_state_stoppable(const char *state)
{
	return one_of(state, stoppable_states);
}

/* Grows *array to hold one more element of size elsize. */
static bool
reserve(void **array, int *cap, int n, size_t elsize)
{
	void	   *a;
	int			newcap;

	if (n < *cap)
		return true;
	newcap = *cap > 0 ? *cap * 2 : 16;
	a = realloc(*array, newcap * elsize);
	if (a == NULL)
		return false;
	*array = a;
	*cap = newcap;
	return true;
}

static void
request_args(void *arg, AthenaOperation op, void *tag, AthenaRequestArgs *args)
{
	AthenaCalculationScan *scan = arg;
	int			i = TAG_INDEX(tag);

	if (op == ATHENA_OP_LIST_CALCULATION_EXECUTIONS)
	{
		args->session_id = scan->listings[i].session_id;
		args->state_filter = scan->listings[i].state;
		args->max_results = ATHENA_LIST_CALCULATIONS_PAGE;
		args->next_token = scan->listings[i].next_token;
	}
	else
		args->calculation_id = scan->items[i].asked != NULL ?
			scan->items[i].asked : scan->items[i].calc.calculation_execution_id;
}

/* A listing of session_id per state filter (or one without a filter). */
static bool
add_listings(AthenaCalculationScan *scan, const char *session_id)
{
	int			nstates = scan->spec.nstates > 0 ? scan->spec.nstates : 1;
	int			i;

	for (i = 0; i < nstates; i++)
	{
		Listing    *l;

		if (!reserve((void **) &scan->listings, &scan->listings_cap,
					 scan->nlistings, sizeof(Listing)))
			return false;
		l = &scan->listings[scan->nlistings++];
		memset(l, 0, sizeof(*l));
		l->session_id = session_id;
		l->state = scan->spec.nstates > 0 ? scan->spec.states[i] : NULL;
	}
	return true;
}

/* A free item slot, zeroed and in use; -1 on out of memory. */
static int
new_item(AthenaCalculationScan *scan)
{
	int			slot;

	if (scan->nfree > 0)
		slot = scan->free_items[--scan->nfree];
	else
	{
		/* the free stack can hold every slot, so releasing never fails */
		if (!reserve((void **) &scan->free_items, &scan->free_cap,
					 scan->nitems, sizeof(int)) ||
			!reserve((void **) &scan->items, &scan->items_cap,
					 scan->nitems, sizeof(Item)))
			return -1;
		slot = scan->nitems++;
	}
	memset(&scan->items[slot], 0, sizeof(Item));
	scan->items[slot].in_use = true;
	return slot;
}

static void
release_item(AthenaCalculationScan *scan, int slot)
{
	athena_calculation_free(&scan->items[slot].calc);
	scan->items[slot].in_use = false;
	scan->free_items[scan->nfree++] = slot;
}

/* Queues item slot as a finished row; false on out of memory. */
static bool
push_ready(AthenaCalculationScan *scan, int slot)
{
	if (scan->ready_head > 0 && scan->ready_head == scan->nready)
		scan->ready_head = scan->nready = 0;
	if (!reserve((void **) &scan->ready, &scan->ready_cap, scan->nready,
				 sizeof(int)))
		return false;
	scan->ready[scan->nready++] = slot;
	return true;
}

/*
 * The calls of one row: a lookup's always ask something (an id nobody
 * answers for is no row); a listed row may need none.
 */
static bool
add_item_calls(AthenaCalculationScan *scan, int slot)
{
	int			calls = scan->spec.calls;
	Item	   *item = &scan->items[slot];

	if (scan->spec.lookup &&
		!(calls & (ATHENA_CALC_STATUS | ATHENA_CALC_DETAILS | ATHENA_CALC_CODE)))
		calls |= ATHENA_CALC_STATUS;
	if (calls & ATHENA_CALC_DETAILS)
	{
		if (!athena_calls_add(scan->calls, ATHENA_OP_GET_CALCULATION_EXECUTION,
							  TAG(slot)))
			return false;
		item->pending++;
	}
	else if (calls & ATHENA_CALC_STATUS)
	{
		if (!athena_calls_add(scan->calls,
							  ATHENA_OP_GET_CALCULATION_EXECUTION_STATUS,
							  TAG(slot)))
			return false;
		item->pending++;
	}
	if (calls & ATHENA_CALC_CODE)
	{
		if (!athena_calls_add(scan->calls,
							  ATHENA_OP_GET_CALCULATION_EXECUTION_CODE,
							  TAG(slot)))
			return false;
		item->pending++;
	}
	if (item->pending > 0)
		scan->items_waiting++;
	return item->pending > 0 || push_ready(scan, slot);
}

static bool
start_calls(AthenaCalculationScan *scan)
{
	scan->calls = athena_calls_begin(scan->client, scan->config,
									 scan->spec.lookup ? scan->spec.nids : 0,
									 request_args, scan,
									 scan->check_interrupts,
									 scan->interrupt_arg);
	return scan->calls != NULL;
}

AthenaCalculationScan *
athena_calculation_scan_begin(HttpClient *client,
							  const AthenaClientConfig *config,
							  const AthenaCalculationSpec *spec,
							  HttpInterruptFn check_interrupts,
							  void *interrupt_arg)
{
	AthenaCalculationScan *scan = calloc(1, sizeof(AthenaCalculationScan));
	int			i;

	if (scan == NULL)
		return NULL;
	scan->client = client;
	scan->config = config;
	scan->check_interrupts = check_interrupts;
	scan->interrupt_arg = interrupt_arg;
	scan->spec = *spec;
	scan->window = config->http.max_concurrency > 0 ? config->http.max_concurrency : 1;

	if (spec->every_session)
	{
		AthenaScanSpec sessions;

		memset(&sessions, 0, sizeof(sessions));
		sessions.workgroups = spec->workgroups;
		sessions.nworkgroups = spec->nworkgroups;
		scan->sessions = athena_session_scan_begin(client, config, &sessions,
												   check_interrupts,
												   interrupt_arg);
		if (scan->sessions == NULL)
			goto fail;
		return scan;
	}

	if (spec->lookup)
	{
		int			possible = 0;

		for (i = 0; i < spec->nids; i++)
			possible += athena_calculation_id_possible(spec->ids[i]);
		/* nothing to send: no calls at all */
		if (possible == 0)
			return scan;
	}
	if (!start_calls(scan))
		goto fail;
	for (i = 0; spec->lookup && i < spec->nids; i++)
	{
		int			slot;

		if (!athena_calculation_id_possible(spec->ids[i]))
			continue;
		if ((slot = new_item(scan)) < 0)
			goto fail;
		scan->items[slot].asked = spec->ids[i];
		if (!add_item_calls(scan, slot))
			goto fail;
	}
	for (i = 0; !spec->lookup && i < spec->nsessions; i++)
	{
		if (athena_session_id_possible(spec->session_ids[i]) &&
			!add_listings(scan, spec->session_ids[i]))
			goto fail;
	}
	return scan;

fail:
	athena_calculation_scan_end(scan);
	return NULL;
}

/* Whether the rows on hand and on their way leave room for more pages. */
static bool
want_pages(const AthenaCalculationScan *scan)
{
	if (scan->pages_in_flight > 0)
		return false;
	if (scan->items_waiting > 0)
		return scan->items_waiting < 2 * scan->window;
	return scan->ready_head == scan->nready;
}

static bool
request_pages(AthenaCalculationScan *scan)
{
	int			i;

	if (!want_pages(scan))
		return true;
	for (i = 0; i < scan->nlistings; i++)
	{
		Listing    *l = &scan->listings[i];

		if (l->done || l->in_flight)
			continue;
		if (!athena_calls_add(scan->calls, ATHENA_OP_LIST_CALCULATION_EXECUTIONS,
							  TAG(i)))
			return false;
		l->in_flight = true;
		scan->pages_in_flight++;
	}
	return true;
}

static bool
copy_string(char **dest, const char *src)
{
	char	   *copy = strdup(src);

	if (copy == NULL)
		return false;
	free(*dest);
	*dest = copy;
	return true;
}

typedef enum ReplyOutcome
{
	REPLY_FAILED,
	REPLY_NOTHING				/* handled */
} ReplyOutcome;

static ReplyOutcome
out_of_memory(AthenaReply *reply)
{
	athena_reply_out_of_memory(reply);
	return REPLY_FAILED;
}

/* One call of an item answered (or not found): the row may be complete. */
static ReplyOutcome
item_answered(AthenaCalculationScan *scan, AthenaReply *reply, int slot)
{
	Item	   *item = &scan->items[slot];

	if (--item->pending > 0)
		return REPLY_NOTHING;
	scan->items_waiting--;
	if (item->gone)
	{
		release_item(scan, slot);
		return REPLY_NOTHING;
	}
	if (item->calc.calculation_execution_id == NULL &&
		!copy_string(&item->calc.calculation_execution_id, item->asked))
		return out_of_memory(reply);
	return push_ready(scan, slot) ? REPLY_NOTHING : out_of_memory(reply);
}

static ReplyOutcome
item_reply(AthenaCalculationScan *scan, AthenaReply *reply)
{
	int			slot = TAG_INDEX(reply->tag);
	Item	   *item = &scan->items[slot];
	const char *asked = item->asked != NULL ? item->asked :
	item->calc.calculation_execution_id;
	AthenaCalculation answer;
	char		reason[256] = "";

	if (!athena_operation(reply->op)->parse(reply->body, reply->body_len,
											&answer, reason, sizeof(reason)))
	{
		athena_reply_malformed(reply, reason);
		return REPLY_FAILED;
	}

	/*
	 * An answer about another calculation than the one asked for is not a row
	 * of this condition (see sessions.c's session_reply).
	 */
	if (answer.calculation_execution_id != NULL &&
		strcmp(answer.calculation_execution_id, asked) != 0)
	{
		item->gone = true;
		athena_calculation_free(&answer);
	}
	else
	{
		/* the newer answer wins; what it lacks, the row had */
		athena_calculation_merge(&answer, &item->calc);
		athena_calculation_free(&item->calc);
		item->calc = answer;
	}
	return item_answered(scan, reply, slot);
}

static ReplyOutcome
list_reply(AthenaCalculationScan *scan, AthenaReply *reply)
{
	Listing    *l = &scan->listings[TAG_INDEX(reply->tag)];
	AthenaCalculationPage page;
	char		reason[256] = "";
	int			i;

	l->in_flight = false;
	scan->pages_in_flight--;
	if (!athena_parse_list_calculations(reply->body, reply->body_len, &page,
										reason, sizeof(reason)))
	{
		athena_reply_malformed(reply, reason);
		return REPLY_FAILED;
	}
	scan->pages++;
	free(l->next_token);
	l->next_token = page.next_token;
	page.next_token = NULL;
	l->done = l->next_token == NULL;

	for (i = 0; i < page.ncalculations; i++)
	{
		int			slot = new_item(scan);

		if (slot < 0)
		{
			athena_calculation_page_free(&page);
			return out_of_memory(reply);
		}
		/* the row moves into the item */
		scan->items[slot].calc = page.calculations[i];
		memset(&page.calculations[i], 0, sizeof(AthenaCalculation));
		if (!copy_string(&scan->items[slot].calc.session_id, l->session_id) ||
			!add_item_calls(scan, slot))
		{
			release_item(scan, slot);
			athena_calculation_page_free(&page);
			return out_of_memory(reply);
		}
	}
	athena_calculation_page_free(&page);
	return REPLY_NOTHING;
}

/* An error answer: an unknown calculation or session is no row. */
static ReplyOutcome
failure_reply(AthenaCalculationScan *scan, AthenaReply *reply)
{
	AthenaFailure *f = &reply->failure;
	bool		not_found = f->kind == ATHENA_FAIL_AWS &&
	f->error.error_class == AWS_ERROR_NOT_FOUND;

	if (reply->op == ATHENA_OP_LIST_CALCULATION_EXECUTIONS)
	{
		Listing    *l = &scan->listings[TAG_INDEX(reply->tag)];

		l->in_flight = false;
		scan->pages_in_flight--;
		if (!not_found)
			return REPLY_FAILED;
		l->done = true;
		aws_error_free(&f->error);
		return REPLY_NOTHING;
	}
	if (!not_found)
		return REPLY_FAILED;
	aws_error_free(&f->error);
	scan->items[TAG_INDEX(reply->tag)].gone = true;
	return item_answered(scan, reply, TAG_INDEX(reply->tag));
}

static AthenaFetch
fail_out_of_memory(AthenaFailure *failure)
{
	failure->kind = ATHENA_FAIL_OUT_OF_MEMORY;
	aws_error_set(0, "OutOfMemory", 11, "out of memory", 13, NULL,
				  &failure->error);
	return ATHENA_FETCH_FAILED;
}

/*
 * Reads the session listing of every_session to its end, a listing of
 * calculations per session found; then starts the calculation calls.
 */
static AthenaFetch
read_sessions(AthenaCalculationScan *scan, AthenaFailure *failure)
{
	for (;;)
	{
		AthenaSession session;
		AthenaFetch fetch = athena_session_scan_next(scan->sessions, &session,
													 failure);

		if (fetch == ATHENA_FETCH_FAILED)
			return fetch;
		if (fetch == ATHENA_FETCH_DONE)
			break;
		if (!reserve((void **) &scan->owned_sessions, &scan->owned_cap,
					 scan->nowned, sizeof(char *)))
		{
			athena_session_free(&session);
			return fail_out_of_memory(failure);
		}
		/* the id moves to owned_sessions */
		scan->owned_sessions[scan->nowned++] = session.session_id;
		session.session_id = NULL;
		athena_session_free(&session);
		if (!add_listings(scan, scan->owned_sessions[scan->nowned - 1]))
			return fail_out_of_memory(failure);
	}
	athena_session_scan_stats(scan->sessions, &scan->session_stats);
	athena_session_scan_end(scan->sessions);
	scan->sessions = NULL;
	if (scan->nlistings > 0 && !start_calls(scan))
		return fail_out_of_memory(failure);
	return ATHENA_FETCH_ROW;
}

AthenaFetch
athena_calculation_scan_next(AthenaCalculationScan *scan,
							 AthenaCalculation *calculation,
							 AthenaFailure *failure)
{
	memset(calculation, 0, sizeof(*calculation));
	memset(failure, 0, sizeof(*failure));
	if (scan->sessions != NULL &&
		read_sessions(scan, failure) == ATHENA_FETCH_FAILED)
		return ATHENA_FETCH_FAILED;
	if (scan->calls == NULL)
		return ATHENA_FETCH_DONE;

	for (;;)
	{
		AthenaReply reply;
		ReplyOutcome outcome;

		if (scan->ready_head < scan->nready)
		{
			int			slot = scan->ready[scan->ready_head++];

			/* the row moves to the caller */
			*calculation = scan->items[slot].calc;
			memset(&scan->items[slot].calc, 0, sizeof(AthenaCalculation));
			release_item(scan, slot);
			return ATHENA_FETCH_ROW;
		}
		if (!scan->spec.lookup && !request_pages(scan))
			return fail_out_of_memory(failure);

		/* may longjmp: nothing of ours is live across it */
		if (!athena_calls_next(scan->calls, &reply))
			return ATHENA_FETCH_DONE;

		if (!reply.ok)
			outcome = failure_reply(scan, &reply);
		else if (reply.op == ATHENA_OP_LIST_CALCULATION_EXECUTIONS)
			outcome = list_reply(scan, &reply);
		else
			outcome = item_reply(scan, &reply);

		if (outcome == REPLY_FAILED)
		{
			*failure = reply.failure;	/* the error moves to the caller */
			athena_reply_release(&reply);
			return ATHENA_FETCH_FAILED;
		}
		athena_reply_release(&reply);
	}
}

void
athena_calculation_scan_stats(const AthenaCalculationScan *scan,
							  AthenaScanStats *stats)
{
	AthenaScanStats sessions = scan->session_stats;
	int			op;

	memset(stats, 0, sizeof(*stats));
	if (scan->sessions != NULL)
		athena_session_scan_stats(scan->sessions, &sessions);
	if (scan->calls != NULL)
		athena_calls_stats(scan->calls, &stats->calls);
	for (op = 0; op < ATHENA_NUM_OPERATIONS; op++)
	{
		stats->calls.calls[op] += sessions.calls.calls[op];
		stats->calls.retries[op] += sessions.calls.retries[op];
	}
	stats->calls.attempts += sessions.calls.attempts;
	stats->calls.retries_total += sessions.calls.retries_total;
	stats->calls.throttled += sessions.calls.throttled;
	stats->calls.api_usec += sessions.calls.api_usec;
	if (sessions.calls.peak_in_flight > stats->calls.peak_in_flight)
		stats->calls.peak_in_flight = sessions.calls.peak_in_flight;
	stats->pages = scan->pages;
}

void
athena_calculation_scan_end(AthenaCalculationScan *scan)
{
	int			i;

	if (scan == NULL)
		return;
	athena_session_scan_end(scan->sessions);
	athena_calls_end(scan->calls);
	for (i = 0; i < scan->nlistings; i++)
		free(scan->listings[i].next_token);
	free(scan->listings);
	for (i = 0; i < scan->nowned; i++)
		free(scan->owned_sessions[i]);
	free(scan->owned_sessions);
	for (i = 0; i < scan->nitems; i++)
	{
		if (scan->items[i].in_use)
			athena_calculation_free(&scan->items[i].calc);
	}
	free(scan->items);
	free(scan->free_items);
	free(scan->ready);
	free(scan);
}

/*
 * sessions.c
 *		Lookups, listings and terminations of sessions on top of the
 *		signed-call engine.
 *
 * A listing asks for pages lazily: without details, the next pages are
 * requested only when every row received has been handed out and no page
 * is on its way, so a LIMIT 5 over one workgroup reads one page.  With
 * details, each listed row becomes a GetSession call, and the next page is
 * requested once fewer than two windows of those calls remain, so that the
 * window stays full without reading far ahead.  Listings of several
 * workgroups (and state filters) share the window and run side by side.
 *
 * Terminations (TerminateSession per id) share the same machinery.
 *
 * Pure C, no PostgreSQL headers.
 */
#include "sessions.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One ListSessions listing: a workgroup, with or without a state filter. */
typedef struct Listing
{
	const char *workgroup;		/* the spec's, or one of owned_names */
	const char *state;			/* StateFilter, or NULL */
	char	   *next_token;		/* of the next page to ask for */
	bool		in_flight;
	bool		done;
} Listing;

/* A page of listed sessions on its way to becoming rows. */
typedef struct ReadyPage
{
	struct ReadyPage *next;
	AthenaSessionPage page;
	int			cursor;			/* sessions before it were handed out */
} ReadyPage;

/* A listed session waiting for its GetSession answer. */
typedef struct PendingRow
{
	AthenaSession listed;
	const char *workgroup;
	bool		in_use;
} PendingRow;

struct AthenaSessionScan
{
	AthenaCalls *calls;
	AthenaScanSpec spec;
	int			window;			/* calls in flight at once */

	/* listings */
	Listing    *listings;
	int			nlistings;
	int			listings_cap;
	char	  **owned_names;	/* workgroups found by ListWorkGroups */
	int			nowned;
	int			owned_cap;
	bool		discovering;	/* ListWorkGroups pages remain */
	bool		discovery_in_flight;
	char	   *work_groups_token;
	int			pages_in_flight;
	uint64_t	pages;
	ReadyPage  *ready_head;
	ReadyPage  *ready_tail;

	/* listed rows waiting for GetSession, indexed by the call's tag */
	PendingRow *pending;
	int			npending;		/* slots ever used */
	int			pending_cap;
	int		   *free_pending;	/* stack of free slots */
	int			nfree_pending;
	int			free_cap;
	int			details_in_flight;
};

#define TAG(i) ((void *) (intptr_t) (i))
#define TAG_INDEX(tag) ((int) (intptr_t) (tag))

bool
athena_session_id_possible(const char *id)
{
	return athena_id_possible(id, ATHENA_SESSION_ID_MAX_CHARS);
}

bool
athena_id_possible(const char *id, size_t max_chars)
{
	size_t		chars = 0;
	const unsigned char *p;

	if (id == NULL || id[0] == '\0')
		return false;
	/* characters, not bytes: count all but UTF-8 continuation bytes */
	for (p = (const unsigned char *) id; *p; p++)
	{
		if ((*p & 0xC0) != 0x80 && ++chars > max_chars)
			return false;
	}
	return true;
}

/* SessionState's values in Athena's model (botocore's service-2.json). */
static const char *const session_states[] = {
	"CREATING", "CREATED", "IDLE", "BUSY", "TERMINATING", "TERMINATED",
	"DEGRADED", "FAILED", NULL
};

bool
athena_session_state_possible(const char *state)
{
	const char *const *s;

	if (state == NULL)
		return false;
	for (s = session_states; *s != NULL; s++)
		if (strcmp(state, *s) == 0)
			return true;
	return false;
}

bool
athena_workgroup_possible(const char *name)
{
	size_t		n = 0;

	if (name == NULL)
		return false;
	for (; name[n] != '\0'; n++)
	{
		char		c = name[n];

		if (n >= 128 ||
			!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

static void
request_args(void *arg, AthenaOperation op, void *tag, AthenaRequestArgs *args)
{
	AthenaSessionScan *scan = arg;
	int			i = TAG_INDEX(tag);

	switch (op)
	{
		case ATHENA_OP_GET_SESSION_STATUS:
		case ATHENA_OP_GET_SESSION:
			args->session_id = scan->spec.lookup ? scan->spec.ids[i] :
				scan->pending[i].listed.session_id;
			break;
		case ATHENA_OP_LIST_SESSIONS:
			args->workgroup = scan->listings[i].workgroup;
			args->state_filter = scan->listings[i].state;
			args->max_results = ATHENA_LIST_SESSIONS_PAGE;
			args->next_token = scan->listings[i].next_token;
			break;
		case ATHENA_OP_LIST_WORK_GROUPS:
			args->max_results = ATHENA_LIST_WORK_GROUPS_PAGE;
			args->next_token = scan->work_groups_token;
			break;
		default:				/* never part of a session scan */
			break;
	}
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

/* A listing of workgroup per state filter (or one without a filter). */
static bool
add_listings(AthenaSessionScan *scan, const char *workgroup)
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
		l->workgroup = workgroup;
		l->state = scan->spec.nstates > 0 ? scan->spec.states[i] : NULL;
	}
	return true;
}

AthenaSessionScan *
athena_session_scan_begin(HttpClient *client, const AthenaClientConfig *config,
						  const AthenaScanSpec *spec,
						  HttpInterruptFn check_interrupts, void *interrupt_arg)
{
	AthenaSessionScan *scan = calloc(1, sizeof(AthenaSessionScan));
	int			expected = 0;
	int			i;

	if (scan == NULL)
		return NULL;
	scan->spec = *spec;
	scan->window = config->http.max_concurrency > 0 ? config->http.max_concurrency : 1;

	if (spec->lookup)
	{
		for (i = 0; i < spec->nids; i++)
			expected += athena_session_id_possible(spec->ids[i]);
		/* nothing to send: no calls at all */
		if (expected == 0)
			return scan;
	}
	scan->calls = athena_calls_begin(client, config, expected, request_args, scan,
									 check_interrupts, interrupt_arg);
	if (scan->calls == NULL)
		goto fail;

	if (spec->lookup)
	{
		AthenaOperation op = spec->details ? ATHENA_OP_GET_SESSION :
		ATHENA_OP_GET_SESSION_STATUS;

		for (i = 0; i < spec->nids; i++)
		{
			if (athena_session_id_possible(spec->ids[i]) &&
				!athena_calls_add(scan->calls, op, TAG(i)))
				goto fail;
		}
	}
	else if (spec->nworkgroups == 0)
		scan->discovering = true;
	else
	{
		for (i = 0; i < spec->nworkgroups; i++)
		{
			if (!add_listings(scan, spec->workgroups[i]))
				goto fail;
		}
	}
	return scan;

fail:
	athena_session_scan_end(scan);
	return NULL;
}

AthenaSessionScan *
athena_session_scan_lookup(HttpClient *client, const AthenaClientConfig *config,
						   const char *const *ids, int nids, bool details,
						   HttpInterruptFn check_interrupts, void *interrupt_arg)
{
	AthenaScanSpec spec;

	memset(&spec, 0, sizeof(spec));
	spec.lookup = true;
	spec.ids = ids;
	spec.nids = nids;
	spec.details = details;
	return athena_session_scan_begin(client, config, &spec, check_interrupts,
									 interrupt_arg);
}

/* Whether the rows on hand and on their way leave room for more pages. */
static bool
want_pages(const AthenaSessionScan *scan)
{
	if (scan->pages_in_flight > 0)
		return false;
	if (scan->spec.details)
		return scan->details_in_flight < 2 * scan->window;
	return scan->ready_head == NULL;
}

/* Asks for the next page of every listing that has one; false on OOM. */
static bool
request_pages(AthenaSessionScan *scan)
{
	int			i;

	if (!want_pages(scan))
		return true;
	if (scan->discovering && !scan->discovery_in_flight)
	{
		if (!athena_calls_add(scan->calls, ATHENA_OP_LIST_WORK_GROUPS, NULL))
			return false;
		scan->discovery_in_flight = true;
		scan->pages_in_flight++;
	}
	for (i = 0; i < scan->nlistings; i++)
	{
		Listing    *l = &scan->listings[i];

		if (l->done || l->in_flight)
			continue;
		if (!athena_calls_add(scan->calls, ATHENA_OP_LIST_SESSIONS, TAG(i)))
			return false;
		l->in_flight = true;
		scan->pages_in_flight++;
	}
	return true;
}

/* Hands out the next listed row received, if any. */
static bool
take_ready_row(AthenaSessionScan *scan, AthenaSession *session)
{
	while (scan->ready_head != NULL)
	{
		ReadyPage  *r = scan->ready_head;

		if (r->cursor < r->page.nsessions)
		{
			*session = r->page.sessions[r->cursor];
			memset(&r->page.sessions[r->cursor], 0, sizeof(AthenaSession));
			r->cursor++;
			return true;
		}
		scan->ready_head = r->next;
		if (scan->ready_head == NULL)
			scan->ready_tail = NULL;
		athena_session_page_free(&r->page);
		free(r);
	}
	return false;
}

static void
release_pending(AthenaSessionScan *scan, int slot)
{
	athena_session_free(&scan->pending[slot].listed);
	scan->pending[slot].in_use = false;
	scan->free_pending[scan->nfree_pending++] = slot;
	scan->details_in_flight--;
}

/* Queues a GetSession call for a listed session (moved from *listed). */
static bool
add_detail_call(AthenaSessionScan *scan, AthenaSession *listed,
				const char *workgroup)
{
	int			slot;

	if (scan->nfree_pending > 0)
		slot = scan->free_pending[--scan->nfree_pending];
	else
	{
		/* the free stack can hold every slot, so releasing never fails */
		if (!reserve((void **) &scan->free_pending, &scan->free_cap,
					 scan->npending, sizeof(int)) ||
			!reserve((void **) &scan->pending, &scan->pending_cap,
					 scan->npending, sizeof(PendingRow)))
			return false;
		slot = scan->npending++;
	}
	if (!athena_calls_add(scan->calls, ATHENA_OP_GET_SESSION, TAG(slot)))
	{
		scan->free_pending[scan->nfree_pending++] = slot;
		return false;
	}
	scan->pending[slot].listed = *listed;
	scan->pending[slot].workgroup = workgroup;
	scan->pending[slot].in_use = true;
	memset(listed, 0, sizeof(*listed));
	scan->details_in_flight++;
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

static bool
runs_spark(const AthenaWorkGroup *wg)
{
	return wg->state != NULL && strcmp(wg->state, "ENABLED") == 0 &&
		wg->engine_version != NULL && strstr(wg->engine_version, "Spark") != NULL;
}

typedef enum ReplyOutcome
{
	REPLY_ROW,
	REPLY_FAILED,
	REPLY_NOTHING				/* handled; nothing for the caller yet */
} ReplyOutcome;

static ReplyOutcome
out_of_memory(AthenaReply *reply)
{
	athena_reply_out_of_memory(reply);
	return REPLY_FAILED;
}

static ReplyOutcome
session_reply(AthenaSessionScan *scan, AthenaReply *reply,
			  AthenaSession *session)
{
	int			i = TAG_INDEX(reply->tag);
	const char *asked = scan->spec.lookup ? scan->spec.ids[i] :
	scan->pending[i].listed.session_id;
	char		reason[256] = "";
	bool		parsed;

	parsed = athena_operation(reply->op)->parse(reply->body, reply->body_len,
												session, reason, sizeof(reason));
	if (!parsed)
	{
		athena_reply_malformed(reply, reason);
		return REPLY_FAILED;
	}

	/* without it the row could not match its own qual */
	if (session->session_id == NULL)
	{
		if (!copy_string(&session->session_id, asked))
		{
			athena_session_free(session);
			return out_of_memory(reply);
		}
	}
	else if (strcmp(session->session_id, asked) != 0)
	{
		/*
		 * An answer about another session than the one asked for is not a row
		 * of this condition.  Checking it here, against the one id it was
		 * asked for, is what lets the executor skip rechecking session_id =
		 * ANY(ids), which costs a pass over every id for every row.
		 */
		athena_session_free(session);
		if (!scan->spec.lookup)
			release_pending(scan, i);
		return REPLY_NOTHING;
	}

	if (!scan->spec.lookup)
	{
		/* a listed row's workgroup is the one it was listed in */
		bool		ok = copy_string(&session->workgroup, scan->pending[i].workgroup);

		release_pending(scan, i);
		if (!ok)
		{
			athena_session_free(session);
			return out_of_memory(reply);
		}
	}
	return REPLY_ROW;
}

static ReplyOutcome
list_sessions_reply(AthenaSessionScan *scan, AthenaReply *reply)
{
	Listing    *l = &scan->listings[TAG_INDEX(reply->tag)];
	AthenaSessionPage page;
	char		reason[256] = "";
	int			i;

	l->in_flight = false;
	scan->pages_in_flight--;
	if (!athena_parse_list_sessions(reply->body, reply->body_len, &page,
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

	for (i = 0; i < page.nsessions; i++)
	{
		if (!copy_string(&page.sessions[i].workgroup, l->workgroup) ||
			(scan->spec.details &&
			 !add_detail_call(scan, &page.sessions[i], l->workgroup)))
		{
			athena_session_page_free(&page);
			return out_of_memory(reply);
		}
	}
	if (!scan->spec.details && page.nsessions > 0)
	{
		ReadyPage  *r = calloc(1, sizeof(ReadyPage));

		if (r == NULL)
		{
			athena_session_page_free(&page);
			return out_of_memory(reply);
		}
		r->page = page;
		if (scan->ready_tail)
			scan->ready_tail->next = r;
		else
			scan->ready_head = r;
		scan->ready_tail = r;
	}
	else
		athena_session_page_free(&page);
	return REPLY_NOTHING;
}

static ReplyOutcome
list_work_groups_reply(AthenaSessionScan *scan, AthenaReply *reply)
{
	AthenaWorkGroupPage page;
	char		reason[256] = "";
	int			i;

	scan->discovery_in_flight = false;
	scan->pages_in_flight--;
	if (!athena_parse_list_work_groups(reply->body, reply->body_len, &page,
									   reason, sizeof(reason)))
	{
		athena_reply_malformed(reply, reason);
		return REPLY_FAILED;
	}
	free(scan->work_groups_token);
	scan->work_groups_token = page.next_token;
	page.next_token = NULL;
	scan->discovering = scan->work_groups_token != NULL;

	for (i = 0; i < page.nworkgroups; i++)
	{
		AthenaWorkGroup *wg = &page.workgroups[i];

		if (!runs_spark(wg))
			continue;
		if (!reserve((void **) &scan->owned_names, &scan->owned_cap,
					 scan->nowned, sizeof(char *)))
		{
			athena_work_group_page_free(&page);
			return out_of_memory(reply);
		}
		/* the name moves to owned_names */
		scan->owned_names[scan->nowned++] = wg->name;
		wg->name = NULL;
		if (!add_listings(scan, scan->owned_names[scan->nowned - 1]))
		{
			athena_work_group_page_free(&page);
			return out_of_memory(reply);
		}
	}
	athena_work_group_page_free(&page);
	return REPLY_NOTHING;
}

/* An error answer: "not found" and "not Spark" are no rows, not errors. */
static ReplyOutcome
failure_reply(AthenaSessionScan *scan, AthenaReply *reply)
{
	AthenaFailure *f = &reply->failure;

	if (reply->op == ATHENA_OP_LIST_SESSIONS)
	{
		Listing    *l = &scan->listings[TAG_INDEX(reply->tag)];

		l->in_flight = false;
		scan->pages_in_flight--;
		if (f->kind == ATHENA_FAIL_AWS &&
			f->error.error_class == AWS_ERROR_NOT_SPARK)
		{
			l->done = true;
			aws_error_free(&f->error);
			return REPLY_NOTHING;
		}
	}
	else if ((reply->op == ATHENA_OP_GET_SESSION ||
			  reply->op == ATHENA_OP_GET_SESSION_STATUS) &&
			 f->kind == ATHENA_FAIL_AWS && f->error.error_class == AWS_ERROR_NOT_FOUND)
	{
		aws_error_free(&f->error);
		if (!scan->spec.lookup)
			release_pending(scan, TAG_INDEX(reply->tag));
		return REPLY_NOTHING;
	}
	return REPLY_FAILED;
}

AthenaFetch
athena_session_scan_next(AthenaSessionScan *scan, AthenaSession *session,
						 AthenaFailure *failure)
{
	memset(session, 0, sizeof(*session));
	memset(failure, 0, sizeof(*failure));
	if (scan->calls == NULL)
		return ATHENA_FETCH_DONE;

	for (;;)
	{
		AthenaReply reply;
		ReplyOutcome outcome;

		if (take_ready_row(scan, session))
			return ATHENA_FETCH_ROW;
		if (!scan->spec.lookup && !request_pages(scan))
		{
			failure->kind = ATHENA_FAIL_OUT_OF_MEMORY;
			aws_error_set(0, "OutOfMemory", 11, "out of memory", 13, NULL,
						  &failure->error);
			return ATHENA_FETCH_FAILED;
		}

		/* may longjmp: nothing of ours is live across it */
		if (!athena_calls_next(scan->calls, &reply))
			return ATHENA_FETCH_DONE;

		if (!reply.ok)
			outcome = failure_reply(scan, &reply);
		else if (reply.op == ATHENA_OP_LIST_SESSIONS)
			outcome = list_sessions_reply(scan, &reply);
		else if (reply.op == ATHENA_OP_LIST_WORK_GROUPS)
			outcome = list_work_groups_reply(scan, &reply);
		else
			outcome = session_reply(scan, &reply, session);

		if (outcome == REPLY_FAILED)
			*failure = reply.failure;	/* the error moves to the caller */
		athena_reply_release(&reply);
		if (outcome == REPLY_ROW)
			return ATHENA_FETCH_ROW;
		if (outcome == REPLY_FAILED)
			return ATHENA_FETCH_FAILED;
	}
}

void
athena_session_scan_stats(const AthenaSessionScan *scan, AthenaScanStats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (scan->calls != NULL)
		athena_calls_stats(scan->calls, &stats->calls);
	stats->pages = scan->pages;
}

void
athena_session_scan_end(AthenaSessionScan *scan)
{
	int			i;

	if (scan == NULL)
		return;
	athena_calls_end(scan->calls);
	for (i = 0; i < scan->nlistings; i++)
		free(scan->listings[i].next_token);
	free(scan->listings);
	for (i = 0; i < scan->nowned; i++)
		free(scan->owned_names[i]);
	free(scan->owned_names);
	free(scan->work_groups_token);
	while (scan->ready_head != NULL)
	{
		ReadyPage  *r = scan->ready_head;

		scan->ready_head = r->next;
		athena_session_page_free(&r->page);
		free(r);
	}
	for (i = 0; i < scan->npending; i++)
	{
		if (scan->pending[i].in_use)
			athena_session_free(&scan->pending[i].listed);
	}
	free(scan->pending);
	free(scan->free_pending);
	free(scan);
}

/* ---- terminations ---- */

struct AthenaTerminations
{
	AthenaCalls *calls;
	const char *const *ids;
};

static void
termination_args(void *arg, AthenaOperation op, void *tag,
				 AthenaRequestArgs *args)
{
	AthenaTerminations *t = arg;

	if (op == ATHENA_OP_STOP_CALCULATION_EXECUTION)
		args->calculation_id = t->ids[TAG_INDEX(tag)];
	else
		args->session_id = t->ids[TAG_INDEX(tag)];
}

AthenaTerminations *
athena_terminations_begin(HttpClient *client, const AthenaClientConfig *config,
						  AthenaOperation op, const char *const *ids, int nids,
						  HttpInterruptFn check_interrupts, void *interrupt_arg)
{
	AthenaTerminations *t = calloc(1, sizeof(AthenaTerminations));
	size_t		max_chars = op == ATHENA_OP_STOP_CALCULATION_EXECUTION ?
	ATHENA_CALCULATION_ID_MAX_CHARS : ATHENA_SESSION_ID_MAX_CHARS;
	int			i;

	if (t == NULL)
		return NULL;
	t->ids = ids;
	t->calls = athena_calls_begin(client, config, nids, termination_args, t,
								  check_interrupts, interrupt_arg);
	if (t->calls == NULL)
		goto fail;
	for (i = 0; i < nids; i++)
	{
		if (athena_id_possible(ids[i], max_chars) &&
			!athena_calls_add(t->calls, op, TAG(i)))
			goto fail;
	}
	return t;

fail:
	athena_terminations_end(t);
	return NULL;
}

AthenaFetch
athena_terminations_next(AthenaTerminations *t, AthenaTermination *termination,
						 AthenaFailure *failure)
{
	memset(failure, 0, sizeof(*failure));
	for (;;)
	{
		AthenaReply reply;
		char		reason[256] = "";

		/* may longjmp: nothing of ours is live across it */
		if (!athena_calls_next(t->calls, &reply))
			return ATHENA_FETCH_DONE;
		if (reply.ok &&
			athena_parse_terminate_session(reply.body, reply.body_len,
										   &termination->state,
										   reason, sizeof(reason)))
		{
			termination->item = TAG_INDEX(reply.tag);
			athena_reply_release(&reply);
			return ATHENA_FETCH_ROW;
		}
		if (reply.ok)
			athena_reply_malformed(&reply, reason);
		else if (reply.failure.kind == ATHENA_FAIL_AWS &&
				 reply.failure.error.error_class == AWS_ERROR_NOT_FOUND)
		{
			/* the session is gone already: nothing was terminated */
			aws_error_free(&reply.failure.error);
			athena_reply_release(&reply);
			continue;
		}
		*failure = reply.failure;	/* the error moves to the caller */
		athena_reply_release(&reply);
		return ATHENA_FETCH_FAILED;
	}
}

void
athena_terminations_stop(AthenaTerminations *t)
{
	athena_calls_stop(t->calls);
}

void
athena_terminations_stats(const AthenaTerminations *t, AthenaCallStats *stats)
{
	athena_calls_stats(t->calls, stats);
}

void
athena_terminations_end(AthenaTerminations *t)
{
	if (t == NULL)
		return;
	athena_calls_end(t->calls);
	free(t);
}

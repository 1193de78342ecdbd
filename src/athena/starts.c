/*
 * starts.c
 *		StartSession and StartCalculationExecution calls (starts.h).
 *
 * Pure C, no PostgreSQL headers.
 */
#include "starts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct AthenaStarts
{
	AthenaCalls *calls;
	const AthenaStartArgs *args;
};

#define TAG(i) ((void *) (intptr_t) (i))
#define TAG_INDEX(tag) ((int) (intptr_t) (tag))

/* Every attempt gets the same arguments, its token included. */
static void
start_args(void *arg, AthenaOperation op, void *tag, AthenaRequestArgs *args)
{
	AthenaStarts *s = arg;

	(void) op;
	args->start = &s->args[TAG_INDEX(tag)];
}

AthenaStarts *
athena_starts_begin(HttpClient *client, const AthenaClientConfig *config,
					AthenaOperation op, const AthenaStartArgs *args, int n,
					HttpInterruptFn check_interrupts, void *interrupt_arg)
{
	AthenaStarts *s = calloc(1, sizeof(AthenaStarts));
	int			i;

	if (s == NULL)
		return NULL;
	s->args = args;
	s->calls = athena_calls_begin(client, config, n, start_args, s,
								  check_interrupts, interrupt_arg);
	if (s->calls == NULL)
		goto fail;
	for (i = 0; i < n; i++)
	{
		if (!athena_calls_add(s->calls, op, TAG(i)))
			goto fail;
	}
	return s;

fail:
	athena_starts_end(s);
	return NULL;
}

AthenaFetch
athena_starts_next(AthenaStarts *s, AthenaStart *start, AthenaFailure *failure)
{
	AthenaReply reply;
	char		reason[256] = "";

	memset(start, 0, sizeof(*start));
	memset(failure, 0, sizeof(*failure));
	/* may longjmp: nothing of ours is live across it */
	if (!athena_calls_next(s->calls, &reply))
		return ATHENA_FETCH_DONE;
	if (reply.ok &&
		athena_operation(reply.op)->parse(reply.body, reply.body_len,
										  &start->started,
										  reason, sizeof(reason)))
	{
		start->item = TAG_INDEX(reply.tag);
		athena_reply_release(&reply);
		return ATHENA_FETCH_ROW;
	}
	if (reply.ok)
		athena_reply_malformed(&reply, reason);
	*failure = reply.failure;	/* the error moves to the caller */
	athena_reply_release(&reply);
	return ATHENA_FETCH_FAILED;
}

void
athena_starts_stop(AthenaStarts *s)
{
	athena_calls_stop(s->calls);
}

void
athena_starts_stats(const AthenaStarts *s, AthenaCallStats *stats)
{
	athena_calls_stats(s->calls, stats);
}

void
athena_starts_end(AthenaStarts *s)
{
	if (s == NULL)
		return;
	athena_calls_end(s->calls);
	free(s);
}

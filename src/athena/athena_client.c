/*
 * athena_client.c
 *		Signed Athena calls through one open HTTP batch: one POST per call,
 *		answers handed back as 200 bodies or classified failures.
 *
 * Pure C, no PostgreSQL headers.  Each attempt is signed afresh (its own
 * X-Amz-Date), with the derived signing key cached for the process.
 */
#include "athena_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_keys.h"
#include "aws_request.h"

/*
 * The derived signing key, for every scan of the process: a parameterized
 * rescan (one per outer row of a nested loop) and the next query sign with
 * the key derived first, until the date, region or secret changes (the
 * cache compares the secret's SHA-256).  The process has no threads.
 */
static SigV4KeyCache signing_key_cache;

/* One call: what it is and whose it is. */
typedef struct Call
{
	AthenaOperation op;
	void	   *tag;
} Call;

struct AthenaCalls
{
	HttpBatch  *batch;
	Call	   *calls;			/* indexed by the batch's item number */
	int			ncalls;
	int			calls_cap;
	AthenaArgsFn args_fn;
	void	   *args_arg;
	HttpOptions http;
	HttpInterruptFn check_interrupts;	/* the caller's, with its arg */
	void	   *interrupt_arg;
	uint64_t	calls_by_op[ATHENA_NUM_OPERATIONS];
	uint64_t	retries_by_op[ATHENA_NUM_OPERATIONS];

	/* copied from the config, so the caller's may go away */
	char	   *url;			/* endpoint URL with its trailing "/" */
	char	   *path;			/* path of url, as signed */
	char	   *host;			/* Host header value: host[:port] */
	char	   *region;
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	char	   *user_agent;
	char	   *ca_file;
	AthenaRenewFn renew;		/* the config's, with its arg */
	void	   *renew_arg;
	int			renewal;		/* 0: not asked, 1: renewed, -1: could not */

	/* per-attempt buffers, kept until the next attempt is prepared */
	char	   *body;
	AwsSignedPost signed_post;	/* the header lines sent; holds the token */
};

static char *
dup_or_null(const char *s, bool *ok)
{
	char	   *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*ok = false;
	return d;
}

/*
 * Signs attempt `attempt` of one call; leaves req->url NULL if it cannot.
 * One list of headers is signed and then sent.
 */
static void
prepare_request(void *arg, int item, int attempt, HttpRequest *req)
{
	AthenaCalls *calls = arg;
	const Call *call = &calls->calls[item];
	const AthenaOperationInfo *operation = athena_operation(call->op);
	AthenaRequestArgs args;
	AwsPost		post;
	size_t		body_len = 0;

	free(calls->body);
	calls->body = NULL;
	req->url = NULL;

	calls->calls_by_op[call->op]++;
	if (attempt > 1)
		calls->retries_by_op[call->op]++;

	memset(&args, 0, sizeof(args));
	calls->args_fn(calls->args_arg, call->op, call->tag, &args);
	calls->body = operation->build(&args, &body_len);
	if (calls->body == NULL)
		return;

	memset(&post, 0, sizeof(post));
	post.host = calls->host;
	post.path = calls->path;
	post.region = calls->region;
	post.service = "athena";
	post.content_type = AWS_JSON_CONTENT_TYPE;
	post.target = operation->target;
	post.access_key_id = calls->access_key_id;
	post.secret_access_key = calls->secret_access_key;
	post.session_token = calls->session_token;
	post.body = calls->body;
	post.body_len = body_len;
	if (!aws_sign_post(&post, &signing_key_cache, &calls->signed_post))
		return;

	req->url = calls->url;
	req->headers = calls->signed_post.lines;
	req->nheaders = calls->signed_post.nlines;
	req->body = calls->body;
	req->body_len = body_len;
	req->operation = operation->name;
}

static void
calls_interrupts(void *arg)
{
	AthenaCalls *calls = arg;

	calls->check_interrupts(calls->interrupt_arg);
}

/*
 * Makes the calls sign with copies of cred, wiping the keys they held; false
 * when memory ran out (the old keys are kept).
 */
static bool
take_credentials(AthenaCalls *calls, const AthenaCredentials *cred)
{
	bool		ok = true;
	char	   *key = dup_or_null(cred->access_key_id ? cred->access_key_id : "",
								  &ok);
	char	   *secret = dup_or_null(cred->secret_access_key ?
									 cred->secret_access_key : "", &ok);
	char	   *token = dup_or_null(cred->session_token, &ok);

	if (!ok)
	{
		free(key);
		aws_secret_free(secret);
		aws_secret_free(token);
		return false;
	}
	free(calls->access_key_id);
	aws_secret_free(calls->secret_access_key);
	aws_secret_free(calls->session_token);
	calls->access_key_id = key;
	calls->secret_access_key = secret;
	calls->session_token = token;
	return true;
}

/*
 * Signs the calls' later attempts with renewed credentials, asked for once:
 * whether there are some.  An ERROR while renewing leaves the calls as they
 * were, never asking again.
 */
static bool
renew_credentials(AthenaCalls *calls)
{
	AthenaCredentials fresh;

	if (calls->renewal != 0 || calls->renew == NULL)
		return calls->renewal > 0;
	calls->renewal = -1;
	memset(&fresh, 0, sizeof(fresh));
	if (!calls->renew(calls->renew_arg, &fresh) ||	/* may longjmp */
		!take_credentials(calls, &fresh))
		return false;
	calls->renewal = 1;
	return true;
}

/* What AWS answers a request signed with temporary keys past their time. */
static bool
is_expired_token(const AwsError *err)
{
	return strcmp(err->type, "ExpiredTokenException") == 0 ||
		strcmp(err->type, "ExpiredToken") == 0;
}

static HttpRetryVerdict
should_retry(void *arg, const HttpResult *r)
{
	AthenaCalls *calls = arg;
	AwsError	err;
	HttpRetryVerdict verdict;
	bool		expired;

	if (r->outcome != HTTP_RESPONSE || r->http_status < 400)
		return aws_retry_verdict(r, NULL, true);
	aws_error_decode((int) r->http_status, r->error_type, r->request_id,
					 r->body, r->body_len, &err);
	verdict = aws_retry_verdict(r, &err, true);
	expired = is_expired_token(&err);
	aws_error_free(&err);

	/*
	 * Expired keys: renewed once for all the calls (the requests sent with
	 * the old ones retry with the new), as the SDKs refresh and retry.
	 */
	if (expired && r->attempts <= calls->http.max_retries &&
		renew_credentials(calls))
		verdict = HTTP_RETRY_BACKOFF;
	return verdict;
}

AthenaCalls *
athena_calls_begin(HttpClient *client, const AthenaClientConfig *config,
				   int expected_calls, AthenaArgsFn args, void *args_arg,
				   HttpInterruptFn check_interrupts, void *interrupt_arg)
{
	AthenaCalls *calls;
	const AthenaCredentials *cred = &config->credentials;
	bool		ok = true;

	calls = calloc(1, sizeof(AthenaCalls));
	if (calls == NULL)
		return NULL;
	calls->args_fn = args;
	calls->args_arg = args_arg;
	calls->check_interrupts = check_interrupts;
	calls->interrupt_arg = interrupt_arg;

	calls->region = dup_or_null(config->region ? config->region : "", &ok);
	ok = take_credentials(calls, cred) && ok;
	calls->renew = config->renew_credentials;
	calls->renew_arg = config->renew_arg;
	calls->user_agent = dup_or_null(config->http.user_agent ?
									config->http.user_agent : ATHENA_USER_AGENT, &ok);
	calls->ca_file = dup_or_null(config->http.ca_file, &ok);
	calls->url = dup_or_null(config->endpoint->url, &ok);
	calls->path = dup_or_null(config->endpoint->path, &ok);
	calls->host = dup_or_null(config->endpoint->host, &ok);
	if (!ok)
		goto fail;
	if (expected_calls > 0)
	{
		calls->calls = malloc(expected_calls * sizeof(Call));
		if (calls->calls == NULL)
			goto fail;
		calls->calls_cap = expected_calls;
	}

	calls->http = config->http;
	calls->http.user_agent = calls->user_agent;
	calls->http.ca_file = calls->ca_file;
	if (calls->http.max_body_bytes == 0)
		calls->http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	/* no more slots than calls: each slot keeps a connection warm */
	if (expected_calls > 0 && calls->http.max_concurrency > expected_calls)
		calls->http.max_concurrency = expected_calls;

	/*
	 * An open batch, which gets each call as it is added.  The engine has one
	 * arg for all callbacks: ours, then the caller's.
	 */
	calls->batch = http_batch_begin(client, &calls->http, 0,
									prepare_request, should_retry,
									check_interrupts ? calls_interrupts : NULL,
									calls);
	if (calls->batch == NULL)
		goto fail;
	return calls;

fail:
	athena_calls_end(calls);
	return NULL;
}

bool
athena_calls_add(AthenaCalls *calls, AthenaOperation op, void *tag)
{
	if (calls->ncalls == calls->calls_cap)
	{
		int			newcap = calls->calls_cap > 0 ? calls->calls_cap * 2 : 64;
		Call	   *c = realloc(calls->calls, newcap * sizeof(Call));

		if (c == NULL)
			return false;
		calls->calls = c;
		calls->calls_cap = newcap;
	}
	calls->calls[calls->ncalls].op = op;
	calls->calls[calls->ncalls].tag = tag;
	calls->ncalls++;
	http_batch_add_items(calls->batch, 1);
	return true;
}

/* Fills *err with a failure of ours, cleaned as AWS's errors are. */
static void
make_error(AwsError *err, int status, const char *type,
		   const char *message, const char *request_id)
{
	aws_error_set(status, type, strlen(type), message, strlen(message),
				  request_id, err);
}

/* Classifies an attempt's final result into reply->failure. */
static void
classify_failure(const HttpResult *r, AthenaReply *reply)
{
	AthenaFailure *failure = &reply->failure;
	int			status = (int) r->http_status;

	if (r->outcome == HTTP_RESPONSE && status >= 400)
	{
		aws_error_decode(status, r->error_type, r->request_id,
						 r->body, r->body_len, &failure->error);
		failure->kind = ATHENA_FAIL_AWS;
	}
	else if (r->outcome == HTTP_RESPONSE)
	{
		char		msg[128];

		if (status >= 300 && status < 400)
		{
			snprintf(msg, sizeof(msg),
					 "redirect not followed (HTTP status %d)", status);
			make_error(&failure->error, status, "RedirectNotFollowed", msg,
					   r->request_id);
		}
		else
		{
			snprintf(msg, sizeof(msg), "unexpected HTTP status %d", status);
			make_error(&failure->error, status, "UnexpectedStatus", msg,
					   r->request_id);
		}
		failure->kind = ATHENA_FAIL_BAD_RESPONSE;
	}
	else if (r->outcome == HTTP_BODY_TOO_LARGE)
	{
		failure->kind = ATHENA_FAIL_BAD_RESPONSE;
		make_error(&failure->error, status, "ResponseTooLarge",
				   r->error_text, r->request_id);
	}
	else
	{
		failure->kind = ATHENA_FAIL_NETWORK;
		make_error(&failure->error, 0,
				   r->outcome == HTTP_TIMEOUT ? "Timeout" :
				   r->outcome == HTTP_TLS_ERROR ? "TLSError" :
				   r->outcome == HTTP_UNSAFE_REQUEST ? "UnsafeRequest" :
				   "NetworkError",
				   r->error_text, NULL);
	}
}

bool
athena_calls_next(AthenaCalls *calls, AthenaReply *reply)
{
	HttpResult *r;

	memset(reply, 0, sizeof(*reply));

	/*
	 * Nothing of ours is live across this call: a longjmp out of it leaves
	 * only what athena_calls_end frees anyway.
	 */
	r = http_batch_next(calls->batch);
	if (r == NULL)
		return false;

	reply->op = calls->calls[r->item].op;
	reply->tag = calls->calls[r->item].tag;
	reply->result = r;
	reply->failure.op = reply->op;
	reply->failure.attempts = r->attempts;
	reply->failure.retry_quota_empty = r->retry_quota_empty;
	if (r->outcome == HTTP_RESPONSE && r->http_status == 200)
	{
		reply->ok = true;
		reply->body = r->body;
		reply->body_len = r->body_len;
	}
	else
		classify_failure(r, reply);
	return true;
}

void
athena_reply_malformed(AthenaReply *reply, const char *reason)
{
	/* the reason alone: the caller's message names the operation */
	reply->ok = false;
	reply->failure.kind = ATHENA_FAIL_BAD_RESPONSE;
	make_error(&reply->failure.error, (int) reply->result->http_status,
			   "MalformedResponse", reason[0] ? reason : "unparsable response",
			   reply->result->request_id);
}

void
athena_reply_out_of_memory(AthenaReply *reply)
{
	athena_reply_malformed(reply, "out of memory");
	reply->failure.kind = ATHENA_FAIL_OUT_OF_MEMORY;
}

void
athena_reply_release(AthenaReply *reply)
{
	http_batch_result_free(reply->result);
	reply->result = NULL;
	reply->body = NULL;
}

void
athena_calls_stop(AthenaCalls *calls)
{
	http_batch_stop(calls->batch);
}

void
athena_calls_stats(const AthenaCalls *calls, AthenaCallStats *stats)
{
	const HttpStats *h = http_batch_stats(calls->batch);

	memset(stats, 0, sizeof(*stats));
	memcpy(stats->calls, calls->calls_by_op, sizeof(stats->calls));
	memcpy(stats->retries, calls->retries_by_op, sizeof(stats->retries));
	stats->attempts = h->attempts;
	stats->retries_total = h->retries;
	stats->throttled = h->throttled;
	stats->api_usec = h->api_usec;
	stats->peak_in_flight = h->peak_in_flight;
}

void
athena_calls_end(AthenaCalls *calls)
{
	if (calls == NULL)
		return;
	if (calls->batch != NULL)
		http_batch_end(calls->batch);
	free(calls->calls);
	free(calls->body);
	aws_signed_post_free(&calls->signed_post);
	free(calls->url);
	free(calls->path);
	free(calls->host);
	free(calls->region);
	free(calls->access_key_id);
	aws_secret_free(calls->secret_access_key);
	aws_secret_free(calls->session_token);
	free(calls->user_agent);
	free(calls->ca_file);
	free(calls);
}

/*
 * athena_client.c
 *		GetSessionStatus and TerminateSession for many ids: one signed POST
 *		per id through the HTTP engine, answers parsed into sessions (or the
 *		state a termination left) or classified failures.
 *
 * Pure C, no PostgreSQL headers.  Each attempt is signed afresh (its own
 * X-Amz-Date), with the derived signing key cached for the process.
 */
#include "athena_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retry_policy.h"
#include "sigv4.h"

#define ATHENA_TARGET_STATUS ATHENA_TARGET_PREFIX "GetSessionStatus"
#define ATHENA_TARGET_TERMINATE ATHENA_TARGET_PREFIX "TerminateSession"
#define MAX_HEADERS 10

/*
 * The derived signing key, for every scan of the process: a parameterized
 * rescan (one per outer row of a nested loop) and the next query sign with
 * the key derived first, until the date, region or secret changes (the
 * cache compares the secret's SHA-256).  The process has no threads.
 */
static SigV4KeyCache signing_key_cache;

/* One operation on each of many session ids. */
struct AthenaStatusScan
{
	HttpBatch  *batch;
	const char *const *ids;
	int			nids;
	const char *target;			/* X-Amz-Target value */
	const char *target_line;	/* "X-Amz-Target: " header line */
	HttpOptions http;
	HttpInterruptFn check_interrupts;	/* the caller's, with its arg */
	void	   *interrupt_arg;

	/* copied from the config, so the caller's may go away */
	char	   *url;			/* endpoint + "/" */
	char	   *path;			/* path of url, as signed */
	char	   *host;			/* Host header value: host[:port] */
	char	   *region;
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	char	   *user_agent;
	char	   *ca_file;

	/* constant header lines */
	char	   *host_line;
	char	   *token_line;


	/* per-attempt buffers, kept until the next attempt is prepared */
	char	   *body;
	char	   *auth_line;
	char		date_line[64];
	const char *lines[MAX_HEADERS];
};

/* Frees and wipes a string that may hold a secret. */
static void
free_secret(char *s)
{
	if (s != NULL)
	{
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

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

static char *
concat(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	char	   *s = malloc(la + lb + 1);

	if (s != NULL)
	{
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/*
 * Copy of text that is safe in any message: printable ASCII only, others
 * replaced.  Header values and curl's text are not known to be UTF-8.
 */
static char *
ascii_copy(const char *s)
{
	size_t		len = strlen(s);
	char	   *d = malloc(len + 1);
	size_t		i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		d[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
	}
	d[len] = '\0';
	return d;
}

static void
add_header(SigV4Header *h, size_t *n, const char *name, const char *value)
{
	h[*n].name = name;
	h[*n].value = value;
	(*n)++;
}

/* Signs attempt `attempt` of one id; leaves req->url NULL if it cannot. */
static void
prepare_request(void *arg, int item, int attempt, HttpRequest *req)
{
	AthenaStatusScan *scan = arg;
	SigV4Header sh[5];
	SigV4Request sreq;
	SigV4Params params;
	char		amz_date[17];
	size_t		body_len = 0;
	size_t		nsh = 0;
	char	   *auth;
	int			n = 0;

	(void) attempt;
	free(scan->body);
	scan->body = NULL;
	free_secret(scan->auth_line);
	scan->auth_line = NULL;
	req->url = NULL;

	scan->body = aws_json_get_session_status_body(scan->ids[item], &body_len);
	if (scan->body == NULL)
		return;

	/* a fresh date per attempt: a retry may come seconds later */
	sigv4_format_amz_date(time(NULL), amz_date);
	snprintf(scan->date_line, sizeof(scan->date_line), "X-Amz-Date: %s",
			 amz_date);

	add_header(sh, &nsh, "Host", scan->host);
	add_header(sh, &nsh, "X-Amz-Date", amz_date);
	add_header(sh, &nsh, "X-Amz-Target", scan->target);
	add_header(sh, &nsh, "Content-Type", ATHENA_CONTENT_TYPE);
	if (scan->session_token != NULL)
		add_header(sh, &nsh, "X-Amz-Security-Token", scan->session_token);

	memset(&sreq, 0, sizeof(sreq));
	sreq.method = "POST";
	sreq.path = scan->path;
	sreq.query = NULL;
	sreq.headers = sh;
	sreq.nheaders = nsh;
	sreq.payload = scan->body;
	sreq.payload_len = body_len;
	sreq.normalize_path = true;

	params.access_key_id = scan->access_key_id;
	params.secret_access_key = scan->secret_access_key;
	params.region = scan->region;
	params.service = "athena";
	params.amz_date = amz_date;

	auth = sigv4_authorization(&sreq, &params, &signing_key_cache, NULL, NULL);
	if (auth == NULL)
		return;
	scan->auth_line = concat("Authorization: ", auth);
	free(auth);
	if (scan->auth_line == NULL)
		return;

	scan->lines[n++] = scan->host_line;
	scan->lines[n++] = scan->date_line;
	scan->lines[n++] = scan->target_line;
	scan->lines[n++] = "Content-Type: " ATHENA_CONTENT_TYPE;
	if (scan->token_line != NULL)
		scan->lines[n++] = scan->token_line;
	scan->lines[n++] = scan->auth_line;
	/* unsigned, and curl's defaults we do not need */
	scan->lines[n++] = "Expect:";
	scan->lines[n++] = "Accept:";

	req->url = scan->url;
	req->headers = scan->lines;
	req->nheaders = n;
	req->body = scan->body;
	req->body_len = body_len;
}

static void
scan_interrupts(void *arg)
{
	AthenaStatusScan *scan = arg;

	scan->check_interrupts(scan->interrupt_arg);
}

static bool
should_retry(void *arg, const HttpResult *r)
{
	AwsError err;
	bool		retry;

	(void) arg;
	switch (r->outcome)
	{
		case HTTP_BODY_TOO_LARGE:
			return false;
		case HTTP_NETWORK_ERROR:
		case HTTP_TIMEOUT:
			return retry_is_retryable(true, AWS_ERROR_OTHER);
		case HTTP_RESPONSE:
			break;
	}
	if (r->http_status < 400)
		return false;			/* success, or a redirect we refuse */
	aws_json_decode_error((int) r->http_status, r->error_type, r->request_id,
						r->body, r->body_len, &err);
	retry = retry_is_retryable(false, err.error_class);
	aws_json_error_free(&err);
	return retry;
}

/* Starts sending the operation of target_line on each id. */
static AthenaStatusScan *
requests_begin(HttpClient *client, const AthenaClientConfig *config,
			   const char *target, const char *target_line,
			   const char *const *ids, int nids,
			   HttpInterruptFn check_interrupts, void *arg)
{
	AthenaStatusScan *scan;
	const AthenaCredentials *cred = &config->credentials;
	bool		ok = true;

	scan = calloc(1, sizeof(AthenaStatusScan));
	if (scan == NULL)
		return NULL;
	scan->ids = ids;
	scan->nids = nids;
	scan->target = target;
	scan->target_line = target_line;
	scan->check_interrupts = check_interrupts;
	scan->interrupt_arg = arg;

	scan->region = dup_or_null(config->region ? config->region : "", &ok);
	scan->access_key_id = dup_or_null(cred->access_key_id ? cred->access_key_id : "", &ok);
	scan->secret_access_key = dup_or_null(cred->secret_access_key ? cred->secret_access_key : "", &ok);
	scan->session_token = dup_or_null(cred->session_token, &ok);
	scan->user_agent = dup_or_null(config->http.user_agent ?
								   config->http.user_agent : ATHENA_USER_AGENT, &ok);
	scan->ca_file = dup_or_null(config->http.ca_file, &ok);
	scan->url = dup_or_null(config->endpoint->url, &ok);
	scan->path = dup_or_null(config->endpoint->path, &ok);
	scan->host = dup_or_null(config->endpoint->host, &ok);
	if (!ok)
		goto fail;
	scan->host_line = concat("Host: ", scan->host);
	if (scan->host_line == NULL)
		goto fail;
	if (scan->session_token != NULL)
	{
		scan->token_line = concat("X-Amz-Security-Token: ", scan->session_token);
		if (scan->token_line == NULL)
			goto fail;
	}

	scan->http = config->http;
	scan->http.user_agent = scan->user_agent;
	scan->http.ca_file = scan->ca_file;
	if (scan->http.max_body_bytes == 0)
		scan->http.max_body_bytes = ATHENA_MAX_BODY_BYTES;

	/* the engine has one arg for all callbacks: ours, then the caller's */
	scan->batch = http_batch_begin(client, &scan->http, nids, prepare_request,
								   should_retry,
								   check_interrupts ? scan_interrupts : NULL,
								   scan);
	if (scan->batch == NULL)
		goto fail;
	return scan;

fail:
	athena_client_status_scan_end(scan);
	return NULL;
}

AthenaStatusScan *
athena_client_status_scan_begin(HttpClient *client, const AthenaClientConfig *config,
						 const char *const *ids, int nids,
						 HttpInterruptFn check_interrupts, void *arg)
{
	return requests_begin(client, config, ATHENA_TARGET_STATUS,
						  "X-Amz-Target: " ATHENA_TARGET_STATUS,
						  ids, nids, check_interrupts, arg);
}

AthenaTerminations *
athena_client_terminations_begin(HttpClient *client, const AthenaClientConfig *config,
						  const char *const *ids, int nids,
						  HttpInterruptFn check_interrupts, void *arg)
{
	return requests_begin(client, config, ATHENA_TARGET_TERMINATE,
						  "X-Amz-Target: " ATHENA_TARGET_TERMINATE,
						  ids, nids, check_interrupts, arg);
}

/* Fills *err; falls back on aws_json_decode_error's OOM-safe strings. */
static void
make_error(AwsError *err, int status, const char *type,
		   const char *message, const char *request_id)
{
	memset(err, 0, sizeof(*err));
	err->http_status = status;
	err->type = strdup(type);
	err->message = ascii_copy(message);
	err->request_id = request_id ? ascii_copy(request_id) : NULL;
	if (err->type == NULL || err->message == NULL ||
		(request_id != NULL && err->request_id == NULL))
	{
		free(err->type);
		free(err->message);
		free(err->request_id);
		aws_json_decode_error(status, "OutOfMemory", NULL, NULL, 0, err);
	}
}

/*
 * Classifies an attempt that is not a 200 answer (or a 200 that did not
 * parse: reason).  Returns false, with failure->error freed, when the
 * answer says the session does not exist: that is no row, not a failure.
 */
static bool
classify_failure(const HttpResult *r, const char *reason, AthenaFailure *failure)
{
	int			status = (int) r->http_status;

	if (r->outcome == HTTP_RESPONSE && status == 200)
	{
		/* the reason alone: the caller's message names the operation */
		failure->kind = ATHENA_FAIL_BAD_RESPONSE;
		make_error(&failure->error, status, "MalformedResponse",
				   reason && reason[0] ? reason : "unparsable response",
				   r->request_id);
	}
	else if (r->outcome == HTTP_RESPONSE && status >= 400)
	{
		aws_json_decode_error(status, r->error_type, r->request_id,
							r->body, r->body_len, &failure->error);
		if (failure->error.error_class == AWS_ERROR_NOT_FOUND)
		{
			aws_json_error_free(&failure->error);
			return false;
		}
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
				   r->outcome == HTTP_TIMEOUT ? "Timeout" : "NetworkError",
				   r->error_text, NULL);
	}
	return true;
}

AthenaFetch
athena_client_status_scan_next(AthenaStatusScan *scan, AthenaSession *session,
						AthenaFailure *failure)
{
	for (;;)
	{
		HttpResult *r;
		char		reason[256];

		/*
		 * Nothing of ours is live across this call: a longjmp out of it leaves
		 * only what athena_client_status_scan_end frees anyway.
		 */
		r = http_batch_next(scan->batch);
		if (r == NULL)
			return ATHENA_FETCH_DONE;

		memset(failure, 0, sizeof(*failure));
		failure->attempts = r->attempts;
		reason[0] = '\0';

		if (r->outcome == HTTP_RESPONSE && r->http_status == 200 &&
			aws_json_parse_session_status(r->body, r->body_len, session,
										reason, sizeof(reason)))
		{
			/* without it the row could not match its own qual */
			if (session->session_id == NULL)
				session->session_id = strdup(scan->ids[r->item]);
			else if (strcmp(session->session_id, scan->ids[r->item]) != 0)
			{
				/*
				 * An answer about another session than the one asked for is
				 * not a row of this condition.  Checking it here, against
				 * the one id it was asked for, is what lets the executor
				 * skip rechecking session_id = ANY(ids), which costs a pass
				 * over every id for every row.
				 */
				aws_json_session_free(session);
				http_batch_result_free(r);
				continue;
			}
			http_batch_result_free(r);
			if (session->session_id == NULL)
			{
				aws_json_session_free(session);
				make_error(&failure->error, 200, "OutOfMemory",
						   "out of memory", NULL);
				failure->kind = ATHENA_FAIL_BAD_RESPONSE;
				return ATHENA_FETCH_FAILED;
			}
			return ATHENA_FETCH_ROW;
		}
		if (!classify_failure(r, reason, failure))
		{
			/* no such session: no row */
			http_batch_result_free(r);
			continue;
		}
		http_batch_result_free(r);
		return ATHENA_FETCH_FAILED;
	}
}

AthenaFetch
athena_client_terminations_next(AthenaTerminations *terminations,
						 AthenaTermination *termination,
						 AthenaFailure *failure)
{
	for (;;)
	{
		HttpResult *r;
		char		reason[256];

		r = http_batch_next(terminations->batch);	/* may longjmp */
		if (r == NULL)
			return ATHENA_FETCH_DONE;

		memset(failure, 0, sizeof(*failure));
		failure->attempts = r->attempts;
		reason[0] = '\0';

		if (r->outcome == HTTP_RESPONSE && r->http_status == 200 &&
			aws_json_parse_terminate_session(r->body, r->body_len,
										   &termination->state,
										   reason, sizeof(reason)))
		{
			termination->item = r->item;
			http_batch_result_free(r);
			return ATHENA_FETCH_ROW;
		}
		if (!classify_failure(r, reason, failure))
		{
			/* the session is gone already: nothing was terminated */
			http_batch_result_free(r);
			continue;
		}
		http_batch_result_free(r);
		return ATHENA_FETCH_FAILED;
	}
}

void
athena_client_terminations_stop(AthenaTerminations *terminations)
{
	http_batch_stop(terminations->batch);
}

const HttpStats *
athena_client_status_scan_stats(const AthenaStatusScan *scan)
{
	return http_batch_stats(scan->batch);
}

void
athena_client_status_scan_end(AthenaStatusScan *scan)
{
	if (scan == NULL)
		return;
	if (scan->batch != NULL)
		http_batch_end(scan->batch);
	free(scan->body);
	free_secret(scan->auth_line);
	free(scan->url);
	free(scan->path);
	free(scan->host);
	free(scan->host_line);
	free(scan->region);
	free(scan->access_key_id);
	free_secret(scan->secret_access_key);
	free_secret(scan->session_token);
	free_secret(scan->token_line);
	free(scan->user_agent);
	free(scan->ca_file);
	free(scan);
}

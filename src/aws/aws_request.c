/*
 * aws_request.c
 *		Signed AWS requests, and one request through the HTTP engine.
 */
#include "aws_request.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_keys.h"

/* ---- one request through the engine ---- */

typedef struct FetchContext
{
	const HttpRequest *request;
	AwsDecodeErrorFn decode_error;
	AwsStopFn	should_stop;
	void	   *arg;
	jmp_buf		stop;
} FetchContext;

static void
fetch_prepare(void *arg, int item, int attempt, HttpRequest *req)
{
	FetchContext *ctx = arg;

	(void) item;
	(void) attempt;
	*req = *ctx->request;
}

static HttpRetryVerdict
fetch_should_retry(void *arg, const HttpResult *attempt)
{
	FetchContext *ctx = arg;
	AwsError	err;
	HttpRetryVerdict verdict;

	if (attempt->outcome != HTTP_RESPONSE || attempt->http_status < 400)
		return aws_retry_verdict(attempt, NULL, false);

	/*
	 * The error's code decides where the service sends one (STS's
	 * IDPCommunicationError is a 400), else the status.  There is no rate
	 * gate on these few calls, so a throttled one backs off.
	 */
	if (ctx->decode_error != NULL)
		ctx->decode_error((int) attempt->http_status, attempt->request_id,
						  attempt->body, attempt->body_len, &err);
	else
		aws_error_set((int) attempt->http_status, NULL, 0, NULL, 0,
					  attempt->request_id, &err);
	verdict = aws_retry_verdict(attempt, &err, false);
	aws_error_free(&err);
	return verdict;
}

static void
fetch_check_interrupts(void *arg)
{
	FetchContext *ctx = arg;

	if (ctx->should_stop != NULL && ctx->should_stop(ctx->arg))
		longjmp(ctx->stop, 1);
}

HttpResult *
aws_http_fetch(HttpClient *client, const HttpOptions *options,
			   const HttpRequest *request, AwsDecodeErrorFn decode_error,
			   AwsStopFn should_stop, void *arg, bool *interrupted)
{
	FetchContext ctx;
	HttpBatch  *volatile batch;
	HttpResult *volatile result = NULL;

	*interrupted = false;
	ctx.request = request;
	ctx.decode_error = decode_error;
	ctx.should_stop = should_stop;
	ctx.arg = arg;
	batch = http_batch_begin(client, options, 1, fetch_prepare,
							 fetch_should_retry, fetch_check_interrupts, &ctx);
	if (batch == NULL)
		return NULL;
	if (setjmp(ctx.stop) == 0)
		result = http_batch_next(batch);
	else
		*interrupted = true;
	/* the engine's contract: safe after a longjmp out of http_batch_next */
	http_batch_end(batch);
	return result;
}


/* ---- the signer ---- */

static void
add_header(SigV4Header *h, size_t *n, const char *name, const char *value)
{
	h[*n].name = name;
	h[*n].value = value;
	(*n)++;
}

/* Renders the signed headers and Authorization into out's buffer. */
static bool
render_lines(AwsSignedPost *out, const SigV4Header *signed_headers,
			 size_t nsigned, const char *authorization)
{
	static const char *const removed[] = {"Expect:", "Accept:"};
	size_t		need = 1;
	size_t		i;
	char	   *p;
	int			n = 0;

	for (i = 0; i < nsigned; i++)
		need += strlen(signed_headers[i].name) + 2 +
			strlen(signed_headers[i].value) + 1;
	if (authorization != NULL)
		need += strlen("Authorization: ") + strlen(authorization) + 1;
	if (need > out->cap)
	{
		char	   *buf = malloc(need);

		if (buf == NULL)
			return false;
		aws_signed_post_free(out);
		out->buf = buf;
		out->cap = need;
	}
	p = out->buf;
	for (i = 0; i < nsigned; i++)
	{
		out->lines[n++] = p;
		p += sprintf(p, "%s: %s", signed_headers[i].name,
					 signed_headers[i].value) + 1;
	}
	if (authorization != NULL)
	{
		out->lines[n++] = p;
		sprintf(p, "Authorization: %s", authorization);
	}
	for (i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
		out->lines[n++] = removed[i];
	out->nlines = n;
	return true;
}

bool
aws_sign_post(const AwsPost *post, SigV4KeyCache *cache, AwsSignedPost *out)
{
	SigV4Header sh[AWS_MAX_SIGNED_HEADERS];
	size_t		nsh = 0;
	char		amz_date[17];
	char	   *auth = NULL;
	bool		ok;

	out->nlines = 0;
	/* a fresh date per attempt: a retry may come seconds later */
	sigv4_format_amz_date(time(NULL), amz_date);
	add_header(sh, &nsh, "Host", post->host);
	add_header(sh, &nsh, "X-Amz-Date", amz_date);
	if (post->target != NULL)
		add_header(sh, &nsh, "X-Amz-Target", post->target);
	add_header(sh, &nsh, "Content-Type", post->content_type);
	if (post->access_key_id != NULL && post->session_token != NULL)
		add_header(sh, &nsh, "X-Amz-Security-Token", post->session_token);

	if (post->access_key_id != NULL)
	{
		SigV4Request sreq;
		SigV4Params params;

		memset(&sreq, 0, sizeof(sreq));
		sreq.method = "POST";
		sreq.path = post->path;
		sreq.headers = sh;
		sreq.nheaders = nsh;
		sreq.payload = post->body;
		sreq.payload_len = post->body_len;
		sreq.normalize_path = true;

		params.access_key_id = post->access_key_id;
		params.secret_access_key = post->secret_access_key;
		params.region = post->region;
		params.service = post->service;
		params.amz_date = amz_date;

		auth = sigv4_authorization(&sreq, &params, cache, NULL, NULL);
		if (auth == NULL)
			return false;
	}
	ok = render_lines(out, sh, nsh, auth);
	aws_secret_free(auth);
	return ok;
}

void
aws_signed_post_free(AwsSignedPost *post)
{
	if (post->buf != NULL)
	{
		explicit_bzero(post->buf, post->cap);
		free(post->buf);
	}
	memset(post, 0, sizeof(*post));
}

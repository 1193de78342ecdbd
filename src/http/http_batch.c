/*
 * http_batch.c
 *		One batch of requests over an HttpClient: transfer slots, the retry
 *		heap and the ring of finished results.
 *
 * Per batch there are max_concurrency transfer slots; items not yet started
 * need no state at all (they are the range next_item..nitems-1), and items
 * waiting for a retry sit in a min-heap by due time.  Finished results wait
 * in a ring of max_concurrency entries.  A batch never starts transfers for
 * another batch of its client, so what a batch holds stays bounded by its
 * own concurrency.
 *
 * Interrupt safety: check_interrupts, the client's wait and the caller's
 * other callbacks may longjmp.  They are only called between libcurl calls,
 * and every resource is reachable from a slot whose state says what to
 * release, so http_batch_end() can always clean up.
 */
#include "http_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "retry_policy.h"
#include "safe_value.h"

#define OOM_WAIT_MS			10	/* pause before retrying a failed malloc */
#define INITIAL_BODY_CAP	1024	/* a GetSessionStatus answer fits */
#define MAX_HEADER_VALUE	1024	/* longer captured header values are cut */

typedef enum SlotState
{
	SLOT_FREE,
	SLOT_PREPARING,				/* resources taken, not yet in the multi */
	SLOT_ACTIVE,				/* in the multi handle */
	SLOT_DONE					/* finished, removed from the multi, queued */
} SlotState;

/*
 * A slot keeps its easy handle for the whole batch, with the batch's
 * constant options set once; a request only sets its URL, headers and body.
 * The header list and the body live in the slot's own memory, so a request
 * allocates nothing for them (curl neither copies nor frees either).
 */
typedef struct Slot
{
	HttpBatch  *batch;
	SlotState	state;
	CURL	   *easy;			/* from the client's idle handles */
	bool		configured;		/* easy has the batch's constant options */
	struct curl_slist *hnodes;	/* header list; not for curl_slist_free_all */
	int			hnodes_cap;
	char	   *buf;			/* header lines, then the body */
	size_t		buf_cap;
	HttpResult *result;			/* being filled by the callbacks */
	size_t		body_cap;
	bool		too_large;
	bool		unsafe;			/* refused before sending (safe_value.h) */
	CURLcode	code;			/* of a finished transfer */
	int			item;
	int			attempt;
	int			quota_cost;		/* retry quota its last retry took, or 0 */
	const char *operation;		/* the request's, for the observer */
	uint64_t	sent_usec;		/* when handed to curl; 0 if never */
	struct Slot *next_done;
	char		errbuf[CURL_ERROR_SIZE];
} Slot;

typedef struct RetryEntry
{
	uint64_t	due_usec;
	int			item;
	int			attempts;		/* attempts made so far */
	int			quota_cost;		/* what the retry took of the retry quota */
} RetryEntry;

struct HttpBatch
{
	HttpClient *client;
	HttpOptions options;
	char	   *user_agent_line;	/* "User-Agent: ...", or NULL */
	bool		proxy_in_environment;	/* curl must look for one */
	char	   *ca_file;
	int			nitems;
	HttpPrepareFn prepare;
	HttpRetryFn should_retry;
	HttpInterruptFn check_interrupts;
	void	   *arg;

	int			next_item;		/* items below this have been started */
	int			nfinished;		/* final results produced */

	Slot	   *slots;
	int			nslots;
	int		   *free_slots;		/* stack of indexes of slots in SLOT_FREE */
	int			nfree;
	int			in_flight;		/* slots in SLOT_ACTIVE */

	Slot	   *done_head;		/* finished transfers, completion order */
	Slot	   *done_tail;

	RetryEntry *retries;		/* min-heap by due_usec */
	int			nretries;
	int			retries_cap;

	HttpResult **ready;			/* ring of final results not yet taken */
	int			ready_head;
	int			nready;

	bool		oom;			/* a start failed for lack of memory */
	uint64_t	first_send_usec;
	uint64_t	last_finish_usec;
	uint64_t	gate_due_usec;	/* the rate gate said to ask again then */
	HttpStats	stats;
};

/* Puts slot, finished, at the end of its batch's done queue. */
static void
queue_done(Slot *slot)
{
	HttpBatch  *b = slot->batch;

	slot->state = SLOT_DONE;
	if (b->done_tail)
		b->done_tail->next_done = slot;
	else
		b->done_head = slot;
	b->done_tail = slot;
}

/* ---- per-transfer callbacks (must not call back into the caller) ---- */

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	Slot	   *slot = userdata;
	HttpResult *r = slot->result;
	size_t		n = size * nmemb;
	size_t		max = slot->batch->options.max_body_bytes;

	if (n > max || r->body_len > max - n)
	{
		slot->too_large = true;
		return 0;				/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (r->body_len + n + 1 > slot->body_cap)
	{
		size_t		cap = slot->body_cap;
		char	   *p;

		while (cap < r->body_len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		p = realloc(r->body, cap);
		if (p == NULL)
		{
			snprintf(slot->errbuf, sizeof(slot->errbuf),
					 "out of memory reading the response");
			return 0;
		}
		r->body = p;
		slot->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

/* Copies the value of "Name: value" if the name matches, else NULL. */
static bool
header_match(const char *line, size_t len, const char *name, char **dest)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end;
	char	   *copy;

	if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
		return false;
	v = line + nlen + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
					   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - v > MAX_HEADER_VALUE)
		end = v + MAX_HEADER_VALUE;
	copy = malloc(end - v + 1);
	if (copy != NULL)
	{
		memcpy(copy, v, end - v);
		copy[end - v] = '\0';
	}
	free(*dest);
	*dest = copy;				/* NULL on OOM: the header is just missing */
	return true;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	Slot	   *slot = userdata;
	HttpResult *r = slot->result;
	size_t		n = size * nmemb;

	/* a new status line (after "100 Continue"): forget earlier headers */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
	{
		free(r->request_id);
		free(r->error_type);
		free(r->retry_after);
		r->request_id = r->error_type = r->retry_after = NULL;
		return n;
	}
	if (header_match(data, n, "x-amzn-RequestId", &r->request_id) ||
		header_match(data, n, "x-amzn-ErrorType", &r->error_type) ||
		header_match(data, n, "Retry-After", &r->retry_after))
		return n;
	return n;
}

/* ---- results ---- */

void
http_batch_result_free(HttpResult *result)
{
	if (result == NULL)
		return;
	free(result->body);
	free(result->request_id);
	free(result->error_type);
	free(result->retry_after);
	free(result);
}

/*
 * A TLS failure that the next attempt would meet again: a certificate not
 * trusted or not for this host, a protocol or cipher the two sides do not
 * share, a CA file that cannot be read.  CURLE_SSL_CONNECT_ERROR covers both
 * a handshake refused by OpenSSL (its message names "SSL routines": wrong
 * version number, a protocol version or handshake failure alert) and a
 * connection lost during the handshake (reset, EOF), which is transient.
 */
static bool
tls_failure_is_permanent(CURLcode code, const char *errbuf)
{
	switch (code)
	{
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_SSL_ENGINE_INITFAILED:
			return true;
		case CURLE_SSL_CONNECT_ERROR:
			return strstr(errbuf, "SSL routines") != NULL;
		default:
			return false;
	}
}

/* Fills the outcome fields of slot->result from the finished transfer. */
static void
finish_result(Slot *slot)
{
	HttpResult *r = slot->result;

	r->item = slot->item;
	r->attempts = slot->attempt;
	if (slot->code == CURLE_OK)
	{
		long		status = 0;

		curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
		r->outcome = HTTP_RESPONSE;
		r->http_status = status;
		r->error_text[0] = '\0';
		return;
	}

	r->http_status = 0;
	if (slot->unsafe)
	{
		r->outcome = HTTP_UNSAFE_REQUEST;
		snprintf(r->error_text, sizeof(r->error_text),
				 "request not sent: its URL or a header holds a control character");
		return;
	}
	if (slot->too_large || slot->code == CURLE_FILESIZE_EXCEEDED)
	{
		long		status = 0;

		/* the headers did arrive: keep the status for the report */
		curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
		r->http_status = status;
		r->outcome = HTTP_BODY_TOO_LARGE;
		snprintf(r->error_text, sizeof(r->error_text),
				 "response body exceeds %zu bytes",
				 slot->batch->options.max_body_bytes);
		return;
	}
	if (slot->code == CURLE_OPERATION_TIMEDOUT)
		r->outcome = HTTP_TIMEOUT;
	else if (tls_failure_is_permanent(slot->code, slot->errbuf))
		r->outcome = HTTP_TLS_ERROR;
	else
		r->outcome = HTTP_NETWORK_ERROR;
	/* curl's error buffer never holds request headers, so no secrets */
	snprintf(r->error_text, sizeof(r->error_text), "%s",
			 slot->errbuf[0] ? slot->errbuf : curl_easy_strerror(slot->code));
}

/* ---- slots ---- */

/*
 * Frees a finished request's result; the slot keeps its easy handle and
 * buffers for the next request.  It must not be in the multi handle.
 */
static void
slot_clear(HttpBatch *batch, Slot *slot)
{
	http_batch_result_free(slot->result);
	slot->result = NULL;
	slot->state = SLOT_FREE;
	slot->next_done = NULL;
	batch->free_slots[batch->nfree++] = (int) (slot - batch->slots);
}

/*
 * The User-Agent goes out as one more line of the request's own header list
 * rather than through CURLOPT_USERAGENT, which curl formats anew for every
 * request.  "name: value", malloc'd; NULL on out of memory.
 */
static char *
header_line(const char *name, const char *value)
{
	size_t		len = strlen(name) + 2 + strlen(value) + 1;
	char	   *line = malloc(len);

	if (line != NULL)
		snprintf(line, len, "%s: %s", name, value);
	return line;
}

/*
 * Whether the environment names a proxy for curl (7.88's detect_proxy():
 * <scheme>_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY; never HTTP_PROXY).
 * curl looks these and no_proxy up with getenv() and copies them on every
 * request; when none is set, which is the usual case for a server, the
 * batch says "no proxy" once instead, with the same outcome.
 */
static bool
proxy_in_environment(void)
{
	static const char *const names[] = {
		"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"
	};
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		const char *value = getenv(names[i]);

		if (value != NULL && value[0] != '\0')
			return true;
	}
	return false;
}

#define SET(opt, val) (ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK)

/* Options that stay the same for every request of the batch. */
static bool
setup_easy_constant(HttpBatch *batch, Slot *slot)
{
	CURL	   *e = slot->easy;
	const HttpOptions *o = &batch->options;
	bool		ok = true;

	SET(CURLOPT_PRIVATE, slot);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* one request per connection keeps the connection count predictable */
	SET(CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
	/* certificates and host names are always verified: no option says not */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (batch->ca_file != NULL)
		SET(CURLOPT_CAINFO, batch->ca_file);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, o->request_timeout_ms);
	/* a Content-Length past the cap fails before any body is read */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) o->max_body_bytes);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_KEEPIDLE, 60L);
	SET(CURLOPT_TCP_KEEPINTVL, 30L);
	if (!batch->proxy_in_environment)
	{
		SET(CURLOPT_PROXY, "");
		SET(CURLOPT_NOPROXY, "");
	}
	SET(CURLOPT_ERRORBUFFER, slot->errbuf);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, slot);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, slot);
	return ok && http_client_setup_easy(batch->client, e);
}

/* Whether the URL and every header line are free of control characters. */
static bool
request_is_clean(const HttpRequest *req)
{
	int			i;

	if (!aws_cstring_is_clean(req->url) || !aws_cstring_is_clean(req->method))
		return false;
	for (i = 0; i < req->nheaders; i++)
	{
		if (!aws_cstring_is_clean(req->headers[i]))
			return false;
	}
	return true;
}

/* Copies the request into the slot and points the easy handle at it. */
static bool
setup_easy(HttpBatch *batch, Slot *slot, const HttpRequest *req)
{
	CURL	   *e = slot->easy;
	size_t		need = req->body_len + 1;
	size_t		off = 0;
	int			nnodes = req->nheaders + (batch->user_agent_line != NULL);
	int			i;
	bool		ok = true;

	if (!slot->configured)
	{
		if (!setup_easy_constant(batch, slot))
			return false;
		slot->configured = true;
	}

	for (i = 0; i < req->nheaders; i++)
		need += strlen(req->headers[i]) + 1;
	if (need > slot->buf_cap)
	{
		/* not realloc: the old buffer may hold a token, wipe it */
		char	   *p = malloc(need);

		if (p == NULL)
			return false;
		if (slot->buf != NULL)
		{
			explicit_bzero(slot->buf, slot->buf_cap);
			free(slot->buf);
		}
		slot->buf = p;
		slot->buf_cap = need;
	}
	if (nnodes > slot->hnodes_cap)
	{
		struct curl_slist *p = realloc(slot->hnodes,
									   nnodes * sizeof(struct curl_slist));

		if (p == NULL)
			return false;
		slot->hnodes = p;
		slot->hnodes_cap = nnodes;
	}

	for (i = 0; i < req->nheaders; i++)
	{
		size_t		len = strlen(req->headers[i]) + 1;

		memcpy(slot->buf + off, req->headers[i], len);
		slot->hnodes[i].data = slot->buf + off;
		off += len;
	}
	if (batch->user_agent_line != NULL)
		slot->hnodes[i].data = batch->user_agent_line;
	for (i = 0; i < nnodes; i++)
		slot->hnodes[i].next = (i + 1 < nnodes) ? &slot->hnodes[i + 1] : NULL;
	if (req->body_len > 0)
		memcpy(slot->buf + off, req->body, req->body_len);
	slot->buf[off + req->body_len] = '\0';

	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_HTTPHEADER, nnodes > 0 ? slot->hnodes : NULL);
	if (req->method != NULL && strcmp(req->method, "GET") == 0)
		SET(CURLOPT_HTTPGET, 1L);
	else
	{
		/* POST, or another method that sends the body as POST would */
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		SET(CURLOPT_POSTFIELDS, slot->buf + off);
	}
	SET(CURLOPT_CUSTOMREQUEST,
		req->method != NULL && strcmp(req->method, "GET") != 0 &&
		strcmp(req->method, "POST") != 0 ? req->method : NULL);
	return ok;
}

#undef SET

/*
 * Starts attempt `attempt` of `item` in a free slot.  Returns false when
 * memory ran out before anything was sent: the item stays where it was.
 * A request the engine cannot hand to curl finishes at once as a network
 * error, so that retries and the caller see it like any other failure.
 */
static bool
start_item(HttpBatch *batch, int item, int attempt, int quota_cost)
{
	HttpClient *client = batch->client;
	Slot	   *slot;
	HttpRequest req;

	if (batch->nfree == 0)
		return false;
	slot = &batch->slots[batch->free_slots[batch->nfree - 1]];

	slot->result = calloc(1, sizeof(HttpResult));
	if (slot->result == NULL)
		return false;
	slot->result->body = malloc(INITIAL_BODY_CAP);
	if (slot->easy == NULL)
	{
		slot->easy = http_client_acquire_easy(client);
		slot->configured = false;
	}
	if (slot->result->body == NULL || slot->easy == NULL)
	{
		free(slot->result->body);
		free(slot->result);
		slot->result = NULL;
		return false;
	}
	slot->result->body[0] = '\0';
	slot->body_cap = INITIAL_BODY_CAP;
	slot->too_large = false;
	slot->unsafe = false;
	slot->errbuf[0] = '\0';
	slot->item = item;
	slot->attempt = attempt;
	slot->quota_cost = quota_cost;
	slot->operation = NULL;
	slot->sent_usec = 0;
	slot->code = CURLE_OK;
	slot->state = SLOT_PREPARING;
	batch->nfree--;				/* the slot was on top of the stack */

	/* may longjmp: the slot's state tells http_batch_end what to free */
	memset(&req, 0, sizeof(req));
	batch->prepare(batch->arg, item, attempt, &req);
	slot->operation = req.operation;

	batch->stats.attempts++;
	if (batch->first_send_usec == 0)
		batch->first_send_usec = http_now_usec();

	/*
	 * The last line of defence against header injection and request
	 * smuggling: every source checks its values, and nothing unclean that
	 * slipped past them reaches the wire.
	 */
	slot->unsafe = req.url != NULL && !request_is_clean(&req);
	if (req.url == NULL || slot->unsafe || !setup_easy(batch, slot, &req) ||
		!http_client_add(client, slot->easy))
	{
		slot->code = CURLE_FAILED_INIT;
		snprintf(slot->errbuf, sizeof(slot->errbuf), "%s",
				 req.url == NULL ? "could not prepare the request" :
				 "could not set up the request");
		queue_done(slot);
		return true;
	}
	slot->state = SLOT_ACTIVE;
	slot->sent_usec = http_now_usec();
	batch->in_flight++;
	if (batch->in_flight > batch->stats.peak_in_flight)
		batch->stats.peak_in_flight = batch->in_flight;
	return true;
}

/* ---- retry heap ---- */

static bool
retry_push(HttpBatch *batch, uint64_t due, int item, int attempts,
		   int quota_cost)
{
	RetryEntry *h;
	int			i;

	if (batch->nretries == batch->retries_cap)
	{
		int			newcap = batch->retries_cap ? batch->retries_cap * 2 : 16;

		h = realloc(batch->retries, newcap * sizeof(RetryEntry));
		if (h == NULL)
			return false;
		batch->retries = h;
		batch->retries_cap = newcap;
	}
	h = batch->retries;
	i = batch->nretries++;
	while (i > 0 && h[(i - 1) / 2].due_usec > due)
	{
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i].due_usec = due;
	h[i].item = item;
	h[i].attempts = attempts;
	h[i].quota_cost = quota_cost;
	return true;
}

static void
retry_pop(HttpBatch *batch)
{
	RetryEntry *h = batch->retries;
	RetryEntry	last = h[--batch->nretries];
	int			n = batch->nretries;
	int			i = 0;

	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].due_usec < h[c].due_usec)
			c++;
		if (h[c].due_usec >= last.due_usec)
			break;
		h[i] = h[c];
		i = c;
	}
	if (n > 0)
		h[i] = last;
}

/* ---- driving ---- */

/*
 * Queues every transfer of the client that finished on its own batch: two
 * batches may share a client (a self-join runs two scans side by side), and
 * either may be the one that waited.  Runs no caller code.
 */
static void
collect_finished(HttpClient *client)
{
	Slot	   *slot;
	int			code;

	while ((slot = http_client_next_finished(client, &code)) != NULL)
	{
		slot->code = (CURLcode) code;
		slot->batch->in_flight--;
		slot->batch->last_finish_usec = http_now_usec();
		slot->batch->stats.api_usec = slot->batch->last_finish_usec -
			slot->batch->first_send_usec;
		queue_done(slot);
	}
}

/* Whether the retry quota (if any) pays for retrying slot's request. */
static bool
take_retry_quota(HttpBatch *batch, Slot *slot)
{
	int			cost;

	if (batch->options.retry_quota == NULL)
		return true;
	cost = retry_quota_acquire(batch->options.retry_quota,
							   slot->result->outcome == HTTP_TIMEOUT);
	if (cost == 0)
		return false;
	slot->quota_cost = cost;
	return true;
}

/*
 * Turns this batch's finished transfers into results or scheduled retries.
 * Only runs while no result is waiting, so at most nslots wait.
 */
static void
process_done(HttpBatch *batch)
{
	while (batch->done_head != NULL)
	{
		Slot	   *slot = batch->done_head;
		const HttpRateGate *gate = &batch->options.rate_gate;
		HttpResult *r;
		HttpRetryVerdict verdict = HTTP_RETRY_NO;
		bool		retry;
		uint64_t	sent_usec;

		finish_result(slot);
		r = slot->result;
		sent_usec = slot->sent_usec;	/* the observer's telling clears it */
		if (slot->sent_usec != 0)
		{
			uint64_t	now = http_now_usec();

			http_client_tell_observer(batch->client, slot->operation, r,
									  now > slot->sent_usec ? now - slot->sent_usec : 0);
			slot->sent_usec = 0;	/* told once, even if a longjmp follows */
		}
		if (r->outcome != HTTP_BODY_TOO_LARGE && r->outcome != HTTP_TLS_ERROR &&
			r->outcome != HTTP_UNSAFE_REQUEST)
			verdict = batch->should_retry(batch->arg, r);	/* may longjmp */
		if (verdict == HTTP_RETRY_THROTTLED)
			batch->stats.throttled++;
		if (r->outcome == HTTP_RESPONSE && gate->on_answer != NULL)
			gate->on_answer(gate->arg, http_now_usec(), sent_usec,
							verdict == HTTP_RETRY_THROTTLED);
		retry = verdict != HTTP_RETRY_NO &&
			slot->attempt <= batch->options.max_retries;
		if (retry && !take_retry_quota(batch, slot))
		{
			retry = false;
			r->retry_quota_empty = true;
		}
		if (r->outcome == HTTP_RESPONSE && r->http_status >= 200 &&
			r->http_status < 300 && batch->options.retry_quota != NULL)
			retry_quota_release(batch->options.retry_quota, slot->quota_cost);

		if (retry)
		{
			int64_t		retry_after = retry_parse_retry_after(r->retry_after);
			uint32_t	delay;

			/*
			 * A throttled request goes again as soon as the rate gate lets it
			 * (which the answer has just slowed down), unless the service
			 * named a time; anything else, and a throttled request of a batch
			 * without a gate, backs off, further each time.
			 */
			if (verdict == HTTP_RETRY_THROTTLED && gate->acquire != NULL)
				delay = retry_after < 0 ? 0 :
					(uint32_t) (retry_after < RETRY_CAP_MS ? retry_after : RETRY_CAP_MS);
			else
				delay = retry_delay_ms(slot->attempt, RETRY_BASE_MS,
									   RETRY_CAP_MS,
									   http_client_random(batch->client),
									   retry_after);
			if (!retry_push(batch, http_now_usec() + (uint64_t) delay * 1000,
							slot->item, slot->attempt, slot->quota_cost))
				retry = false;	/* out of memory: hand out this failure */
			else
				batch->stats.retries++;
		}

		/* unlink only now, so a longjmp above left the slot queued */
		batch->done_head = slot->next_done;
		if (batch->done_head == NULL)
			batch->done_tail = NULL;
		slot->next_done = NULL;

		if (!retry)
		{
			int			pos = (batch->ready_head + batch->nready) % batch->nslots;

			batch->ready[pos] = r;
			batch->nready++;
			batch->nfinished++;
			slot->result = NULL;
		}
		slot_clear(batch, slot);
	}
}

/*
 * Whether the rate gate lets one more request go now; if not, remembers
 * when to ask again.
 */
static bool
gate_allows(HttpBatch *batch, uint64_t now)
{
	const HttpRateGate *gate = &batch->options.rate_gate;
	uint64_t	wait;

	if (gate->acquire == NULL)
		return true;
	wait = gate->acquire(gate->arg, now);
	if (wait == 0)
		return true;
	batch->gate_due_usec = now + wait;
	return false;
}

/*
 * Fills free slots with due retries first, then new items, as far as the
 * rate gate lets them go.
 */
static bool
fill_slots(HttpBatch *batch)
{
	bool		started = false;
	uint64_t	now = 0;

	batch->oom = false;
	batch->gate_due_usec = 0;
	while (batch->nfree > 0)
	{
		if (batch->nretries > 0)
		{
			RetryEntry	e = batch->retries[0];

			if (now == 0 || e.due_usec > now)
				now = http_now_usec();
			if (e.due_usec <= now)
			{
				if (!gate_allows(batch, now))
					break;
				retry_pop(batch);
				if (!start_item(batch, e.item, e.attempts + 1, e.quota_cost))
				{
					retry_push(batch, e.due_usec, e.item, e.attempts,
							   e.quota_cost);
					batch->oom = true;
					break;
				}
				started = true;
				continue;
			}
		}
		if (batch->next_item >= batch->nitems)
			break;
		if (!gate_allows(batch, http_now_usec()))
			break;
		batch->next_item++;
		if (!start_item(batch, batch->next_item - 1, 1, 0))
		{
			batch->next_item--;
			batch->oom = true;
			break;
		}
		started = true;
	}
	return started;
}

HttpBatch *
http_batch_begin(HttpClient *client, const HttpOptions *options,
				 int nitems, HttpPrepareFn prepare,
				 HttpRetryFn should_retry,
				 HttpInterruptFn check_interrupts, void *arg)
{
	HttpBatch  *batch;
	int			i;

	batch = calloc(1, sizeof(HttpBatch));
	if (batch == NULL)
		return NULL;
	batch->client = client;
	batch->options = *options;
	if (batch->options.max_concurrency < 1)
		batch->options.max_concurrency = 1;
	if (batch->options.max_retries < 0)
		batch->options.max_retries = 0;
	batch->user_agent_line = options->user_agent
		? header_line("User-Agent", options->user_agent) : NULL;
	batch->proxy_in_environment = proxy_in_environment();
	batch->ca_file = options->ca_file ? strdup(options->ca_file) : NULL;
	batch->nitems = nitems > 0 ? nitems : 0;
	batch->prepare = prepare;
	batch->should_retry = should_retry;
	batch->check_interrupts = check_interrupts;
	batch->arg = arg;

	/* an open batch (no items yet) may grow to the whole window */
	batch->nslots = batch->options.max_concurrency;
	if (batch->nitems > 0 && batch->nslots > batch->nitems)
		batch->nslots = batch->nitems;
	batch->nfree = batch->nslots;
	batch->slots = calloc(batch->nslots, sizeof(Slot));
	batch->free_slots = calloc(batch->nslots, sizeof(int));
	batch->ready = calloc(batch->nslots, sizeof(HttpResult *));
	if (batch->slots == NULL || batch->ready == NULL || batch->free_slots == NULL ||
		(options->user_agent && !batch->user_agent_line) ||
		(options->ca_file && !batch->ca_file))
	{
		free(batch->slots);
		free(batch->free_slots);
		free(batch->ready);
		free(batch->user_agent_line);
		free(batch->ca_file);
		free(batch);
		return NULL;
	}
	/* reversed, so that slot 0 is used first */
	for (i = 0; i < batch->nslots; i++)
	{
		batch->slots[i].batch = batch;
		batch->free_slots[i] = batch->nslots - 1 - i;
	}

	/* keep enough idle connections for every active batch's window */
	http_client_reserve(client, batch->nslots);
	return batch;
}

int
http_batch_add_items(HttpBatch *batch, int n)
{
	int			first = batch->nitems;

	if (n > 0)
		batch->nitems += n;
	return first;
}

HttpResult *
http_batch_next(HttpBatch *batch)
{
	HttpClient *client = batch->client;

	for (;;)
	{
		long		timeout;
		HttpWaitFor what;

		if (batch->check_interrupts)
			batch->check_interrupts(batch->arg);	/* may longjmp */

		if (batch->nready == 0)
		{
			process_done(batch);
			/* start replacements before waiting, so no slot sits idle */
			if (fill_slots(batch))
			{
				http_client_run_timers(client); /* sends them now */
				collect_finished(client);
			}
		}

		if (batch->nready > 0)
		{
			HttpResult *r = batch->ready[batch->ready_head];

			batch->ready[batch->ready_head] = NULL;
			batch->ready_head = (batch->ready_head + 1) % batch->nslots;
			batch->nready--;
			return r;
		}
		if (batch->nfinished >= batch->nitems)
			return NULL;
		if (batch->done_head != NULL)
			continue;

		/*
		 * Wait for the network, curl's timer, the rate gate or the next due
		 * retry (a request the gate held back goes when the gate opens).
		 */
		timeout = -1;
		what = HTTP_WAIT_REQUEST;
		if (batch->oom)
			timeout = OOM_WAIT_MS;
		if (batch->nfree > 0 &&
			(batch->gate_due_usec != 0 || batch->nretries > 0))
		{
			uint64_t	now = http_now_usec();
			uint64_t	due = batch->gate_due_usec != 0 ?
			batch->gate_due_usec : batch->retries[0].due_usec;
			long		ms = due <= now ? 0 : (long) ((due - now + 999) / 1000);

			if (timeout < 0 || ms < timeout)
				timeout = ms;
			/* with nothing in flight, only the gate or the backoff holds it */
			if (batch->in_flight == 0)
				what = batch->gate_due_usec != 0 ? HTTP_WAIT_RATE_GATE :
					HTTP_WAIT_BACKOFF;
		}
		http_client_wait(client, timeout, what);	/* may longjmp */
		collect_finished(client);
	}
}

void
http_batch_stop(HttpBatch *batch)
{
	batch->nitems = batch->next_item;
}

const HttpStats *
http_batch_stats(const HttpBatch *batch)
{
	return &batch->stats;
}

void
http_batch_end(HttpBatch *batch)
{
	HttpClient *client;
	int			i;

	if (batch == NULL)
		return;
	client = batch->client;
	for (i = 0; i < batch->nslots; i++)
	{
		Slot	   *slot = &batch->slots[i];

		if (slot->state == SLOT_ACTIVE)
			http_client_remove(client, slot->easy);
		if (slot->state != SLOT_FREE)
			slot_clear(batch, slot);
		/* back to the client: the next batch resets it */
		http_client_release_easy(client, slot->easy);
		slot->easy = NULL;
		free(slot->hnodes);
		/* it held headers (a session token) and bodies (a web identity token) */
		if (slot->buf != NULL)
			explicit_bzero(slot->buf, slot->buf_cap);
		free(slot->buf);
	}
	for (i = 0; i < batch->nready; i++)
		http_batch_result_free(batch->ready[(batch->ready_head + i) % batch->nslots]);
	http_client_reserve(client, -batch->nslots);
	free(batch->ready);
	free(batch->slots);
	free(batch->free_slots);
	free(batch->retries);
	free(batch->user_agent_line);
	free(batch->ca_file);
	free(batch);
}

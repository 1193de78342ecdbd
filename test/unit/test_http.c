/*
 * test_http.c
 *		TAP tests of the HTTP engine (http_client.c, http_batch.c) and the
 *		Athena client (athena_client.c, sessions.c) against the mock.
 *
 * Uses the mock on $MOCK_PORT when set; otherwise starts its own
 * (/usr/bin/python3 test/mock/mock_athena.py --port 0) and stops it at the end.
 * The mock's counters (requests, connections, peak in flight) give exact
 * request and connection counts.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "sessions.h"
#include "http_batch.h"
#include "rate_limiter.h"
#include "tap.h"

#define STATIC_AKID "AKIDMOCKSTATIC"
#define STATIC_SECRET "mock/static/SECRET+key0123456789abcdefEXAMPLE"
#define TEMP_AKID "ASIAMOCKTEMP"
#define TEMP_SECRET "mock/temp/SECRET+key0123456789abcdefEXAMPLE"
#define TEMP_TOKEN "mock-session-token/EXAMPLE+0123456789=="

static int	mock_port;
static pid_t mock_pid = 0;
static char endpoint[64];
static Endpoint mock_endpoint;	/* endpoint, parsed */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the mock ---- */

static size_t
collect_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	char	  **buf = userdata;
	size_t		old = *buf ? strlen(*buf) : 0;
	size_t		n = size * nmemb;

	*buf = realloc(*buf, old + n + 1);
	memcpy(*buf + old, data, n);
	(*buf)[old + n] = '\0';
	return n;
}

/* A control call; returns the body (malloc'd) or NULL. */
static char *
mock_call(const char *path, const char *json)
{
	CURL	   *e = curl_easy_init();
	char		url[128];
	char	   *body = NULL;
	long		status = 0;
	struct curl_slist *h = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mock_port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	if (json != NULL)
	{
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	}
	if (curl_easy_perform(e) != CURLE_OK ||
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
		status != 200)
	{
		free(body);
		body = NULL;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return body;
}

static void
mock_reset(void)
{
	free(mock_call("/_mock/reset", "{}"));
}

static void
mock_fault(const char *kind, int count, int retry_after)
{
	char		json[160];

	if (retry_after >= 0)
		snprintf(json, sizeof(json),
				 "{\"kind\":\"%s\",\"count\":%d,\"retry_after\":%d}",
				 kind, count, retry_after);
	else
		snprintf(json, sizeof(json), "{\"kind\":\"%s\",\"count\":%d}",
				 kind, count);
	free(mock_call("/_mock/fault", json));
}

static void
mock_latency(int ms)
{
	char		json[64];

	snprintf(json, sizeof(json), "{\"ms\":%d}", ms);
	free(mock_call("/_mock/latency", json));
}

/* A counter from /_mock/stats, or -1. */
static long
mock_stat(const char *key)
{
	char	   *body = mock_call("/_mock/stats", NULL);
	json_object *root,
			   *v;
	long		result = -1;

	if (body == NULL)
		return -1;
	root = json_tokener_parse(body);
	if (root && json_object_object_get_ex(root, key, &v))
		result = (long) json_object_get_int64(v);
	json_object_put(root);
	free(body);
	return result;
}

/*
 * Whether the mock's in_flight count drops to 0 within 5 s: the mock notices
 * a closed connection on its next poll (every 200 ms), so this waits for an
 * outcome, and the deadline is only a bound on a hang.
 */
static int
wait_mock_idle(void)
{
	int			i;

	for (i = 0; i < 100; i++)
	{
		if (mock_stat("in_flight") == 0)
			return 1;
		usleep(50 * 1000);
	}
	return 0;
}

/* Whether the last request's list `key` holds `name`. */
static int
mock_last_has(const char *key, const char *name)
{
	char	   *body = mock_call("/_mock/stats", NULL);
	json_object *root,
			   *last,
			   *list;
	int			found = 0;
	size_t		i;

	if (body == NULL)
		return -1;
	root = json_tokener_parse(body);
	if (root && json_object_object_get_ex(root, "last_request", &last) &&
		json_object_object_get_ex(last, key, &list))
	{
		for (i = 0; i < json_object_array_length(list); i++)
		{
			const char *s = json_object_get_string(json_object_array_get_idx(list, i));

			if (s && strcasecmp(s, name) == 0)
				found = 1;
		}
	}
	json_object_put(root);
	free(body);
	return found;
}

/*
 * Whether the last request sent exactly the headers it signed, apart from
 * Authorization (the signature) and what curl adds unsigned (User-Agent,
 * Content-Length).  Names are compared case-insensitively.
 */
static bool
mock_last_sent_is_signed(void)
{
	static const char *const unsigned_ok[] = {"authorization", "user-agent",
	"content-length"};
	char	   *body = mock_call("/_mock/stats", NULL);
	json_object *root,
			   *last,
			   *sent,
			   *sig;
	bool		same = false;
	size_t		i;
	size_t		nsent = 0;

	if (body == NULL)
		return false;
	root = json_tokener_parse(body);
	if (root && json_object_object_get_ex(root, "last_request", &last) &&
		json_object_object_get_ex(last, "header_names", &sent) &&
		json_object_object_get_ex(last, "signed_headers", &sig))
	{
		same = true;
		for (i = 0; i < json_object_array_length(sent); i++)
		{
			const char *name = json_object_get_string(json_object_array_get_idx(sent, i));
			bool		exempt = false;
			size_t		j;

			for (j = 0; j < sizeof(unsigned_ok) / sizeof(unsigned_ok[0]); j++)
				exempt |= strcasecmp(name, unsigned_ok[j]) == 0;
			if (exempt)
				continue;
			nsent++;
			if (mock_last_has("signed_headers", name) != 1)
				same = false;
		}
		if (nsent != json_object_array_length(sig))
			same = false;
	}
	json_object_put(root);
	free(body);
	return same;
}

static void
stop_mock_process(pid_t * pid)
{
	if (*pid > 0)
	{
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

static void
stop_mock(void)
{
	stop_mock_process(&mock_pid);
}

/* The port a starting mock wrote into path, or 0 after 10 s. */
static int
read_port_file(const char *path)
{
	int			port = 0;
	int			i;

	for (i = 0; i < 200; i++)
	{
		FILE	   *f = fopen(path, "r");

		if (f != NULL)
		{
			int			n = fscanf(f, "%d", &port);

			fclose(f);
			if (n == 1 && port > 0)
			{
				unlink(path);
				return port;
			}
		}
		usleep(50 * 1000);
	}
	return 0;
}

/*
 * Starts test/mock/mock_athena.py; with tls_dir (holding cert.pem and
 * key.pem), it also serves over TLS on *tls_port.  Returns its pid, 0 on
 * failure.
 */
static pid_t
spawn_mock(const char *tls_dir, int *port, int *tls_port)
{
	const char *script = getenv("MOCK_SCRIPT");
	char		portfile[] = "/tmp/test_http_portXXXXXX";
	char		tls_portfile[] = "/tmp/test_http_tlsportXXXXXX";
	char		cert[256];
	char		key[256];
	pid_t		pid;
	int			fd;

	if (script == NULL)
		script = access("../mock/mock_athena.py", R_OK) == 0 ?
			"../mock/mock_athena.py" : "test/mock/mock_athena.py";
	if ((fd = mkstemp(portfile)) < 0)
		return 0;
	close(fd);
	unlink(portfile);
	if ((fd = mkstemp(tls_portfile)) < 0)
		return 0;
	close(fd);
	unlink(tls_portfile);
	snprintf(cert, sizeof(cert), "%s/cert.pem", tls_dir ? tls_dir : "");
	snprintf(key, sizeof(key), "%s/key.pem", tls_dir ? tls_dir : "");
	pid = fork();
	if (pid == 0)
	{
		if (tls_dir != NULL)
			execl("/usr/bin/python3", "python3", script, "--port", "0",
				  "--port-file", portfile, "--tls-cert", cert, "--tls-key", key,
				  "--tls-port-file", tls_portfile, (char *) NULL);
		else
			execl("/usr/bin/python3", "python3", script, "--port", "0",
				  "--port-file", portfile, (char *) NULL);
		_exit(127);
	}
	if (pid < 0)
		return 0;
	*port = read_port_file(portfile);
	if (tls_dir != NULL && *port > 0)
		*tls_port = read_port_file(tls_portfile);
	if (*port == 0 || (tls_dir != NULL && *tls_port == 0))
	{
		stop_mock_process(&pid);
		return 0;
	}
	return pid;
}

static int
start_mock(void)
{
	const char *env = getenv("MOCK_PORT");

	if (env != NULL && *env != '\0')
	{
		mock_port = atoi(env);
		return mock_port > 0;
	}
	mock_pid = spawn_mock(NULL, &mock_port, NULL);
	return mock_pid > 0;
}

/* ---- helpers around the client ---- */

static AthenaClientConfig
make_config(int concurrency, int max_retries)
{
	AthenaClientConfig c;

	memset(&c, 0, sizeof(c));
	c.endpoint = &mock_endpoint;
	c.region = "us-east-1";
	c.credentials.access_key_id = STATIC_AKID;
	c.credentials.secret_access_key = STATIC_SECRET;
	c.http.max_concurrency = concurrency;
	c.http.connect_timeout_ms = 5000;
	c.http.request_timeout_ms = 30000;
	c.http.max_retries = max_retries;
	c.http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	c.http.user_agent = ATHENA_USER_AGENT " test_http";
	return c;
}

typedef struct Outcome
{
	int			rows;
	int			failed;
	AthenaFailure failure;		/* error fields freed, copied below */
	char		type[128];
	char		message[512];
	int			attempts;
	AthenaCallStats stats;
	char	   *text;			/* rows as sorted lines, for comparisons */
} Outcome;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *
session_line(const AthenaSession *s)
{
	char		buf[1024];
	char	   *line;

	snprintf(buf, sizeof(buf), "%s|%s|%s|%d:%lld|%d:%lld|%d:%lld|%d:%lld",
			 s->session_id ? s->session_id : "-",
			 s->state ? s->state : "-",
			 s->state_change_reason ? s->state_change_reason : "-",
			 s->start_date_time.present,
			 (long long) s->start_date_time.unix_usec,
			 s->last_modified_date_time.present,
			 (long long) s->last_modified_date_time.unix_usec,
			 s->end_date_time.present,
			 (long long) s->end_date_time.unix_usec,
			 s->idle_since_date_time.present,
			 (long long) s->idle_since_date_time.unix_usec);
	line = strdup(buf);
	return line;
}

static Outcome
run_scan(HttpClient *client, const AthenaClientConfig *config,
		 const char *const *ids, int nids)
{
	Outcome		o;
	AthenaSessionScan *scan;
	AthenaSession s;
	AthenaFetch f;
	char	  **lines = calloc(nids + 1, sizeof(char *));
	size_t		total = 1;
	int			i;

	memset(&o, 0, sizeof(o));
	scan = athena_session_scan_lookup(client, config, ids, nids, false, NULL, NULL);
	if (scan == NULL)
	{
		o.failed = -1;
		free(lines);
		return o;
	}
	while ((f = athena_session_scan_next(scan, &s, &o.failure)) == ATHENA_FETCH_ROW)
	{
		lines[o.rows] = session_line(&s);
		total += strlen(lines[o.rows]) + 1;
		o.rows++;
		athena_session_free(&s);
	}
	if (f == ATHENA_FETCH_FAILED)
	{
		o.failed = 1;
		o.attempts = o.failure.attempts;
		snprintf(o.type, sizeof(o.type), "%s", o.failure.error.type);
		snprintf(o.message, sizeof(o.message), "%s", o.failure.error.message);
		aws_error_free(&o.failure.error);
	}
	{
		AthenaScanStats st;

		athena_session_scan_stats(scan, &st);
		o.stats = st.calls;
	}
	athena_session_scan_end(scan);

	qsort(lines, o.rows, sizeof(char *), cmp_str);
	o.text = malloc(total);
	o.text[0] = '\0';
	for (i = 0; i < o.rows; i++)
	{
		strcat(o.text, lines[i]);
		strcat(o.text, "\n");
		free(lines[i]);
	}
	free(lines);
	return o;
}

static char **gen_ids_buf = NULL;
static int	gen_ids_have = 0;

static const char *const *
gen_ids(int n)
{
	char	  **ids = gen_ids_buf;
	int			have = gen_ids_have;
	int			i;

	if (n > have)
	{
		ids = realloc(ids, n * sizeof(char *));
		for (i = have; i < n; i++)
		{
			ids[i] = malloc(16);
			snprintf(ids[i], 16, "gen-%d", i);
		}
		gen_ids_buf = ids;
		gen_ids_have = n;
	}
	return (const char *const *) ids;
}

static void
free_gen_ids(void)
{
	int			i;

	for (i = 0; i < gen_ids_have; i++)
		free(gen_ids_buf[i]);
	free(gen_ids_buf);
}

/* ---- interrupts ---- */

static jmp_buf interrupt_jmp;
static double interrupt_start;
static double interrupt_last;
static double interrupt_max_gap;
static int	interrupt_calls;
static double interrupt_after_ms;

static void
interrupt_cb(void *arg)
{
	double		t = now_ms();

	(void) arg;
	interrupt_calls++;
	if (interrupt_last > 0 && t - interrupt_last > interrupt_max_gap)
		interrupt_max_gap = t - interrupt_last;
	interrupt_last = t;
	if (t - interrupt_start >= interrupt_after_ms)
		longjmp(interrupt_jmp, 1);
}

static void
interrupt_arm(double after_ms)
{
	interrupt_start = now_ms();
	interrupt_last = 0;
	interrupt_max_gap = 0;
	interrupt_calls = 0;
	interrupt_after_ms = after_ms;
}

/* ---- engine-level tests (no Athena client) ---- */

typedef struct EngineArg
{
	const char *url;
	int			retry_all;
	int			prepared;
	const char *extra_header;	/* a second header line, or NULL */
} EngineArg;

static void
engine_prepare(void *arg, int item, int attempt, HttpRequest *req)
{
	EngineArg  *a = arg;
	static const char *headers[2] = {"Expect:"};

	(void) item;
	(void) attempt;
	a->prepared++;
	headers[1] = a->extra_header;
	req->url = a->url;
	req->headers = headers;
	req->nheaders = a->extra_header != NULL ? 2 : 1;
	req->body = "{}";
	req->body_len = 2;
}

static HttpRetryVerdict
engine_retry(void *arg, const HttpResult *r)
{
	EngineArg  *a = arg;

	(void) r;
	return a->retry_all != 0 ? HTTP_RETRY_BACKOFF : HTTP_RETRY_NO;
}

static void
test_engine(HttpClient *client)
{
	HttpOptions o;
	EngineArg	a;
	HttpBatch  *b;
	HttpResult *r;
	char		url[128];

	memset(&o, 0, sizeof(o));
	o.max_concurrency = 2;
	o.connect_timeout_ms = 2000;
	o.request_timeout_ms = 5000;
	o.max_retries = 2;
	o.max_body_bytes = 16;
	o.user_agent = "test_http";

	/* the mock answers an unsigned POST with a JSON error body > 16 bytes */
	mock_reset();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", mock_port);
	memset(&a, 0, sizeof(a));
	a.url = url;
	a.retry_all = 1;
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_BODY_TOO_LARGE && r->attempts == 1 &&
	   r->http_status == 400,
	   "engine: body over max_body_bytes aborted, not retried, status kept (outcome %d, attempts %d)",
	   r ? (int) r->outcome : -1, r ? r->attempts : -1);
	http_batch_result_free(r);
	ok(http_batch_next(b) == NULL, "engine: batch ends after its items");
	http_batch_end(b);

	/* a complete response with any status is HTTP_RESPONSE, with headers */
	o.max_body_bytes = 1 << 20;
	a.retry_all = 0;
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_RESPONSE && r->http_status == 400 &&
	   r->request_id != NULL && strlen(r->request_id) >= 32 &&
	   r->body_len == strlen(r->body) && r->error_text[0] == '\0',
	   "engine: 400 comes back as a response with its x-amzn-RequestId");
	http_batch_result_free(r);
	http_batch_end(b);

	/* refused connection: network error, retried as told */
	memset(&a, 0, sizeof(a));
	a.url = "http://127.0.0.1:1/";
	a.retry_all = 1;
	o.max_retries = 2;
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_NETWORK_ERROR && r->attempts == 3 &&
	   a.prepared == 3 && http_batch_stats(b)->retries == 2 &&
	   strlen(r->error_text) > 0,
	   "engine: refused connection is a network error, retried twice (\"%s\")",
	   r ? r->error_text : "");
	http_batch_result_free(r);
	http_batch_end(b);

	/* a prepare callback that gives no URL fails the attempt cleanly */
	memset(&a, 0, sizeof(a));
	a.url = NULL;
	b = http_batch_begin(client, &o, 3, engine_prepare, engine_retry, NULL, &a);
	{
		int			n = 0,
					bad = 0;

		while ((r = http_batch_next(b)) != NULL)
		{
			n++;
			if (r->outcome != HTTP_NETWORK_ERROR)
				bad++;
			http_batch_result_free(r);
		}
		ok(n == 3 && bad == 0, "engine: unprepared requests fail as network errors");
	}
	http_batch_end(b);

	/* a header with CR LF would smuggle a second request: never sent */
	mock_reset();
	memset(&a, 0, sizeof(a));
	a.url = url;
	a.retry_all = 1;
	a.extra_header = "X-Amz-Security-Token: tok\r\nContent-Length: 0\r\n\r\n"
		"POST /other HTTP/1.1\r\nX-Injected: yes";
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_UNSAFE_REQUEST && r->attempts == 1 &&
	   a.prepared == 1 && mock_stat("requests") == 0,
	   "engine: a header with a control character is refused, not sent, not retried (outcome %d, mock saw %d)",
	   r ? (int) r->outcome : -1, (int) mock_stat("requests"));
	http_batch_result_free(r);
	http_batch_end(b);
	a.extra_header = "X-Test: tab\tis fine too";
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_UNSAFE_REQUEST,
	   "engine: a tab is a control character as well");
	http_batch_result_free(r);
	http_batch_end(b);
	memset(&a, 0, sizeof(a));

	/* an empty batch */
	b = http_batch_begin(client, &o, 0, engine_prepare, engine_retry, NULL, &a);
	ok(b != NULL && http_batch_next(b) == NULL, "engine: empty batch");
	http_batch_end(b);
}

/* ---- client-level tests ---- */

static void
test_basic(HttpClient *client)
{
	AthenaClientConfig c = make_config(8, 3);
	const char *ids[] = {"s-idle", "s-busy", "s-terminated", "no-such-id",
	"s-unicode"};
	Outcome		o;

	mock_reset();
	o = run_scan(client, &c, ids, 5);
	ok(!o.failed && o.rows == 4, "fixtures: 4 rows, unknown id skipped (rows %d, failed %d %s)",
	   o.rows, o.failed, o.type);
	ok(strstr(o.text, "s-idle|IDLE|-|1:1700000000123456|1:1700000100500000|0:0|1:1700000100500000\n") != NULL,
	   "fixtures: s-idle parsed exactly");
	ok(mock_stat("requests") == 5 && mock_stat("signature_failures") == 0,
	   "fixtures: one signed request per id");
	ok(mock_last_has("signed_headers", "host") == 1 &&
	   mock_last_has("signed_headers", "x-amz-date") == 1 &&
	   mock_last_has("signed_headers", "x-amz-target") == 1 &&
	   mock_last_has("signed_headers", "content-type") == 1 &&
	   mock_last_has("header_names", "expect") == 0 &&
	   mock_last_has("header_names", "accept") == 0,
	   "request signs host, x-amz-date, x-amz-target, content-type; no Expect/Accept sent");
	ok(mock_last_sent_is_signed(), "the headers sent are the headers signed");
	free(o.text);

	/* Athena's other "no such session": InvalidRequestException */
	{
		const char *gone[] = {"vanished-1", "s-idle", "locked-1"};

		mock_reset();
		o = run_scan(client, &c, gone, 2);
		ok(!o.failed && o.rows == 1 && mock_stat("requests") == 2,
		   "InvalidRequestException \"Session ID ... was not found\": no row, "
		   "not retried (rows %d, failed %d %s, requests %ld)",
		   o.rows, o.failed, o.type, mock_stat("requests"));
		free(o.text);

		mock_reset();
		o = run_scan(client, &c, gone + 2, 1);
		ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_AWS &&
		   o.failure.error.error_class == AWS_ERROR_VALIDATION &&
		   strcmp(o.type, "InvalidRequestException") == 0 &&
		   mock_stat("requests") == 1,
		   "another InvalidRequestException is an error, not retried: %s",
		   o.message);
		free(o.text);
	}
}

static void
test_concurrency(HttpClient *client)
{
	AthenaClientConfig c = make_config(8, 3);
	Outcome		o;
	long		conns;

	mock_reset();
	mock_latency(5);
	o = run_scan(client, &c, gen_ids(200), 200);
	ok(!o.failed && o.rows == 200, "200 ids at concurrency 8: 200 rows");
	ok(o.stats.peak_in_flight == 8 && mock_stat("peak_in_flight") <= 8,
	   "concurrency limit kept: engine peak %d, mock peak %ld",
	   o.stats.peak_in_flight, mock_stat("peak_in_flight"));
	ok(o.stats.attempts == 200 && o.stats.retries_total == 0 && o.stats.api_usec > 0,
	   "stats: 200 attempts, no retries, api time %llu us",
	   (unsigned long long) o.stats.api_usec);
	conns = mock_stat("connections");
	ok(conns <= 8, "at most max_concurrency connections opened (%ld)", conns);
	free(o.text);

	/* a second batch reuses all of them: the pool keeps 8 alive */
	o = run_scan(client, &c, gen_ids(200), 200);
	ok(!o.failed && o.rows == 200 && mock_stat("connections") == conns,
	   "second batch opens no new connection (%ld -> %ld)",
	   conns, mock_stat("connections"));
	free(o.text);

	/* 64 wide, twice: more than curl's default pool would keep */
	c = make_config(64, 3);
	o = run_scan(client, &c, gen_ids(640), 640);
	conns = mock_stat("connections");
	free(o.text);
	o = run_scan(client, &c, gen_ids(640), 640);
	ok(!o.failed && o.rows == 640 && conns <= 8 + 64 &&
	   mock_stat("connections") == conns && mock_stat("peak_in_flight") <= 64,
	   "concurrency 64: peak %ld, connections %ld, none new in the second batch (%ld)",
	   mock_stat("peak_in_flight"), conns, mock_stat("connections"));
	free(o.text);
	mock_latency(0);
}

static void
test_sequential_reuse(void)
{
	HttpClient *client = http_client_create(NULL, 0);
	AthenaClientConfig c = make_config(8, 3);
	int			i,
				good = 0;

	mock_reset();
	for (i = 0; i < 50; i++)
	{
		Outcome		o = run_scan(client, &c, gen_ids(1), 1);

		good += (!o.failed && o.rows == 1);
		free(o.text);
	}
	ok(good == 50 && mock_stat("connections") == 1 && mock_stat("requests") == 50,
	   "50 sequential single-id batches on one client: 1 connection (%ld)",
	   mock_stat("connections"));
	http_client_destroy(client);
}

static void
test_retries(HttpClient *client)
{
	AthenaClientConfig c = make_config(4, 3);
	const char *ids[] = {"s-idle"};
	Outcome		o;
	double		t0;

	mock_reset();
	mock_fault("throttle", 2, -1);
	o = run_scan(client, &c, ids, 1);
	ok(!o.failed && o.rows == 1 && o.stats.attempts == 3 &&
	   o.stats.retries_total == 2 && mock_stat("requests") == 3,
	   "throttled twice: 3 attempts, 2 retries, then a row (mock saw %ld)",
	   mock_stat("requests"));
	free(o.text);

	mock_reset();
	mock_fault("throttle", -1, -1);
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_AWS &&
	   strcmp(o.type, "ThrottlingException") == 0 && o.attempts == 4 &&
	   mock_stat("requests") == 4,
	   "always throttled, max_retries 3: fails after 4 attempts (%s, %d)",
	   o.type, o.attempts);
	free(o.text);

	mock_reset();
	free(mock_call("/_mock/fault", "{\"kind\":\"http500\",\"count\":1}"));
	free(mock_call("/_mock/fault", "{\"kind\":\"html503\",\"count\":1,\"append\":true}"));
	o = run_scan(client, &c, ids, 1);
	ok(!o.failed && o.rows == 1 && o.stats.attempts == 3 &&
	   mock_stat("requests") == 3,
	   "500 and HTML 503 are retried (attempts %llu)",
	   (unsigned long long) o.stats.attempts);
	free(o.text);

	/*
	 * A reset on a fresh connection is ours to retry.  (On a reused one, curl
	 * itself resends once on a new connection before reporting.)
	 */
	{
		HttpClient *fresh = http_client_create(NULL, 0);

		mock_reset();
		mock_fault("reset", 1, -1);
		o = run_scan(fresh, &c, ids, 1);
		ok(!o.failed && o.rows == 1 && o.stats.attempts == 2 &&
		   mock_stat("requests") == 2,
		   "connection reset is retried (attempts %llu, mock saw %ld)",
		   (unsigned long long) o.stats.attempts, mock_stat("requests"));
		free(o.text);

		mock_reset();
		mock_fault("empty", -1, -1);
		o = run_scan(fresh, &c, ids, 1);
		ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_NETWORK &&
		   o.attempts == 4,
		   "empty replies: network failure after 4 attempts (%s)", o.message);
		free(o.text);
		http_client_destroy(fresh);
	}

	/* a request timeout is a network failure of kind "Timeout" */
	mock_reset();
	mock_fault("hang", -1, -1);
	c.http.request_timeout_ms = 300;
	c.http.max_retries = 1;
	t0 = now_ms();
	o = run_scan(client, &c, ids, 1);
	/* timings are reported, never asserted: machines are noisy */
	diag("hanging server: 2 attempts of 300 ms took %.0f ms", now_ms() - t0);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_NETWORK &&
	   strcmp(o.type, "Timeout") == 0 && o.attempts == 2 &&
	   mock_stat("requests") == 2,
	   "hanging server: timeout after request_timeout_ms, retried once (%s)",
	   o.message);
	free(o.text);
	c = make_config(4, 3);

	mock_reset();
	mock_fault("http429", 1, 1);
	t0 = now_ms();
	o = run_scan(client, &c, ids, 1);
	diag("429 with Retry-After: 1: the retry came after %.0f ms", now_ms() - t0);
	ok(!o.failed && o.rows == 1 && o.stats.attempts == 2 &&
	   mock_stat("requests") == 2,
	   "429 with Retry-After: 1 is retried once");
	free(o.text);

	/* retries of one item do not hold up the others */
	mock_reset();
	mock_fault("throttle", 1, -1);
	o = run_scan(client, &c, gen_ids(40), 40);
	ok(!o.failed && o.rows == 40 && o.stats.attempts == 41 && o.stats.retries_total == 1,
	   "one throttle among 40 ids: 41 attempts");
	free(o.text);
}

/* A rate gate as the FDW's, in this process: counts what it is asked. */
typedef struct CountingGate
{
	RateBucket	configured;
	bool		has_configured;
	AdaptiveRate adaptive;
	int			granted;
	int			held_back;
	int			answers;
	int			throttled;
} CountingGate;

static uint64_t
gate_acquire(void *arg, uint64_t now_usec)
{
	CountingGate *g = arg;
	uint64_t	wait = rate_limit_acquire(g->has_configured ? &g->configured : NULL,
										  &g->adaptive, now_usec);

	if (wait == 0)
		g->granted++;
	else
		g->held_back++;
	return wait;
}

static void
gate_on_answer(void *arg, uint64_t now_usec, uint64_t sent_usec, bool throttled)
{
	CountingGate *g = arg;

	g->answers++;
	if (throttled)
		g->throttled++;
	adaptive_rate_on_answer(&g->adaptive, now_usec, sent_usec, throttled);
}

static void
test_rate_gate(HttpClient *client)
{
	AthenaClientConfig c = make_config(4, 3);
	const char *ids[] = {"s-idle"};
	CountingGate g;
	Outcome		o;
	double		t0;

	memset(&g, 0, sizeof(g));
	c.http.rate_gate.acquire = gate_acquire;
	c.http.rate_gate.on_answer = gate_on_answer;
	c.http.rate_gate.arg = &g;

	mock_reset();
	mock_fault("throttle", 2, -1);
	t0 = now_ms();
	o = run_scan(client, &c, ids, 1);
	diag("throttled twice behind the adaptive gate: %.0f ms", now_ms() - t0);
	ok(!o.failed && o.rows == 1 && o.stats.attempts == 3 &&
	   o.stats.throttled == 2 && mock_stat("requests") == 3,
	   "rate gate: throttled twice, then a row (attempts %llu, throttled %llu)",
	   (unsigned long long) o.stats.attempts,
	   (unsigned long long) o.stats.throttled);
	ok(g.granted == 3 && g.answers == 3 && g.throttled == 2,
	   "rate gate: each attempt took a token, each answer was reported (%d granted, %d answers, %d throttled)",
	   g.granted, g.answers, g.throttled);
	ok(g.adaptive.limiting,
	   "rate gate: the throttling answers started the adaptive rate");
	free(o.text);

	/* a configured 4/s with no burst paces 4 ids: 3 are held back */
	memset(&g, 0, sizeof(g));
	rate_bucket_init(&g.configured, 4, 1, 0);
	g.has_configured = true;
	mock_reset();
	t0 = now_ms();
	o = run_scan(client, &c, gen_ids(4), 4);
	diag("4 ids at 4/s: %.0f ms", now_ms() - t0);
	ok(!o.failed && o.rows == 4 && g.granted == 4 && g.held_back >= 3 &&
	   g.answers == 4 && g.throttled == 0 && mock_stat("requests") == 4,
	   "rate gate: a configured rate holds requests back, sends each once (held back %d times)",
	   g.held_back);
	free(o.text);

	/* a network failure tells nothing about the quota */
	{
		HttpClient *fresh = http_client_create(NULL, 0);

		memset(&g, 0, sizeof(g));
		mock_reset();
		mock_fault("reset", 1, -1);
		o = run_scan(fresh, &c, ids, 1);
		ok(!o.failed && o.rows == 1 && g.granted == 2 && g.answers == 1,
		   "rate gate: a reset connection takes a token but reports no answer");
		free(o.text);
		http_client_destroy(fresh);
	}
}

/*
 * What the wait is told it waits for (HttpWaitFor, a backend's wait event):
 * an answer while a request is in flight, the rate gate or a retry's
 * backoff while none is.
 */
static int	waits_for[3];

static void
counting_wait(void *arg, int fd, long timeout_ms, HttpWaitFor what)
{
	struct pollfd pfd = {fd, POLLIN, 0};

	(void) arg;
	waits_for[what]++;
	if (timeout_ms < 0 || timeout_ms > 50)
		timeout_ms = 50;
	(void) poll(&pfd, 1, (int) timeout_ms);
}

static void
test_wait_reasons(void)
{
	HttpClient *client = http_client_create(NULL, 0);
	HttpOptions o;
	EngineArg	a;
	CountingGate g;
	HttpBatch  *b;
	HttpResult *r;
	char		url[128];
	int			n;

	http_client_set_wait(client, counting_wait, NULL);
	memset(&o, 0, sizeof(o));
	o.max_concurrency = 1;
	o.connect_timeout_ms = 2000;
	o.request_timeout_ms = 5000;
	o.max_body_bytes = 1 << 20;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", mock_port);

	/* one request answered: only answers were waited for */
	mock_reset();
	memset(&a, 0, sizeof(a));
	a.url = url;
	memset(waits_for, 0, sizeof(waits_for));
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->outcome == HTTP_RESPONSE && waits_for[HTTP_WAIT_REQUEST] > 0 &&
	   waits_for[HTTP_WAIT_RATE_GATE] == 0 && waits_for[HTTP_WAIT_BACKOFF] == 0,
	   "wait reasons: a request in flight waits for its answer (%d, %d, %d)",
	   waits_for[0], waits_for[1], waits_for[2]);
	http_batch_result_free(r);
	http_batch_end(b);

	/* a refused connection retried twice: the pauses are backoffs */
	memset(&a, 0, sizeof(a));
	a.url = "http://127.0.0.1:1/";
	a.retry_all = 1;
	o.max_retries = 2;
	memset(waits_for, 0, sizeof(waits_for));
	b = http_batch_begin(client, &o, 1, engine_prepare, engine_retry, NULL, &a);
	r = http_batch_next(b);
	ok(r != NULL && r->attempts == 3 && waits_for[HTTP_WAIT_BACKOFF] > 0 &&
	   waits_for[HTTP_WAIT_RATE_GATE] == 0,
	   "wait reasons: the pauses between retries are backoffs (%d, %d, %d)",
	   waits_for[0], waits_for[1], waits_for[2]);
	http_batch_result_free(r);
	http_batch_end(b);

	/* 3 items at 4/s with no burst: the gate holds two back */
	mock_reset();
	memset(&a, 0, sizeof(a));
	a.url = url;
	o.max_retries = 0;
	memset(&g, 0, sizeof(g));
	rate_bucket_init(&g.configured, 4, 1, 0);
	g.has_configured = true;
	o.rate_gate.acquire = gate_acquire;
	o.rate_gate.arg = &g;
	memset(waits_for, 0, sizeof(waits_for));
	b = http_batch_begin(client, &o, 3, engine_prepare, engine_retry, NULL, &a);
	n = 0;
	while ((r = http_batch_next(b)) != NULL)
	{
		n += r->outcome == HTTP_RESPONSE;
		http_batch_result_free(r);
	}
	ok(n == 3 && g.held_back > 0 && waits_for[HTTP_WAIT_RATE_GATE] > 0 &&
	   waits_for[HTTP_WAIT_BACKOFF] == 0,
	   "wait reasons: requests the rate gate holds back wait for the gate (%d, %d, %d)",
	   waits_for[0], waits_for[1], waits_for[2]);
	http_batch_end(b);
	http_client_destroy(client);
}

static void
test_no_retry(HttpClient *client)
{
	AthenaClientConfig c = make_config(4, 3);
	const char *ids[] = {"s-idle"};
	const char *missing[] = {"nope-1", "nope-2"};
	Outcome		o;

	/* wrong secret: 403 InvalidSignatureException, a 4xx: no retry */
	mock_reset();
	c.credentials.secret_access_key = "not-the-secret";
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_AWS && o.attempts == 1 &&
	   strcmp(o.type, "InvalidSignatureException") == 0 &&
	   o.failure.error.http_status == 403 && mock_stat("requests") == 1 &&
	   strstr(o.message, "not-the-secret") == NULL,
	   "403 is not retried (%s, attempts %d)", o.type, o.attempts);
	free(o.text);

	mock_reset();
	c = make_config(4, 3);
	o = run_scan(client, &c, missing, 2);
	ok(!o.failed && o.rows == 0 && mock_stat("requests") == 2,
	   "ResourceNotFoundException: no row, no retry");
	free(o.text);

	/* temporary credentials with a session token */
	mock_reset();
	c.credentials.access_key_id = TEMP_AKID;
	c.credentials.secret_access_key = TEMP_SECRET;
	c.credentials.session_token = TEMP_TOKEN;
	o = run_scan(client, &c, ids, 1);
	ok(!o.failed && o.rows == 1 &&
	   mock_last_has("signed_headers", "x-amz-security-token") == 1,
	   "temporary credentials: session token sent and signed");
	ok(mock_last_sent_is_signed(),
	   "the headers sent are the headers signed (with a session token)");
	free(o.text);
}

static void
test_bad_responses(HttpClient *client)
{
	AthenaClientConfig c = make_config(4, 3);
	const char *ids[] = {"s-idle"};
	const char *big[] = {"hostile-oversized"};
	const char *garbage[] = {"hostile-garbage"};
	const char *html[] = {"hostile-html"};
	Endpoint	ep;
	Outcome		o;

	mock_reset();
	mock_fault("oversized", 1, -1);
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE &&
	   o.attempts == 1 && mock_stat("requests") == 1 &&
	   strstr(o.message, "1048576") != NULL,
	   "2 MiB body aborted, not retried: %s: %s", o.type, o.message);
	free(o.text);

	/*
	 * Without a Content-Length the cap is enforced while reading: the mock
	 * streams 8 MiB slowly, and must have been cut off well before the end.
	 */
	mock_reset();
	mock_fault("stream", 1, -1);
	o = run_scan(client, &c, ids, 1);
	diag("chunked 8 MiB answer: the mock sent %ld bytes before the client went away",
		 mock_stat("stream_bytes_sent"));
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE &&
	   o.attempts == 1 && mock_stat("requests") == 1 &&
	   o.failure.error.http_status == 200 &&
	   strstr(o.message, "1048576") != NULL &&
	   mock_stat("stream_bytes_sent") < 8 * 1024 * 1024,
	   "chunked body aborted once past 1 MiB, not retried: %s", o.message);
	free(o.text);

	mock_reset();
	o = run_scan(client, &c, big, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE && o.attempts == 1,
	   "hostile-oversized fixture aborted");
	free(o.text);

	mock_reset();
	mock_fault("redirect", 1, -1);
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE &&
	   o.failure.error.http_status == 302 && o.attempts == 1 &&
	   strstr(o.message, "redirect not followed") != NULL &&
	   mock_stat("requests") == 1,
	   "302 not followed: %s", o.message);
	free(o.text);

	mock_reset();
	mock_fault("garbage", 1, -1);
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE &&
	   strcmp(o.type, "MalformedResponse") == 0 && o.attempts == 1,
	   "garbage 200 body: %s: %s", o.type, o.message);
	free(o.text);

	mock_reset();
	o = run_scan(client, &c, garbage, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_BAD_RESPONSE,
	   "hostile-garbage fixture: %s", o.message);
	free(o.text);

	mock_reset();
	c.http.max_retries = 1;
	o = run_scan(client, &c, html, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_AWS &&
	   o.failure.error.http_status == 503 && o.attempts == 2,
	   "HTML 503 retried then reported: %s: %s", o.type, o.message);
	free(o.text);

	/* network failure: nothing listens on port 1 */
	c = make_config(4, 1);
	if (!endpoint_parse("http://127.0.0.1:1", &ep, NULL, 0))
		abort();
	c.endpoint = &ep;
	o = run_scan(client, &c, ids, 1);
	endpoint_free(&ep);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_NETWORK && o.attempts == 2 &&
	   strcmp(o.type, "NetworkError") == 0,
	   "refused: network failure after 2 attempts: %s", o.message);
	free(o.text);
}

static void
test_interrupt(HttpClient *client)
{
	AthenaClientConfig c = make_config(4, 3);
	const char *const *ids = gen_ids(6);
	AthenaSessionScan *volatile scan = NULL;
	volatile int rows = 0;
	volatile double elapsed = 0;
	volatile int jumped = 0;
	Outcome		o;

	mock_reset();
	mock_fault("hang", -1, -1);
	interrupt_arm(200);
	if (setjmp(interrupt_jmp) == 0)
	{
		AthenaSession s;
		AthenaFailure f;

		scan = athena_session_scan_lookup(client, &c, ids, 6, false, interrupt_cb, NULL);
		while (athena_session_scan_next(scan, &s, &f) == ATHENA_FETCH_ROW)
		{
			rows++;
			athena_session_free(&s);
		}
	}
	else
		jumped = 1;
	elapsed = now_ms() - interrupt_start;
	/* timings are reported, never asserted: machines are noisy */
	diag("hang: interrupt fired %.0f ms after the scan started (armed at 200)",
		 elapsed);
	diag("interrupt checks: %d calls, largest gap %.1f ms (engine polls every 50)",
		 interrupt_calls, interrupt_max_gap);
	ok(jumped && rows == 0 && interrupt_calls >= 2,
	   "hang: the interrupt callback is called while waiting and longjmps out");
	ok(mock_stat("in_flight") == 4 && mock_stat("peak_in_flight") == 4,
	   "4 requests were hanging when the interrupt fired");
	athena_session_scan_end(scan);
	ok(wait_mock_idle(), "after the batch ends, the mock sees no request in flight");

	/* the client still works, and the hung connections are gone */
	mock_reset();
	o = run_scan(client, &c, gen_ids(20), 20);
	ok(!o.failed && o.rows == 20, "client usable after the longjmp");
	free(o.text);

	/* longjmp out of a busy batch, with results queued and retries pending */
	mock_reset();
	mock_latency(2);
	mock_fault("throttle", 5, -1);
	interrupt_arm(30);
	jumped = 0;
	rows = 0;
	if (setjmp(interrupt_jmp) == 0)
	{
		AthenaSession s;
		AthenaFailure f;

		scan = athena_session_scan_lookup(client, &c, gen_ids(500), 500, false,
										  interrupt_cb, NULL);
		while (athena_session_scan_next(scan, &s, &f) == ATHENA_FETCH_ROW)
		{
			rows++;
			athena_session_free(&s);
		}
	}
	else
		jumped = 1;
	athena_session_scan_end(scan);
	mock_latency(0);
	mock_reset();
	o = run_scan(client, &c, gen_ids(20), 20);
	ok(jumped && rows > 0 && rows < 500 && !o.failed && o.rows == 20,
	   "longjmp out of a busy batch after %d rows; the client still works", rows);
	free(o.text);
}

static void
test_identical(HttpClient *client)
{
	const char *fixed[] = {"s-idle", "s-busy", "s-creating", "s-created",
		"s-terminating", "s-terminated", "s-degraded", "s-failed", "s-exp",
	"s-future", "s-unicode", "s-min", "s-nulls", "s-extra", "missing-1"};
	const char *ids[315];
	AthenaClientConfig c1 = make_config(1, 3);
	AthenaClientConfig c64 = make_config(64, 3);
	Outcome		a,
				b;
	int			i;

	for (i = 0; i < 15; i++)
		ids[i] = fixed[i];
	for (i = 0; i < 300; i++)
		ids[15 + i] = gen_ids(300)[i];
	mock_reset();
	a = run_scan(client, &c1, ids, 315);
	b = run_scan(client, &c64, ids, 315);
	ok(!a.failed && !b.failed && a.rows == 314 && b.rows == 314 &&
	   strcmp(a.text, b.text) == 0,
	   "same rows at concurrency 1 and 64 (%d, %d)", a.rows, b.rows);
	free(a.text);
	free(b.text);
}

static void
test_self_join(HttpClient *client)
{
	AthenaClientConfig c = make_config(8, 3);
	AthenaSessionScan *s1,
			   *s2;
	AthenaSession s;
	AthenaFailure f;
	AthenaFetch f1 = ATHENA_FETCH_ROW,
				f2 = ATHENA_FETCH_ROW;
	int			n1 = 0,
				n2 = 0;

	mock_reset();
	mock_latency(2);
	s1 = athena_session_scan_lookup(client, &c, gen_ids(100), 100, false, NULL, NULL);
	s2 = athena_session_scan_lookup(client, &c, gen_ids(150), 150, false, NULL, NULL);
	while (f1 == ATHENA_FETCH_ROW || f2 == ATHENA_FETCH_ROW)
	{
		if (f1 == ATHENA_FETCH_ROW &&
			(f1 = athena_session_scan_next(s1, &s, &f)) == ATHENA_FETCH_ROW)
		{
			n1++;
			athena_session_free(&s);
		}
		if (f2 == ATHENA_FETCH_ROW &&
			(f2 = athena_session_scan_next(s2, &s, &f)) == ATHENA_FETCH_ROW)
		{
			n2++;
			athena_session_free(&s);
		}
	}
	ok(f1 == ATHENA_FETCH_DONE && f2 == ATHENA_FETCH_DONE && n1 == 100 && n2 == 150 &&
	   mock_stat("requests") == 250 && mock_stat("peak_in_flight") <= 16,
	   "two interleaved scans on one client: %d + %d rows, peak %ld",
	   n1, n2, mock_stat("peak_in_flight"));
	athena_session_scan_end(s1);
	athena_session_scan_end(s2);

	/* ending one scan early leaves the other's transfers alone */
	mock_reset();
	s1 = athena_session_scan_lookup(client, &c, gen_ids(100), 100, false, NULL, NULL);
	s2 = athena_session_scan_lookup(client, &c, gen_ids(100), 100, false, NULL, NULL);
	n1 = n2 = 0;
	while (n1 < 10 && athena_session_scan_next(s1, &s, &f) == ATHENA_FETCH_ROW)
	{
		n1++;
		athena_session_free(&s);
		if (athena_session_scan_next(s2, &s, &f) == ATHENA_FETCH_ROW)
		{
			n2++;
			athena_session_free(&s);
		}
	}
	athena_session_scan_end(s1);
	while ((f2 = athena_session_scan_next(s2, &s, &f)) == ATHENA_FETCH_ROW)
	{
		n2++;
		athena_session_free(&s);
	}
	athena_session_scan_end(s2);
	ok(n1 == 10 && n2 == 100 && f2 == ATHENA_FETCH_DONE,
	   "one of two scans ended early: the other still returns all %d rows", n2);
	mock_latency(0);
}

static void
test_endpoint_forms(HttpClient *client)
{
	AthenaClientConfig c = make_config(2, 0);
	const char *ids[] = {"s-busy"};
	char		text[96];
	Endpoint	ep;
	Outcome		o;

	mock_reset();
	snprintf(text, sizeof(text), "http://127.0.0.1:%d/", mock_port);
	if (!endpoint_parse(text, &ep, NULL, 0))
		abort();
	c.endpoint = &ep;
	o = run_scan(client, &c, ids, 1);
	endpoint_free(&ep);
	ok(!o.failed && o.rows == 1, "endpoint with a trailing slash");
	free(o.text);

	snprintf(text, sizeof(text), "http://localhost:%d", mock_port);
	if (!endpoint_parse(text, &ep, NULL, 0))
		abort();
	o = run_scan(client, &c, ids, 1);
	endpoint_free(&ep);
	ok(!o.failed && o.rows == 1 && mock_stat("signature_failures") == 0,
	   "endpoint by host name");
	free(o.text);
}

/* TerminateSession: the answers, gone sessions, and stopping after a failure */
static void
test_terminations(HttpClient *client)
{
	AthenaClientConfig c = make_config(8, 3);
	const char *ids[] = {"s-idle", "s-failed", "no-such-id", "gen-t1"};
	const char *expected[] = {"TERMINATING", "FAILED", NULL, "TERMINATING"};
	AthenaTerminations *t;
	AthenaTermination term;
	AthenaFailure failure;
	AthenaFetch f;
	int			accepted = 0;
	int			right = 0;
	int			failed = 0;
	int			i;

	mock_reset();
	t = athena_terminations_begin(client, &c, ATHENA_OP_TERMINATE_SESSION, ids, 4, NULL, NULL);
	while ((f = athena_terminations_next(t, &term, &failure)) != ATHENA_FETCH_DONE)
	{
		if (f == ATHENA_FETCH_FAILED)
		{
			failed++;
			aws_error_free(&failure.error);
			continue;
		}
		accepted++;
		if (term.state != NULL && expected[term.item] != NULL &&
			strcmp(term.state, expected[term.item]) == 0)
			right++;
		free(term.state);
	}
	athena_terminations_end(t);
	ok(accepted == 3 && right == 3 && failed == 0 &&
	   mock_stat("requests") == 4,
	   "terminations: 3 accepted with their states, the unknown id skipped, 4 requests (%d, %d, %d)",
	   accepted, right, failed);

	/*
	 * One at a time: the second fails.  The engine starts the next request as
	 * soon as a slot frees, before handing out the failure, so the third is
	 * on its way already and finishes; nothing after it is sent.
	 */
	mock_reset();
	free(mock_call("/_mock/fault",
				   "{\"kind\":\"denied\",\"op\":\"TerminateSession\",\"skip\":1}"));
	c = make_config(1, 3);
	accepted = failed = 0;
	t = athena_terminations_begin(client, &c, ATHENA_OP_TERMINATE_SESSION, gen_ids(5), 5, NULL, NULL);
	for (i = 0; i < 6; i++)
	{
		f = athena_terminations_next(t, &term, &failure);
		if (f == ATHENA_FETCH_DONE)
			break;
		if (f == ATHENA_FETCH_ROW)
		{
			accepted++;
			free(term.state);
			continue;
		}
		failed++;
		if (!ok(failure.kind == ATHENA_FAIL_AWS &&
				strcmp(failure.error.type, "AccessDeniedException") == 0 &&
				failure.attempts == 1,
				"terminations: the failure is the AWS error, not retried"))
			diag("kind %d, type %s", failure.kind, failure.error.type);
		aws_error_free(&failure.error);
		athena_terminations_stop(t);
	}
	athena_terminations_end(t);
	ok(accepted == 2 && failed == 1 && f == ATHENA_FETCH_DONE &&
	   mock_stat("requests") == 3,
	   "terminations: stopped after the failure, 3 requests (%d accepted, %d failed, %ld requests)",
	   accepted, failed, mock_stat("requests"));
}

/* ---- session scans: listings, details, not-found shapes ---- */

/* Requests the mock received for op since the last reset. */
static long
mock_op_count(const char *op)
{
	char	   *body = mock_call("/_mock/stats", NULL);
	json_object *root,
			   *by_op,
			   *v;
	long		result = 0;

	if (body == NULL)
		return -1;
	root = json_tokener_parse(body);
	if (root && json_object_object_get_ex(root, "requests_by_op", &by_op) &&
		json_object_object_get_ex(by_op, op, &v))
		result = (long) json_object_get_int64(v);
	json_object_put(root);
	free(body);
	return result;
}

static void
mock_page_size(const char *op, int size)
{
	char		json[128];

	snprintf(json, sizeof(json), "{\"op\":\"%s\",\"size\":%d}", op, size);
	free(mock_call("/_mock/page_size", json));
}

typedef struct ListOutcome
{
	int			rows;
	char		text[4096];		/* "id@workgroup" of the first rows, in order */
	int64_t		dpu_sum;		/* over rows with DpuExecutionInMillis */
	AthenaFetch last;
	char		error[256];		/* "type: message" of a failure */
	AthenaScanStats stats;
} ListOutcome;

/* Runs a scan to its end, or to max_rows rows (0: no limit). */
static ListOutcome
run_session_scan(HttpClient *client, const AthenaClientConfig *config,
				 const AthenaScanSpec *spec, int max_rows)
{
	ListOutcome o;
	AthenaSessionScan *scan;
	AthenaSession s;
	AthenaFailure f;

	memset(&o, 0, sizeof(o));
	scan = athena_session_scan_begin(client, config, spec, NULL, NULL);
	if (scan == NULL)
	{
		o.last = ATHENA_FETCH_FAILED;
		snprintf(o.error, sizeof(o.error), "could not begin");
		return o;
	}
	while ((max_rows == 0 || o.rows < max_rows) &&
		   (o.last = athena_session_scan_next(scan, &s, &f)) == ATHENA_FETCH_ROW)
	{
		size_t		used = strlen(o.text);

		if (used + 100 < sizeof(o.text))
			snprintf(o.text + used, sizeof(o.text) - used, "%s%s@%s",
					 o.rows ? "," : "", s.session_id,
					 s.workgroup ? s.workgroup : "-");
		if (s.dpu_execution_in_millis.present)
			o.dpu_sum += s.dpu_execution_in_millis.value;
		o.rows++;
		athena_session_free(&s);
	}
	if (o.last == ATHENA_FETCH_FAILED)
	{
		snprintf(o.error, sizeof(o.error), "%s: %s", f.error.type, f.error.message);
		aws_error_free(&f.error);
	}
	athena_session_scan_stats(scan, &o.stats);
	athena_session_scan_end(scan);
	return o;
}

static AthenaScanSpec
list_spec(const char *const *workgroups, int nworkgroups,
		  const char *const *states, int nstates, bool details)
{
	AthenaScanSpec spec;

	memset(&spec, 0, sizeof(spec));
	spec.workgroups = workgroups;
	spec.nworkgroups = nworkgroups;
	spec.states = states;
	spec.nstates = nstates;
	spec.details = details;
	return spec;
}

static void
test_session_scans(HttpClient *client)
{
	AthenaClientConfig c = make_config(8, 2);
	const char *analytics[] = {"spark-analytics"};
	const char *two[] = {"spark-etl", "spark-analytics"};
	const char *gen250[] = {"gen-250"};
	const char *gen1000[] = {"gen-1000"};
	const char *primary[] = {"primary"};
	const char *unknown[] = {"no-such-workgroup"};
	const char *idle_terminated[] = {"IDLE", "TERMINATED"};
	AthenaScanSpec spec;
	ListOutcome o;
	char		long_id[258];
	const char *ids[6];

	mock_reset();
	spec = list_spec(analytics, 1, NULL, 0, false);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE &&
	   strcmp(o.text, "la-idle-1@spark-analytics,la-busy@spark-analytics,"
			  "la-idle-2@spark-analytics") == 0 &&
	   mock_op_count("ListSessions") == 1 && mock_stat("requests") == 1 &&
	   o.stats.pages == 1 && o.stats.calls.calls[ATHENA_OP_LIST_SESSIONS] == 1,
	   "listing: one workgroup, newest first, one page");
	if (o.last != ATHENA_FETCH_DONE)
		diag("%s", o.error);

	mock_reset();
	spec = list_spec(two, 2, idle_terminated, 2, false);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 4 &&
	   strstr(o.text, "la-terminated@spark-analytics") != NULL &&
	   strstr(o.text, "le-idle@spark-etl") != NULL &&
	   strstr(o.text, "la-busy") == NULL &&
	   mock_op_count("ListSessions") == 4,
	   "listing: two workgroups by two states are four listings");
	diag("rows %s", o.text);

	mock_reset();
	spec = list_spec(gen250, 1, NULL, 0, false);
	o = run_session_scan(client, &c, &spec, 5);
	ok(o.rows == 5 && mock_op_count("ListSessions") == 1 &&
	   strncmp(o.text, "gen-250-00000@gen-250,gen-250-00001@gen-250", 43) == 0,
	   "listing: 5 rows of 250 read one page");
	mock_reset();
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 250 && o.stats.pages == 3 &&
	   mock_op_count("ListSessions") == 3,
	   "listing: 250 rows are 3 pages of 100");

	mock_reset();
	mock_page_size("ListWorkGroups", 2);
	spec = list_spec(NULL, 0, NULL, 0, false);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 5 &&
	   mock_op_count("ListWorkGroups") == 3 && mock_op_count("ListSessions") == 2 &&
	   strstr(o.text, "le-creating@spark-etl") != NULL &&
	   strstr(o.text, "la-idle-2@spark-analytics") != NULL,
	   "every workgroup: 3 pages of workgroups, only the 2 enabled Spark ones listed");
	diag("rows %s", o.text);

	mock_reset();
	spec = list_spec(primary, 1, NULL, 0, false);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 0 &&
	   mock_op_count("ListSessions") == 1,
	   "a workgroup without Spark lists nothing, without an error");
	mock_reset();
	spec = list_spec(unknown, 1, NULL, 0, false);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_FAILED &&
	   strcmp(o.error, "InvalidRequestException: WorkGroup no-such-workgroup is not found") == 0,
	   "an unknown workgroup is an error");

	mock_reset();
	spec = list_spec(analytics, 1, NULL, 0, true);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 3 && o.dpu_sum == 5400123 + 120000 &&
	   strstr(o.text, "la-idle-2@spark-analytics") != NULL &&
	   mock_op_count("GetSession") == 3 && mock_op_count("ListSessions") == 1,
	   "listing with details: one GetSession per row");

	mock_reset();
	c = make_config(16, 2);
	spec = list_spec(gen1000, 1, NULL, 0, true);
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 1000 && o.stats.pages == 10 &&
	   o.dpu_sum == INT64_C(1000) * 5400123 &&
	   mock_op_count("GetSession") == 1000 && mock_op_count("ListSessions") == 10 &&
	   mock_stat("peak_in_flight") <= 16,
	   "listing with details: 1000 rows, 10 pages, 1000 GetSession, at most 16 in flight");
	mock_reset();
	o = run_session_scan(client, &c, &spec, 5);

	/*
	 * How many detail calls start before the scan ends depends on how the
	 * answers bunch up (each completion refills the window), so the bound is
	 * the page, not a timing-dependent multiple of the window.
	 */
	ok(o.rows == 5 && mock_op_count("ListSessions") == 1 &&
	   mock_op_count("GetSession") < 100,
	   "listing with details: 5 rows read one page, and not all of its details");
	diag("5 rows with details sent %ld GetSession", mock_op_count("GetSession"));

	/* lookups: both not-found shapes, ids that cannot exist */
	mock_reset();
	c = make_config(8, 2);
	memset(long_id, 'x', 257);
	long_id[257] = '\0';
	ids[0] = "la-idle-1";
	ids[1] = "vanished-1";
	ids[2] = "nope";
	ids[3] = "";
	ids[4] = long_id;
	ids[5] = "s-busy";
	memset(&spec, 0, sizeof(spec));
	spec.lookup = true;
	spec.ids = ids;
	spec.nids = 6;
	spec.details = true;
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 2 && o.dpu_sum == 5400123 &&
	   strstr(o.text, "la-idle-1@spark-analytics") != NULL &&
	   strstr(o.text, "s-busy@-") != NULL &&
	   mock_op_count("GetSession") == 4 && mock_stat("requests") == 4,
	   "lookup with details: GetSession for the 4 possible ids, 2 rows");
	mock_reset();
	spec.details = false;
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 2 &&
	   mock_op_count("GetSessionStatus") == 4 && mock_stat("requests") == 4,
	   "lookup: both not-found shapes are no row; empty and long ids never sent");
	ids[0] = "locked-1";
	spec.nids = 1;
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_FAILED &&
	   strcmp(o.error, "InvalidRequestException: The request could not be processed: the session is locked") == 0,
	   "another InvalidRequestException is an error");
	ids[0] = "";
	mock_reset();
	o = run_session_scan(client, &c, &spec, 0);
	ok(o.last == ATHENA_FETCH_DONE && o.rows == 0 && mock_stat("requests") == 0,
	   "a lookup of only an empty id sends nothing");
	ok(athena_session_id_possible("x") &&
	   athena_session_id_possible("\xc3\xa9\xc3\xa9") &&
	   !athena_session_id_possible("") && !athena_session_id_possible(long_id) &&
	   (long_id[256] = '\0', athena_session_id_possible(long_id)),
	   "possible ids: 1 to 256 characters");
	mock_page_size("ListWorkGroups", 0);
}

/*
 * Permanent TLS failures are not retried: a certificate the client cannot
 * trust, a certificate for another host, and TLS spoken to a plain HTTP
 * port each fail after one attempt, with curl's message, although
 * max_retries is 3.  A second mock serves TLS with a self-signed
 * certificate made here; the mock counts the handshakes it saw refused.
 */
static void
test_tls(HttpClient *client)
{
	AthenaClientConfig c = make_config(2, 3);
	const char *ids[] = {"s-idle"};
	char		dir[] = "/tmp/test_http_tlsXXXXXX";
	char		cmd[512];
	char		text[128];
	char		cafile[300];
	int			saved_port = mock_port;
	int			port = 0;
	int			tls_port = 0;
	pid_t		pid = 0;
	Endpoint	ep;
	Outcome		o;

	if (mkdtemp(dir) == NULL)
	{
		ok(false, "TLS: temporary directory");
		return;
	}
	snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
			 "-keyout %s/key.pem -out %s/cert.pem -subj /CN=localhost "
			 "-addext subjectAltName=DNS:localhost >/dev/null 2>&1", dir, dir);
	if (system(cmd) != 0 || (pid = spawn_mock(dir, &port, &tls_port)) == 0)
	{
		ok(false, "TLS: a mock with a self-signed certificate started");
		goto done;
	}
	mock_port = port;			/* its counters, through its plain port */
	snprintf(cafile, sizeof(cafile), "%s/cert.pem", dir);

	/* not trusted: the system store does not know the certificate */
	mock_reset();
	snprintf(text, sizeof(text), "https://127.0.0.1:%d", tls_port);
	if (!endpoint_parse(text, &ep, NULL, 0))
		abort();
	c.endpoint = &ep;
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && o.failure.kind == ATHENA_FAIL_NETWORK &&
	   strcmp(o.type, "TLSError") == 0 && o.attempts == 1 &&
	   o.stats.attempts == 1 && mock_stat("tls_handshake_failures") == 1,
	   "TLS: untrusted certificate fails at once, 1 attempt, 1 handshake: %s",
	   o.message);
	free(o.text);

	/*
	 * trusted, for another host: the certificate names localhost only.  The
	 * handshake itself succeeds (curl checks the name after it), so count
	 * connections: the scan's and the stats call's own, 2.
	 */
	mock_reset();
	c.http.ca_file = cafile;
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && strcmp(o.type, "TLSError") == 0 && o.attempts == 1 &&
	   mock_stat("tcp_accepts") == 2,
	   "TLS: certificate for another host fails at once, 1 attempt: %s",
	   o.message);
	free(o.text);
	endpoint_free(&ep);

	/* trusted and for this host: the listener itself works */
	mock_reset();
	snprintf(text, sizeof(text), "https://localhost:%d", tls_port);
	if (!endpoint_parse(text, &ep, NULL, 0))
		abort();
	o = run_scan(client, &c, ids, 1);
	ok(!o.failed && o.rows == 1 && mock_stat("requests") == 1,
	   "TLS: with the certificate trusted the same endpoint answers (rows %d, %s)",
	   o.rows, o.message);
	free(o.text);
	endpoint_free(&ep);

	/*
	 * TLS spoken to the plain HTTP port: no common protocol.  tcp_accepts
	 * counts the scan's connections and the stats call's own: 2.
	 */
	mock_reset();
	snprintf(text, sizeof(text), "https://127.0.0.1:%d", port);
	if (!endpoint_parse(text, &ep, NULL, 0))
		abort();
	c.http.ca_file = NULL;
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && strcmp(o.type, "TLSError") == 0 && o.attempts == 1 &&
	   mock_stat("tcp_accepts") == 2,
	   "TLS: protocol mismatch fails at once, 1 attempt: %s", o.message);
	free(o.text);
	endpoint_free(&ep);

	/* a transient failure is still retried: refused, 4 attempts */
	if (!endpoint_parse("https://127.0.0.1:1", &ep, NULL, 0))
		abort();
	o = run_scan(client, &c, ids, 1);
	ok(o.failed == 1 && strcmp(o.type, "NetworkError") == 0 && o.attempts == 4,
	   "TLS: connection refused on an https endpoint is still retried (%d attempts)",
	   o.attempts);
	free(o.text);
	endpoint_free(&ep);

done:
	stop_mock_process(&pid);
	mock_port = saved_port;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

int
main(void)
{
	HttpClient *client;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!start_mock())
	{
		printf("1..0 # SKIP could not start the mock\n");
		return 1;
	}
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", mock_port);
	if (!endpoint_parse(endpoint, &mock_endpoint, NULL, 0))
		abort();
	free(mock_call("/_mock/stats", NULL));

	client = http_client_create(NULL, 0);
	ok(client != NULL, "client created");

	test_engine(client);
	test_basic(client);
	test_concurrency(client);
	test_sequential_reuse();
	test_retries(client);
	test_rate_gate(client);
	test_wait_reasons();
	test_no_retry(client);
	test_bad_responses(client);
	test_interrupt(client);
	test_identical(client);
	test_self_join(client);
	test_endpoint_forms(client);
	test_tls(client);
	test_terminations(client);
	test_session_scans(client);

	http_client_destroy(client);
	endpoint_free(&mock_endpoint);
	mock_reset();
	stop_mock();
	free_gen_ids();
	curl_global_cleanup();
	return tap_finish();
}

/*
 * c_client.c
 *		Fetches gen-0..gen-(n-1) from the mock through athena_client, to
 *		measure the C client without PostgreSQL.
 *
 *		c_client <port> <concurrency> <n_ids> [rounds]
 *
 * Prints, per round, the wall time and the CPU time per call (user+system,
 * from getrusage), plus the engine's stats.  All rounds share one
 * HttpClient, as one backend's queries do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sessions.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
cpu_usec(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
	int			port,
				concurrency,
				nids,
				rounds = 1;
	char		endpoint[64];
	Endpoint	parsed_endpoint;
	char		reason[256];
	char	  **ids;
	char	   *idbuf;
	HttpClient *client;
	AthenaClientConfig config;
	int			r,
				i;
	int			status = 0;

	if (argc < 4 || argc > 5)
	{
		fprintf(stderr, "usage: %s <port> <concurrency> <n_ids> [rounds]\n",
				argv[0]);
		return 2;
	}
	port = atoi(argv[1]);
	concurrency = atoi(argv[2]);
	nids = atoi(argv[3]);
	if (argc == 5)
		rounds = atoi(argv[4]);
	if (port <= 0 || concurrency < 1 || nids < 0 || rounds < 1)
	{
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}

	ids = malloc(sizeof(char *) * (nids > 0 ? nids : 1));
	idbuf = malloc((size_t) 16 * (nids > 0 ? nids : 1));
	if (ids == NULL || idbuf == NULL)
		return 1;
	for (i = 0; i < nids; i++)
	{
		ids[i] = idbuf + (size_t) 16 * i;
		snprintf(ids[i], 16, "gen-%d", i);
	}

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
	memset(&config, 0, sizeof(config));
	if (!endpoint_parse(endpoint, &parsed_endpoint, reason, sizeof(reason)))
	{
		fprintf(stderr, "%s: %s\n", endpoint, reason);
		return 1;
	}
	config.endpoint = &parsed_endpoint;
	config.region = "us-east-1";
	config.credentials.access_key_id = "AKIDMOCKSTATIC";
	config.credentials.secret_access_key =
		"mock/static/SECRET+key0123456789abcdefEXAMPLE";
	config.http.max_concurrency = concurrency;
	config.http.connect_timeout_ms = 5000;
	config.http.request_timeout_ms = 30000;
	config.http.max_retries = 5;
	config.http.max_body_bytes = ATHENA_MAX_BODY_BYTES;
	config.http.user_agent = ATHENA_USER_AGENT " c_client";

	client = http_client_create(NULL, 0);
	if (client == NULL)
	{
		fprintf(stderr, "could not create the HTTP client\n");
		return 1;
	}

	for (r = 1; r <= rounds; r++)
	{
		AthenaSessionScan *scan;
		AthenaSession session;
		AthenaFailure failure;
		AthenaFetch f;
		AthenaScanStats scan_stats;
		const AthenaCallStats *st = &scan_stats.calls;
		double		t0 = now_ms(),
					c0 = cpu_usec();
		int			rows = 0;

		scan = athena_session_scan_lookup(client, &config,
										  (const char *const *) ids, nids, false,
										  NULL, NULL);
		if (scan == NULL)
		{
			fprintf(stderr, "could not begin the scan\n");
			status = 1;
			break;
		}
		while ((f = athena_session_scan_next(scan, &session, &failure)) ==
			   ATHENA_FETCH_ROW)
		{
			rows++;
			athena_session_free(&session);
		}
		if (f == ATHENA_FETCH_FAILED)
		{
			fprintf(stderr, "failed after %d attempts: %s: %s (HTTP %d)\n",
					failure.attempts, failure.error.type,
					failure.error.message, failure.error.http_status);
			aws_error_free(&failure.error);
			status = 1;
		}
		athena_session_scan_stats(scan, &scan_stats);
		printf("round %d: %d rows, %.1f ms, %.1f us CPU/call, "
			   "attempts %llu, retries %llu, peak %d, api %.1f ms\n",
			   r, rows, now_ms() - t0,
			   nids > 0 ? (cpu_usec() - c0) / nids : 0.0,
			   (unsigned long long) st->attempts,
			   (unsigned long long) st->retries_total,
			   st->peak_in_flight, st->api_usec / 1000.0);
		athena_session_scan_end(scan);
		if (status != 0)
			break;
	}

	http_client_destroy(client);
	endpoint_free(&parsed_endpoint);
	free(ids);
	free(idbuf);
	return status;
}

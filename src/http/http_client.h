/*
 * http_client.h
 *		The long-lived half of the HTTP engine: libcurl's multi handle driven
 *		through an epoll set, its caches, the pool of easy handles, and how
 *		the caller waits for the network.
 *
 * Pure C, no PostgreSQL headers.  A client is what makes later requests
 * cheap: kept-alive connections, DNS cache, TLS sessions, idle easy
 * handles.  One per (server, user mapping) in a backend; several batches
 * (http_batch.h) may use one client at once (a self-join runs two scans
 * side by side).
 */
#ifndef ATHENA_HTTP_CLIENT_H
#define ATHENA_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct HttpClient HttpClient;

/*
 * Blocks until fd, the client's epoll set, is readable or timeout_ms have
 * passed (-1: no deadline).  Returning early is fine (the engine looks at
 * the sockets, its timers and its retries, then waits again).  It may
 * longjmp, as PostgreSQL's CHECK_FOR_INTERRUPTS does: the engine calls it
 * between libcurl calls, with its state consistent.  A PostgreSQL backend
 * waits on its latch here, so that pg_stat_activity shows the wait and a
 * cancel ends it at once; what says what the batch waits for, for the
 * wait event it reports.
 */
typedef enum HttpWaitFor
{
	HTTP_WAIT_REQUEST,			/* an answer to a request in flight */
	HTTP_WAIT_RATE_GATE,		/* the rate gate, to let the next request go */
	HTTP_WAIT_BACKOFF			/* a retry's backoff, nothing in flight */
} HttpWaitFor;

typedef void (*HttpWaitFn) (void *arg, int fd, long timeout_ms,
							HttpWaitFor what);

/*
 * NULL on failure, with a lower-case reason in reason[reasonlen] ("out of
 * memory", "could not initialize libcurl: ..."); reason may be NULL when
 * reasonlen is 0.  The client waits with poll() until
 * http_client_set_wait says otherwise.
 */
extern HttpClient *http_client_create(char *reason, size_t reasonlen);

/*
 * Replaces the wait (NULL: back to poll()).  The poll() default returns at
 * least every 50 ms, so that a batch's interrupt callback runs that often.
 */
extern void http_client_set_wait(HttpClient *client, HttpWaitFn wait,
								 void *arg);

/*
 * The client's retry quota (retry_policy.h), for the options of the
 * batches that should share it: one endpoint and key.
 */
extern struct RetryQuota *http_client_retry_quota(HttpClient *client);

/* Only when no batch of this client is active. */
extern void http_client_destroy(HttpClient *client);

#endif							/* ATHENA_HTTP_CLIENT_H */

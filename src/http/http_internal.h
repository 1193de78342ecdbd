/*
 * http_internal.h
 *		What http_batch.c uses of http_client.c: the easy-handle pool, the
 *		multi handle, waiting, and the transfers that finished.  The batch
 *		engine calls down into the client, never the other way.  Nothing
 *		outside the HTTP engine includes this.
 */
#ifndef ATHENA_HTTP_INTERNAL_H
#define ATHENA_HTTP_INTERNAL_H

#include <stdint.h>

#include <curl/curl.h>

#include "http_batch.h"
#include "http_client.h"

/* An easy handle from the pool (reset), or a new one; NULL on OOM. */
extern CURL *http_client_acquire_easy(HttpClient *client);

/* Back to the pool, or cleaned up when the pool is full. */
extern void http_client_release_easy(HttpClient *client, CURL *easy);

/*
 * Sets the options by which the client owns the transfer's sockets and
 * caches: CURLOPT_SHARE and the open/close socket callbacks.
 */
extern bool http_client_setup_easy(HttpClient *client, CURL *easy);

/*
 * Adds a transfer, whose CURLOPT_PRIVATE is the caller's slot; it starts at
 * the next http_client_run_timers or http_client_wait.
 */
extern bool http_client_add(HttpClient *client, CURL *easy);

/* Takes a transfer out before it finished (a batch ending early). */
extern void http_client_remove(HttpClient *client, CURL *easy);

/* A batch of this many slots begins (n > 0) or ends (n < 0). */
extern void http_client_reserve(HttpClient *client, int connections);

/* A 32-bit random number, for backoff jitter. */
extern uint32_t http_client_random(HttpClient *client);

/* Runs curl's due timers (transfers just added start here). */
extern void http_client_run_timers(HttpClient *client);

/*
 * Waits up to max_ms (-1: as long as curl's timers allow) through the
 * client's wait function, hands ready sockets to curl and runs due timers;
 * what is told to the wait function.
 */
extern void http_client_wait(HttpClient *client, long max_ms,
							 HttpWaitFor what);

/*
 * A transfer that finished, taken out of the multi handle: its
 * CURLOPT_PRIVATE (a batch's slot, of whichever batch of this client), with
 * its CURLcode in *code; NULL when none is left.
 */
extern void *http_client_next_finished(HttpClient *client, int *code);

/* CLOCK_MONOTONIC in microseconds. */
extern uint64_t http_now_usec(void);

/* Tells the client's observer (http_client_observe), if any, of an attempt. */
extern void http_client_tell_observer(HttpClient *client, const char *operation,
									  const HttpResult *attempt, uint64_t usec);

#endif							/* ATHENA_HTTP_INTERNAL_H */

/*
 * http_internal.h
 *		What http_batch.c uses of http_client.c: the easy-handle pool, the
 *		multi handle, waiting; and the one call back the other way, when a
 *		transfer finishes.  Nothing outside the HTTP engine includes this.
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

/*
 * Runs curl's due timers (transfers just added start here) and hands every
 * finished transfer to http_batch_transfer_done.
 */
extern void http_client_run_timers(HttpClient *client);

/*
 * Waits up to max_ms (-1: as long as curl's timers allow) through the
 * client's wait function, hands ready sockets to curl, runs due timers and
 * hands finished transfers to http_batch_transfer_done; what is told to the
 * wait function.
 */
extern void http_client_wait(HttpClient *client, long max_ms,
							 HttpWaitFor what);

/*
 * In http_batch.c: the transfer of slot (its CURLOPT_PRIVATE) finished with
 * code and is no longer in the multi handle.  Queues it on its batch; runs
 * no caller code.
 */
extern void http_batch_transfer_done(void *slot, CURLcode code);

/* CLOCK_MONOTONIC in microseconds. */
extern uint64_t http_now_usec(void);

/* Tells the client's observer (http_client_observe), if any, of an attempt. */
extern void http_client_tell_observer(HttpClient *client, const char *operation,
									  const HttpResult *attempt, uint64_t usec);

#endif							/* ATHENA_HTTP_INTERNAL_H */

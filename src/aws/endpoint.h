/*
 * endpoint.h
 *		The endpoint option: a base URL parsed into what a request needs (the
 *		URL to post to, the Host header, the path to sign), or a reason why
 *		it cannot be used.
 *
 * Pure C, no PostgreSQL headers.  The option validator and the client use
 * this one parser, so a value accepted at CREATE/ALTER is one the client
 * can send to.
 */
#ifndef ATHENA_ENDPOINT_H
#define ATHENA_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Endpoint
{
	char	   *url;			/* the base URL with a trailing "/" */
	char	   *host;			/* Host header: host[:port], no default port */
	char	   *path;			/* path of url as signed, e.g. "/" */
} Endpoint;

/*
 * Parses text, an "https://" or "http://" base URL without user
 * information, query or fragment, into *out (malloc'd strings; free with
 * endpoint_free).  On failure returns false, leaves *out empty and writes a
 * lower-case reason without a period into reason (may be NULL), e.g. "the
 * port is not a number from 1 to 65535", "the host is not a valid IPv6
 * address", "the URL has no host" or "out of memory".
 */
extern bool endpoint_parse(const char *text, Endpoint *out,
						   char *reason, size_t reasonlen);

extern void endpoint_free(Endpoint *endpoint);

/*
 * Whether host, as libcurl's URL parser gives it (IPv6 in brackets), is this
 * machine: an IPv4 literal in 127.0.0.0/8, the IPv6 literal [::1] (in any
 * spelling), or the name "localhost".  Decided on the address, never on a
 * prefix: "127.evil.example" and "127.0.0.1.nip.io" are names that resolve
 * anywhere.
 */
extern bool endpoint_host_is_loopback(const char *host);

#endif							/* ATHENA_ENDPOINT_H */

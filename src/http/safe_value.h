/*
 * safe_value.h
 *		The one rule for text that becomes part of an HTTP request.
 *
 * A key id, a session token, a region or a path that holds CR or LF can end
 * a header early and start another one, or a second request on the same
 * connection (request smuggling); NUL truncates it silently.  Every value,
 * whatever its source (options, environment, files, metadata services, STS,
 * credential processes), is checked here before it is used.
 */
#ifndef ATHENA_SAFE_VALUE_H
#define ATHENA_SAFE_VALUE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when value[0..len) holds no control character: no byte of C0
 * (0x00-0x1F, NUL, CR and LF among them) and no DEL (0x7F).
 */
extern bool aws_value_is_clean(const char *value, size_t len);

/* The same for a NUL-terminated string (NULL is clean: nothing is sent). */
extern bool aws_cstring_is_clean(const char *value);

#endif							/* ATHENA_SAFE_VALUE_H */

/*
 * aws_json.h
 *		The strict JSON reader and writer under AWS's JSON 1.1 protocol, on
 *		json-c: one object per answer, typed members, checked strings.
 *
 * Pure C, no PostgreSQL headers.  json-c's types appear only as struct
 * json_object, so that the FDW may include this header (json-c's
 * json_object clashes with one of PostgreSQL's SQL functions).  Everything
 * from the network is untrusted: strings handed back are valid UTF-8
 * without NUL bytes, because they become PostgreSQL text values.
 *
 * Readers return false with a short lower-case reason in errbuf (which may
 * be NULL), naming the member by its path: "field \"Status.State\" is not
 * a string".  An absent member and a JSON null both read as absent.
 */
#ifndef ATHENA_AWS_JSON_H
#define ATHENA_AWS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define AWS_JSON_CONTENT_TYPE "application/x-amz-json-1.1"

/* A timestamp from the API: microseconds since 1970-01-01 00:00:00 UTC. */
typedef struct AwsTimestamp
{
	bool		present;
	int64_t		unix_usec;
} AwsTimestamp;

/* An integer from the API; present is false when the field was absent. */
typedef struct AwsInteger
{
	bool		present;
	int64_t		value;
} AwsInteger;

/*
 * Whether s[0..n) is valid UTF-8 (RFC 3629: no overlong forms, surrogates
 * or code points above U+10FFFF) without NUL.
 */
extern bool aws_utf8_valid(const char *s, size_t n);

/*
 * A malloc'd copy of s[0..n) fit for a message: each invalid sequence and
 * NUL replaced by U+FFFD, cut at a character boundary to at most max bytes
 * (ending in "..." when cut).  NULL on out of memory.
 */
extern char *aws_utf8_sanitize(const char *s, size_t n, size_t max);

/* Writes the reason into errbuf (when not NULL) and returns false. */
extern bool aws_json_fail(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/*
 * Tokenizes body as exactly one strict JSON value into *result (the caller
 * puts it; NULL for a JSON null), bounded in nesting.
 */
extern bool aws_json_parse_value(const char *body, size_t len,
								 struct json_object **result,
								 char *errbuf, size_t errlen);

/* The same, for a body that must be one JSON object. */
extern bool aws_json_parse_object(const char *body, size_t len,
								  struct json_object **root,
								  char *errbuf, size_t errlen);

/*
 * Members of obj; path names the member in a reason.  A string is copied
 * (malloc'd), and must be valid UTF-8 without NUL; a timestamp is epoch
 * seconds (aws_json_parse_epoch_usec); an integer must be a JSON integer in
 * [min, max]; an object is borrowed from obj; a string map (string keys to
 * string values) comes back as its compact JSON text.
 */
extern bool aws_json_get_string(struct json_object *obj, const char *name,
								const char *path, char **out,
								char *errbuf, size_t errlen);
extern bool aws_json_get_timestamp(struct json_object *obj, const char *name,
								   const char *path, AwsTimestamp *out,
								   char *errbuf, size_t errlen);
extern bool aws_json_get_integer(struct json_object *obj, const char *name,
								 const char *path, int64_t min, int64_t max,
								 AwsInteger *out, char *errbuf, size_t errlen);
extern bool aws_json_get_object(struct json_object *obj, const char *name,
								const char *path, struct json_object **out,
								char *errbuf, size_t errlen);
extern bool aws_json_get_string_map(struct json_object *obj, const char *name,
									const char *path, char **out,
									char *errbuf, size_t errlen);

/* Parses one item of a page into *out (zeroed); false with a reason. */
typedef bool (*AwsJsonItemParser) (struct json_object *item, void *out,
								   char *errbuf, size_t errlen);

/* Frees what one parsed item holds (not the item itself). */
typedef void (*AwsJsonItemFree) (void *item);

/* A paged answer's list: its member, and how its items are read and freed. */
typedef struct AwsJsonPageShape
{
	const char *array;			/* "Sessions" */
	size_t		elsize;			/* sizeof an item's struct */
	AwsJsonItemParser parse_item;
	AwsJsonItemFree free_item;
} AwsJsonPageShape;

/*
 * Parses a page: the array shape->array of the body's object (absent or
 * null means none), each item an object parsed into a calloc'd array of
 * elsize-byte elements, and the string NextToken.  A reason about an item
 * names its index: "Sessions[3]: ...".  On failure everything is freed
 * (free_item for each item parsed or begun) and the outputs are empty.
 * aws_json_page_free frees a parsed page the same way.
 */
extern bool aws_json_parse_page(const char *body, size_t len,
								const AwsJsonPageShape *shape, void **items,
								int *nitems, char **next_token,
								char *errbuf, size_t errlen);
extern void aws_json_page_free(const AwsJsonPageShape *shape, void **items,
							   int *nitems, char **next_token);

/*
 * Request bodies: members added to an object (a NULL string adds nothing;
 * a string that is not valid UTF-8 is refused, or json-c would copy it into
 * an invalid body), then its compact text.  aws_json_finish_body puts obj
 * and returns its malloc'd text with the length in *len, or NULL when ok is
 * false or memory ran out.
 */
extern bool aws_json_add_string(struct json_object *obj, const char *name,
								const char *value);
extern bool aws_json_add_int(struct json_object *obj, const char *name,
							 int value);
extern char *aws_json_finish_body(struct json_object *obj, bool ok,
								  size_t *len);

/*
 * Parses the decimal text of a JSON number of epoch seconds (as in
 * "1700000000", "1700000000.123456", "1.7000000001234567E9") into exact
 * microseconds, rounding half away from zero beyond the sixth fractional
 * digit.  No binary floating point is involved.  Returns false on malformed
 * text or overflow.
 */
extern bool aws_json_parse_epoch_usec(const char *text, int64_t *unix_usec);

#endif							/* ATHENA_AWS_JSON_H */

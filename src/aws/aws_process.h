/*
 * aws_process.h
 *		A profile's credential_process, run as botocore's ProcessProvider
 *		runs it: the command split as a POSIX shell would split it (shlex),
 *		executed without a shell, its standard output one JSON object
 *		(Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration).
 *
 * Pure C, no PostgreSQL headers.  The process runs as the server's OS user
 * in a process group of its own, with stdin from /dev/null and no other
 * descriptor of the server; it is killed (the whole group) when it outlives
 * the timeout, writes more than it may, or should_stop says stop.  A failure
 * names the exit status and the first line of stderr, never anything read
 * from stdout (that is where the keys are).
 */
#ifndef ATHENA_AWS_PROCESS_H
#define ATHENA_AWS_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_keys.h"
#include "aws_request.h"

/* What stdout may hold, and how much of stderr is kept for the message. */
#define AWS_PROCESS_MAX_OUTPUT	(64 * 1024)
#define AWS_PROCESS_MAX_STDERR	(4 * 1024)

/*
 * Splits command as Python's shlex.split does (POSIX mode: quotes, and
 * backslash escapes outside single quotes); a NULL-terminated malloc'd
 * vector (free with aws_process_argv_free).  NULL with errbuf filled for an
 * unterminated quote, a trailing backslash or an empty command.
 */
extern char **aws_process_split(const char *command, char *errbuf,
								size_t errlen);
extern void aws_process_argv_free(char **argv);

/* Reads the JSON the process wrote (exposed for the unit tests). */
extern bool aws_process_parse(const char *body, size_t len, AwsCredentials *out,
							  char *errbuf, size_t errlen);

/*
 * Runs command, waiting at most timeout_ms; polls should_stop (may be NULL)
 * while it waits.  On failure fills err (source "credential_process"; on a
 * stop err->interrupted) and returns false.
 */
extern bool aws_process_credentials(const char *command, int timeout_ms,
									AwsStopFn should_stop, void *arg,
									AwsCredentials *out,
									AwsCredentialError *err);

#endif							/* ATHENA_AWS_PROCESS_H */

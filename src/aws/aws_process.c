/*
 * aws_process.c
 *		credential_process: split, spawn without a shell, wait with a timeout
 *		and bounded output, read the JSON.
 *
 * Pure C, no PostgreSQL headers.  posix_spawn (no fork of the server: the
 * child runs nothing of ours before exec) with the default signal
 * dispositions and an empty signal mask, every descriptor from 3 up closed,
 * in a new process group so that a kill reaches what the command started.
 */
#define _GNU_SOURCE
#include "aws_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define SOURCE				"credential_process"
#define POLL_SLICE_MS		50

extern char **environ;

void
aws_process_argv_free(char **argv)
{
	char	  **a;

	if (argv == NULL)
		return;
	for (a = argv; *a; a++)
		free(*a);
	free(argv);
}

char	  **
aws_process_split(const char *command, char *errbuf, size_t errlen)
{
	size_t		len = strlen(command);
	char	  **argv = calloc(len / 2 + 2, sizeof(char *));
	char	   *word = malloc(len + 1);
	int			argc = 0;
	size_t		w = 0;
	bool		in_word = false;
	const char *p;

	if (argv == NULL || word == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	for (p = command;; p++)
	{
		char		c = *p;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			if (in_word)
			{
				word[w] = '\0';
				if ((argv[argc++] = strdup(word)) == NULL)
				{
					snprintf(errbuf, errlen, "out of memory");
					goto fail;
				}
				w = 0;
				in_word = false;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (c == '\\')
		{
			if (p[1] == '\0')
			{
				snprintf(errbuf, errlen, "the command ends with a backslash");
				goto fail;
			}
			word[w++] = *++p;
		}
		else if (c == '\'')
		{
			const char *end = strchr(p + 1, '\'');

			if (end == NULL)
			{
				snprintf(errbuf, errlen, "the command has an unterminated single quote");
				goto fail;
			}
			memcpy(word + w, p + 1, end - p - 1);
			w += end - p - 1;
			p = end;
		}
		else if (c == '"')
		{
			/* in double quotes a backslash escapes only " and itself */
			for (p++; *p != '"'; p++)
			{
				if (*p == '\0')
				{
					snprintf(errbuf, errlen, "the command has an unterminated double quote");
					goto fail;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				word[w++] = *p;
			}
		}
		else
			word[w++] = c;
	}
	free(word);
	if (argc == 0)
	{
		snprintf(errbuf, errlen, "the command is empty");
		aws_process_argv_free(argv);
		return NULL;
	}
	return argv;

fail:
	free(word);
	aws_process_argv_free(argv);
	return NULL;
}

static bool
json_member(json_object *obj, const char *name, json_type type,
			json_object **out)
{
	return json_object_object_get_ex(obj, name, out) &&
		json_object_is_type(*out, type);
}

/* A non-empty string without a NUL inside, or NULL. */
static const char *
json_text(json_object *obj, const char *name)
{
	json_object *v;

	if (!json_member(obj, name, json_type_string, &v) ||
		json_object_get_string_len(v) == 0 ||
		strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

bool
aws_process_parse(const char *body, size_t len, AwsCredentials *out,
				  char *errbuf, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL;
	json_object *version;
	json_object *v;
	const char *akid;
	const char *secret;
	const char *token = NULL;
	const char *expiration = NULL;
	const char *failure;
	time_t		expires = 0;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	if (tok == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return false;
	}
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' ||
					   body[len - 1] == ' ' || body[len - 1] == '\t'))
		len--;
	root = json_tokener_parse_ex(tok, body, (int) len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
		tok->char_offset != (int) len ||
		!json_object_is_type(root, json_type_object))
		snprintf(errbuf, errlen, "its output is not a JSON object");
	else if (!json_member(root, "Version", json_type_int, &version) ||
			 json_object_get_int64(version) != 1)
		snprintf(errbuf, errlen,
				 "its output has no \"Version\": 1 (the only version there is)");
	else if ((akid = json_text(root, "AccessKeyId")) == NULL ||
			 (secret = json_text(root, "SecretAccessKey")) == NULL)
		snprintf(errbuf, errlen,
				 "its output lacks AccessKeyId or SecretAccessKey");
	else if (json_object_object_get_ex(root, "SessionToken", &v) &&
			 !json_object_is_type(v, json_type_null) &&
			 (token = json_text(root, "SessionToken")) == NULL)
		snprintf(errbuf, errlen, "its output has a SessionToken that is not a string");
	else if (json_object_object_get_ex(root, "Expiration", &v) &&
			 !json_object_is_type(v, json_type_null) &&
			 ((expiration = json_text(root, "Expiration")) == NULL ||
			  !aws_parse_iso8601(expiration, &expires)))
		snprintf(errbuf, errlen, "its output has a malformed Expiration");
	else if ((failure = aws_credentials_set(out, akid, secret, token,
											expires)) != NULL)
		snprintf(errbuf, errlen, "its output: %s", failure);
	else
		ok = true;
	json_object_put(root);
	json_tokener_free(tok);
	return ok;
}

static bool
			process_fail(AwsCredentialError *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

static bool
process_fail(AwsCredentialError *err, const char *fmt,...)
{
	va_list		ap;

	err->source = SOURCE;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return false;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Kills the process group and reaps the child. */
static void
kill_and_reap(pid_t pid)
{
	kill(-pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The first line of stderr, only printable characters, for a message. */
static void
first_line(const char *text, size_t len, char *out, size_t outlen)
{
	size_t		i;
	size_t		o = 0;

	for (i = 0; i < len && text[i] != '\n' && o + 1 < outlen; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c == '\r')
			continue;
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
	}
	out[o] = '\0';
}

static pid_t
spawn(char **argv, int out_fd, int err_fd, int *spawn_errno)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t	all;
	sigset_t	none;
	pid_t		pid = -1;
	int			rc;

	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
	posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
	/* nothing of the server's (its sockets, its files) reaches the child */
	posix_spawn_file_actions_addclosefrom_np(&actions, 3);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
							 POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	*spawn_errno = rc;
	return rc == 0 ? pid : -1;
}

bool
aws_process_credentials(const char *command, int timeout_ms,
						AwsStopFn should_stop, void *arg,
						AwsCredentials *out, AwsCredentialError *err)
{
	char		errbuf[256];
	char	  **argv;
	int			out_pipe[2] = {-1, -1};
	int			err_pipe[2] = {-1, -1};
	char	   *output = NULL;
	size_t		out_len = 0;
	char		errtext[AWS_PROCESS_MAX_STDERR];
	size_t		err_len = 0;
	pid_t		pid;
	int			status = 0;
	int			spawn_errno;
	long		deadline;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	argv = aws_process_split(command, errbuf, sizeof(errbuf));
	if (argv == NULL)
		return process_fail(err, "could not split the command: %s", errbuf);
	output = malloc(AWS_PROCESS_MAX_OUTPUT + 1);
	if (output == NULL || pipe2(out_pipe, O_CLOEXEC) != 0 ||
		pipe2(err_pipe, O_CLOEXEC) != 0)
	{
		process_fail(err, "could not run \"%s\": %s", argv[0],
					 output == NULL ? "out of memory" : strerror(errno));
		goto done;
	}
	pid = spawn(argv, out_pipe[1], err_pipe[1], &spawn_errno);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (pid < 0)
	{
		process_fail(err, "could not run \"%s\": %s", argv[0],
					 strerror(spawn_errno));
		goto done;
	}

	deadline = now_ms() + timeout_ms;
	while (out_pipe[0] >= 0 || err_pipe[0] >= 0)
	{
		struct pollfd fds[2];
		int			n = 0;
		int			i;
		long		left = deadline - now_ms();

		if (should_stop != NULL && should_stop(arg))
		{
			kill_and_reap(pid);
			err->interrupted = true;
			process_fail(err, "interrupted");
			goto done;
		}
		if (left <= 0)
		{
			kill_and_reap(pid);
			process_fail(err, "\"%s\" did not finish within %d ms, and was killed",
						 argv[0], timeout_ms);
			goto done;
		}
		if (out_pipe[0] >= 0)
			fds[n++] = (struct pollfd)
		{
			.fd = out_pipe[0],.events = POLLIN
		};
		if (err_pipe[0] >= 0)
			fds[n++] = (struct pollfd)
		{
			.fd = err_pipe[0],.events = POLLIN
		};
		if (poll(fds, n, left < POLL_SLICE_MS ? (int) left : POLL_SLICE_MS) < 0)
		{
			if (errno == EINTR)
				continue;
			kill_and_reap(pid);
			process_fail(err, "could not wait for \"%s\": %s", argv[0],
						 strerror(errno));
			goto done;
		}
		for (i = 0; i < n; i++)
		{
			char		buf[4096];
			ssize_t		got;
			bool		is_out = fds[i].fd == out_pipe[0];

			if (fds[i].revents == 0)
				continue;
			got = read(fds[i].fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
			{
				close(fds[i].fd);
				if (is_out)
					out_pipe[0] = -1;
				else
					err_pipe[0] = -1;
				continue;
			}
			if (is_out)
			{
				if (out_len + got > AWS_PROCESS_MAX_OUTPUT)
				{
					explicit_bzero(buf, sizeof(buf));
					kill_and_reap(pid);
					process_fail(err, "\"%s\" wrote more than %d bytes, and was killed",
								 argv[0], AWS_PROCESS_MAX_OUTPUT);
					goto done;
				}
				memcpy(output + out_len, buf, got);
				out_len += got;
				explicit_bzero(buf, got);
			}
			else if (err_len < sizeof(errtext))
			{
				/* the rest of stderr is read and dropped */
				size_t		keep = sizeof(errtext) - err_len;

				keep = (size_t) got < keep ? (size_t) got : keep;
				memcpy(errtext + err_len, buf, keep);
				err_len += keep;
			}
		}
	}

	/* both pipes closed: the process has ended or is about to */
	for (;;)
	{
		pid_t		r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
		{
			process_fail(err, "could not wait for \"%s\": %s", argv[0],
						 strerror(errno));
			goto done;
		}
		if (should_stop != NULL && should_stop(arg))
		{
			kill_and_reap(pid);
			err->interrupted = true;
			process_fail(err, "interrupted");
			goto done;
		}
		if (now_ms() >= deadline)
		{
			kill_and_reap(pid);
			process_fail(err, "\"%s\" did not finish within %d ms, and was killed",
						 argv[0], timeout_ms);
			goto done;
		}
		poll(NULL, 0, 10);
	}

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
	{
		char		line[256];

		first_line(errtext, err_len, line, sizeof(line));
		if (WIFEXITED(status))
			process_fail(err, "\"%s\" exited with status %d%s%s", argv[0],
						 WEXITSTATUS(status), line[0] ? ": " : "", line);
		else
			process_fail(err, "\"%s\" was terminated by signal %d%s%s", argv[0],
						 WTERMSIG(status), line[0] ? ": " : "", line);
		goto done;
	}
	output[out_len] = '\0';
	if (!aws_process_parse(output, out_len, out, errbuf, sizeof(errbuf)))
	{
		process_fail(err, "\"%s\": %s", argv[0], errbuf);
		goto done;
	}
	ok = true;

done:
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	if (out_pipe[0] >= 0)
		close(out_pipe[0]);
	if (err_pipe[0] >= 0)
		close(err_pipe[0]);
	if (output != NULL)
	{
		explicit_bzero(output, AWS_PROCESS_MAX_OUTPUT + 1);
		free(output);
	}
	explicit_bzero(errtext, sizeof(errtext));
	aws_process_argv_free(argv);
	return ok;
}

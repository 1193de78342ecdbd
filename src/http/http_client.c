/*
 * http_client.c
 *		libcurl's multi handle driven through an epoll set: socket and timer
 *		callbacks, the pool of easy handles, and waiting.
 *
 * One CURLM per client, shared by every batch of that client.  The multi
 * handle owns the connection cache, so connections stay alive across
 * batches (and SQL queries) without relying on CURLSH connection sharing;
 * a CURLSH adds the DNS and TLS session caches.
 *
 * The multi handle is driven the way libcurl's multi_socket documentation
 * prescribes: curl_multi_socket_action() with an epoll set of the sockets
 * curl asks us to watch (CURLMOPT_SOCKETFUNCTION), and the one timer curl
 * asks for (CURLMOPT_TIMERFUNCTION), so a wake-up costs work for the ready
 * sockets only.  curl_multi_perform() instead visits every transfer and
 * polls each one's socket, and curl_multi_poll() rebuilds its pollfd array
 * on each wait: at 16 requests in flight and 0 ms latency that was over a
 * third of the CPU spent per request.  Connections curl puts back in its
 * cache stay in the epoll set, so that reusing one costs no epoll_ctl()
 * calls; curl opens and closes them through our callbacks, so the set's
 * bookkeeping never goes stale.
 *
 * Waiting is the caller's: the epoll descriptor becomes readable when a
 * socket is ready, so a PostgreSQL backend waits on it together with its
 * latch (http_client_set_wait); the default is a plain poll().
 *
 * When two batches are active at once (a self-join), whichever of them is
 * waiting drives all transfers: a finished transfer is removed from the
 * multi handle at once and handed to the batch that owns it
 * (http_batch_transfer_done), which turns it into a result the next time it
 * is asked.
 */
#include "http_internal.h"
#include "retry_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POLL_MAX_MS			50	/* longest poll() between interrupt checks */
#define WAIT_MAX_MS			1000	/* a lost timer must not hang a query */
#define MAX_IDLE_HANDLES	256 /* idle easy handles kept per client */
#define MAX_EVENTS			64	/* epoll events taken per wait */

/*
 * The epoll set's view of one descriptor.  An idle connection (curl no
 * longer watches it) stays in the set, unwanted, until it reports an event
 * (the server closed it) or curl closes it.  Only sockets opened through
 * opensocket_cb are kept so: others (a resolver's socketpair) might be
 * closed behind our back, and leave the set as soon as curl drops them.
 */
typedef struct SockWatch
{
	bool		ours;			/* opened by opensocket_cb */
	bool		in_set;			/* registered with epoll */
	bool		wanted;			/* curl watches it now */
	uint32_t	events;			/* registered epoll events */
} SockWatch;

struct HttpClient
{
	CURLM	   *multi;
	CURLSH	   *share;
	int			epfd;			/* the sockets curl wants watched */
	SockWatch  *watch;			/* indexed by descriptor */
	int			nwatch;
	bool		timer_set;		/* curl asked for a timeout ... */
	uint64_t	timer_due_usec; /* ... at this time */
	HttpWaitFn	wait;
	void	   *wait_arg;
	CURL	  **idle;			/* easy handles not in use */
	int			nidle;
	int			idle_cap;
	long		maxconnects;	/* what CURLMOPT_MAXCONNECTS is set to */
	int			active_concurrency; /* sum over active batches */
	uint64_t	rng;			/* xorshift64* state */
	HttpObserveFn observe;		/* told of every attempt sent, or NULL */
	void	   *observe_arg;
	RetryQuota	retry_quota;
};

static bool curl_initialized = false;

uint64_t
http_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Backoff jitter only needs to be unpredictable between backends. */
uint32_t
http_client_random(HttpClient *client)
{
	uint64_t	x = client->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	client->rng = x;
	return (uint32_t) ((x * UINT64_C(2685821657736338717)) >> 32);
}

static uint64_t
random_seed(void)
{
	uint64_t	seed = 0;
	int			fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
	{
		if (read(fd, &seed, sizeof(seed)) != (ssize_t) sizeof(seed))
			seed = 0;
		close(fd);
	}
	seed ^= http_now_usec() ^ ((uint64_t) getpid() << 32);
	/* splitmix64 finalizer: spreads a weak seed; xorshift must not be 0 */
	seed += UINT64_C(0x9E3779B97F4A7C15);
	seed = (seed ^ (seed >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	seed = (seed ^ (seed >> 27)) * UINT64_C(0x94D049BB133111EB);
	seed ^= seed >> 31;
	return seed ? seed : 1;
}

/* The bookkeeping of descriptor s, growing the table; NULL on OOM. */
static SockWatch *
watch_of(HttpClient *client, curl_socket_t s)
{
	if (s >= client->nwatch)
	{
		int			n = client->nwatch ? client->nwatch : 64;
		SockWatch  *p;

		while (n <= s)
			n *= 2;
		p = realloc(client->watch, n * sizeof(SockWatch));
		if (p == NULL)
			return NULL;
		memset(p + client->nwatch, 0, (n - client->nwatch) * sizeof(SockWatch));
		client->watch = p;
		client->nwatch = n;
	}
	return &client->watch[s];
}

/*
 * curl's CURLMOPT_SOCKETFUNCTION: makes the epoll set report what curl
 * wants to know about each socket.  Returning -1 fails the transfer.
 */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	HttpClient *client = userp;
	SockWatch  *w;
	uint32_t	events;

	(void) easy;
	(void) socketp;
	if (s < 0)
		return 0;
	if (what == CURL_POLL_REMOVE)
	{
		if (s >= client->nwatch)
			return 0;
		w = &client->watch[s];
		w->wanted = false;
		if (!w->ours && w->in_set)
		{
			/* fails harmlessly if curl already closed the socket */
			epoll_ctl(client->epfd, EPOLL_CTL_DEL, s, NULL);
			w->in_set = false;
		}
		return 0;
	}

	w = watch_of(client, s);
	if (w == NULL)
		return -1;
	events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) |
		((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	if (!w->in_set || w->events != events)
	{
		struct epoll_event ev;
		int			op = w->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

		memset(&ev, 0, sizeof(ev));
		ev.events = events;
		ev.data.fd = s;
		if (epoll_ctl(client->epfd, op, s, &ev) != 0)
		{
			/* trust the kernel over our bookkeeping */
			op = (op == EPOLL_CTL_ADD) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
			if (epoll_ctl(client->epfd, op, s, &ev) != 0)
				return -1;
		}
		w->in_set = true;
		w->events = events;
	}
	w->wanted = true;
	return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: a new descriptor is in no epoll set. */
static curl_socket_t
opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	HttpClient *client = clientp;
	curl_socket_t s;
	SockWatch  *w;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	s = socket(address->family, address->socktype, address->protocol);
	if (s < 0)
		return CURL_SOCKET_BAD;
	w = watch_of(client, s);
	if (w == NULL)
	{
		close(s);
		return CURL_SOCKET_BAD;
	}
	memset(w, 0, sizeof(*w));
	w->ours = true;
	return s;
}

/* CURLOPT_CLOSESOCKETFUNCTION: closing also takes it out of the set. */
static int
closesocket_cb(void *clientp, curl_socket_t item)
{
	HttpClient *client = clientp;

	if (item >= 0 && item < client->nwatch)
		memset(&client->watch[item], 0, sizeof(SockWatch));
	return close(item);
}

/*
 * curl's CURLMOPT_TIMERFUNCTION: the one timeout curl wants, -1 to cancel
 * it.  curl must not be called from here: the timer runs in
 * http_client_run_timers.
 */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	HttpClient *client = userp;

	(void) multi;
	client->timer_set = timeout_ms >= 0;
	if (client->timer_set)
		client->timer_due_usec = http_now_usec() + (uint64_t) timeout_ms * 1000;
	return 0;
}

/* The default wait: poll() on the epoll set, never long. */
static void
poll_wait(void *arg, int fd, long timeout_ms, HttpWaitFor what)
{
	struct pollfd pfd;

	(void) arg;
	(void) what;
	if (timeout_ms < 0 || timeout_ms > POLL_MAX_MS)
		timeout_ms = POLL_MAX_MS;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, (int) timeout_ms) < 0 && errno != EINTR)
		usleep(timeout_ms * 1000);	/* don't spin if waiting fails */
}

HttpClient *
http_client_create(char *reason, size_t reasonlen)
{
	HttpClient *client;
	CURLcode	code;

	/* process-wide and not thread-safe, but we have no threads of our own */
	if (!curl_initialized)
	{
		code = curl_global_init(CURL_GLOBAL_DEFAULT);
		if (code != CURLE_OK)
		{
			snprintf(reason, reasonlen, "could not initialize libcurl: %s",
					 curl_easy_strerror(code));
			return NULL;
		}
		curl_initialized = true;
	}

	client = calloc(1, sizeof(HttpClient));
	if (client == NULL)
	{
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	client->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (client->epfd < 0)
	{
		snprintf(reason, reasonlen, "could not create an epoll set: %s",
				 strerror(errno));
		goto fail;
	}
	client->multi = curl_multi_init();
	client->share = curl_share_init();
	if (client->multi == NULL || client->share == NULL ||
		curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION,
						  socket_cb) != CURLM_OK ||
		curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA,
						  client) != CURLM_OK ||
		curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION,
						  timer_cb) != CURLM_OK ||
		curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA,
						  client) != CURLM_OK ||
		curl_share_setopt(client->share, CURLSHOPT_SHARE,
						  CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
		curl_share_setopt(client->share, CURLSHOPT_SHARE,
						  CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
	{
		/* these only fail for lack of memory */
		snprintf(reason, reasonlen, "out of memory");
		goto fail;
	}
	client->rng = random_seed();
	retry_quota_init(&client->retry_quota);
	client->wait = poll_wait;
	return client;

fail:
	if (client->multi)
		curl_multi_cleanup(client->multi);
	if (client->share)
		curl_share_cleanup(client->share);
	if (client->epfd >= 0)
		close(client->epfd);
	free(client->watch);
	free(client);
	return NULL;
}

void
http_client_destroy(HttpClient *client)
{
	int			i;

	if (client == NULL)
		return;
	/* easy handles first: the share refuses to go while they use it */
	for (i = 0; i < client->nidle; i++)
		curl_easy_cleanup(client->idle[i]);
	free(client->idle);
	curl_multi_cleanup(client->multi);
	curl_share_cleanup(client->share);
	/* last: closing cached connections above still reports their sockets */
	close(client->epfd);
	free(client->watch);
	free(client);
}

RetryQuota *
http_client_retry_quota(HttpClient *client)
{
	return &client->retry_quota;
}

void
http_client_set_wait(HttpClient *client, HttpWaitFn wait, void *arg)
{
	client->wait = wait ? wait : poll_wait;
	client->wait_arg = wait ? arg : NULL;
}

void
http_client_observe(HttpClient *client, HttpObserveFn observe, void *arg)
{
	client->observe = observe;
	client->observe_arg = arg;
}

void
http_client_tell_observer(HttpClient *client, const char *operation,
						  const HttpResult *attempt, uint64_t usec)
{
	if (client->observe != NULL)
		client->observe(client->observe_arg, operation, attempt, usec);
}

void
http_client_release_easy(HttpClient *client, CURL *easy)
{
	if (easy == NULL)
		return;
	if (client->nidle == client->idle_cap && client->nidle < MAX_IDLE_HANDLES)
	{
		int			newcap = client->idle_cap ? client->idle_cap * 2 : 16;
		CURL	  **p = realloc(client->idle, newcap * sizeof(CURL *));

		if (p != NULL)
		{
			client->idle = p;
			client->idle_cap = newcap;
		}
	}
	if (client->nidle < client->idle_cap)
		client->idle[client->nidle++] = easy;
	else
		curl_easy_cleanup(easy);
}

CURL *
http_client_acquire_easy(HttpClient *client)
{
	if (client->nidle > 0)
	{
		CURL	   *easy = client->idle[--client->nidle];

		curl_easy_reset(easy);
		return easy;
	}
	return curl_easy_init();
}


bool
http_client_setup_easy(HttpClient *client, CURL *easy)
{
	return curl_easy_setopt(easy, CURLOPT_SHARE, client->share) == CURLE_OK &&
		curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb) == CURLE_OK &&
		curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, client) == CURLE_OK &&
		curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, closesocket_cb) == CURLE_OK &&
		curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, client) == CURLE_OK;
}

bool
http_client_add(HttpClient *client, CURL *easy)
{
	return curl_multi_add_handle(client->multi, easy) == CURLM_OK;
}

void
http_client_remove(HttpClient *client, CURL *easy)
{
	curl_multi_remove_handle(client->multi, easy);
}

/* Keeps enough idle connections for every active batch's window. */
void
http_client_reserve(HttpClient *client, int connections)
{
	client->active_concurrency += connections;
	if (client->active_concurrency > client->maxconnects)
	{
		client->maxconnects = client->active_concurrency;
		curl_multi_setopt(client->multi, CURLMOPT_MAXCONNECTS,
						  client->maxconnects);
	}
}

void *
http_client_next_finished(HttpClient *client, int *code)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(client->multi, &left)) != NULL)
	{
		void	   *slot = NULL;
		CURL	   *easy = msg->easy_handle;

		if (msg->msg != CURLMSG_DONE)
			continue;
		*code = (int) msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &slot);
		curl_multi_remove_handle(client->multi, easy);
		if (slot != NULL)
			return slot;
	}
	return NULL;
}

void
http_client_run_timers(HttpClient *client)
{
	int			running;

	/* curl may ask for another timeout at once; run that one too */
	while (client->timer_set && client->timer_due_usec <= http_now_usec())
	{
		client->timer_set = false;
		curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0,
								 &running);
	}
}

void
http_client_wait(HttpClient *client, long max_ms, HttpWaitFor what)
{
	struct epoll_event events[MAX_EVENTS];
	long		timeout = max_ms;
	int			n;
	int			i;
	int			running;

	if (client->timer_set)
	{
		uint64_t	now = http_now_usec();
		long		ms = client->timer_due_usec <= now ? 0 :
		(long) ((client->timer_due_usec - now + 999) / 1000);

		if (timeout < 0 || ms < timeout)
			timeout = ms;
	}
	if (timeout < 0 || timeout > WAIT_MAX_MS)
		timeout = WAIT_MAX_MS;
	if (timeout > 0)
		client->wait(client->wait_arg, client->epfd, timeout, what);	/* may longjmp */

	n = epoll_wait(client->epfd, events, MAX_EVENTS, 0);
	for (i = 0; i < n; i++)
	{
		int			fd = events[i].data.fd;
		int			mask = 0;

		if (fd < client->nwatch && !client->watch[fd].wanted)
		{
			/*
			 * An idle connection spoke: the server closed it.  curl checks a
			 * connection before reusing it, so just stop listening.
			 */
			epoll_ctl(client->epfd, EPOLL_CTL_DEL, fd, NULL);
			client->watch[fd].in_set = false;
			continue;
		}
		if (events[i].events & EPOLLIN)
			mask |= CURL_CSELECT_IN;
		if (events[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (events[i].events & (EPOLLERR | EPOLLHUP))
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(client->multi, fd, mask, &running);
	}
	http_client_run_timers(client);
}

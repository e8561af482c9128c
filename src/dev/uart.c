// SPDX-License-Identifier: MIT
/*
 * 16550A UART (see uart.h). Register semantics after the NS16550A data
 * sheet; the THR-empty interrupt behaves like QEMU's (pending after every
 * transmit that leaves THRE set and when enabled, cleared by reading IIR),
 * which is what Linux's 8250 driver probes for.
 *
 * Why a buffer drained by a thread of its own, with backpressure through
 * THRE rather than dropping at once: a real 16550 never waits for the far
 * end (the line always shifts at the baud rate), but a host reader that is
 * merely slow (a test log, `| tee`) must not lose the console, and guests
 * poll THRE before writing anyway. Only a guest that ignores THRE, or a
 * reader stalled past the buffer, loses bytes, and those are counted.
 *
 * The output thread writes through a private non-blocking open file
 * description of the output (reopened through /proc/self/fd for a pipe or
 * a character device such as a terminal), so the description hotvm shares
 * with its parent (and its own stderr) keeps its flags. Where that reopen is
 * not possible (a socket, a regular file, no /proc, a pipe we may not
 * reopen) it writes the shared fd in chunks no larger than a writable fd
 * takes without waiting (PIPE_BUF; a terminal's wakeup threshold), after
 * poll() says POLLOUT; a regular file never stalls for long. uart_destroy
 * waits a bounded time for that thread in any case.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dev/uart.h"

#define RBR 0	/* read, DLAB 0 */
#define THR 0	/* write, DLAB 0 */
#define IER 1
#define IIR 2	/* read */
#define FCR 2	/* write */
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DEFAULT	0xb0	/* DCD, DSR, CTS */

#define RX_FIFO 16	/* 16550A receive FIFO; 1 byte (RBR alone) with FIFOs off */
#define TX_FIFO 16	/* what a driver writes after one THRE (Linux: tx_loadsz) */
#define TX_CHUNK_PIPE PIPE_BUF
#define TX_CHUNK_TTY 256	/* n_tty's WAKEUP_CHARS: POLLOUT means this much fits */

struct uart {
	uint64_t base;
	int in_fd, out_fd;
	void (*irq)(void *opaque, int level);
	void *opaque;

	pthread_mutex_t lock;
	pthread_cond_t room;	/* rx FIFO has space, or stop */
	pthread_cond_t tx_ready;	/* tx buffer not empty, or stop */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_pending;
	bool overrun;
	int level;
	uint8_t rx[RX_FIFO];
	unsigned int rx_head, rx_count;

	/* Transmit buffer: vCPUs append, the output thread alone consumes. */
	uint8_t *tx;
	unsigned int tx_head, tx_count;
	uint64_t dropped;
	int out_err;		/* errno of a failed output fd (output discarded) */
	int wfd;		/* what the output thread writes: out_fd or our own */
	bool wfd_own;
	size_t chunk;
	struct timespec deadline;	/* of the flush, once stop is set */

	pthread_t in_thread, out_thread;
	bool in_started, out_started;
	bool stop;
	int stop_pipe[2];
	bool tty;
	struct termios saved;
};

static unsigned int rx_cap(const struct uart *u)
{
	return (u->fcr & FCR_ENABLE) ? RX_FIFO : 1;
}

/* Bytes the input thread may read now: none in loopback (rx is the tx line). */
static unsigned int rx_room(const struct uart *u)
{
	if ((u->mcr & MCR_LOOP) || u->rx_count >= rx_cap(u)) {
		return 0;
	}
	return rx_cap(u) - u->rx_count;
}

static bool thre(const struct uart *u)
{
	return u->out_err || UART_TX_BUF - u->tx_count >= TX_FIFO;
}

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && u->rx_count) {
		return fifo | IIR_RDI;
	}
	if ((u->ier & IER_THRI) && u->thr_pending) {
		return fifo | IIR_THRI;
	}
	return fifo | IIR_NONE;
}

static void update_irq(struct uart *u)
{
	int level = !(iir(u) & IIR_NONE);

	if (level != u->level) {
		u->level = level;
		u->irq(u->opaque, level);
	}
}

/* Into the rx FIFO; a full FIFO overruns (the byte is lost, LSR.OE). */
static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count >= rx_cap(u)) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = c;
	u->rx_count++;
}

static void transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		rx_push(u, c);
	} else if (u->out_err || u->tx_count == UART_TX_BUF) {
		u->dropped++;	/* the guest ignored THRE, or the output is gone */
	} else {
		u->tx[(u->tx_head + u->tx_count) % UART_TX_BUF] = c;
		if (u->tx_count++ == 0) {
			pthread_cond_signal(&u->tx_ready);
		}
	}
	/*
	 * THR is empty again at once unless the buffer is (nearly) full; then
	 * the interrupt waits for the output thread to make room.
	 */
	u->thr_pending = thre(u);
}

static uint8_t reg_read(struct uart *u, unsigned int off)
{
	uint8_t v = 0;

	switch (off) {
	case RBR:
		if (u->lcr & LCR_DLAB) {
			return u->dll;
		}
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % RX_FIFO;
			u->rx_count--;
			pthread_cond_signal(&u->room);
		}
		return v;
	case IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR:
		v = iir(u);
		if ((v & 0x0f) == IIR_THRI) {
			u->thr_pending = false;
		}
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = (thre(u) ? LSR_THRE : 0) | (thre(u) && !u->tx_count ? LSR_TEMT : 0) |
		    (u->rx_count ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = false;	/* OE clears on read */
		return v;
	case MSR:
		if (u->mcr & MCR_LOOP) {
			/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
			return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
					 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
		}
		return MSR_DEFAULT;
	case SCR:
		return u->scr;
	}
	return 0;
}

static void reg_write(struct uart *u, unsigned int off, uint8_t v)
{
	switch (off) {
	case THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
		} else {
			transmit(u, v);
		}
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling the THR-empty interrupt with THR empty raises it. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI) && thre(u)) {
			u->thr_pending = true;
		}
		u->ier = v & 0x0f;
		break;
	case FCR:
		/* Turning the FIFOs on or off clears them (as CLEAR_RX does). */
		if ((v ^ u->fcr) & FCR_ENABLE || (v & FCR_CLEAR_RX)) {
			u->rx_count = 0;
		}
		u->fcr = v & (FCR_ENABLE | 0xc0);
		pthread_cond_signal(&u->room);
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		pthread_cond_signal(&u->room);	/* leaving loopback reconnects input */
		break;
	case SCR:
		u->scr = v;
		break;
	}
}

void uart_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	       bool is_write, void *opaque)
{
	struct uart *u = opaque;
	unsigned int off = (unsigned int)(addr - u->base);

	/* Byte registers; a wider access uses its low byte (reg-io-width 1). */
	pthread_mutex_lock(&u->lock);
	if (is_write) {
		reg_write(u, off, data[0]);
	} else {
		memset(data, 0, len);
		data[0] = reg_read(u, off);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

/*
 * Input: wait for room in the rx FIFO, then for input, then read no more
 * than the room (never ahead of the guest: the rest stays with the fd).
 */
static void *input_thread(void *arg)
{
	struct uart *u = arg;
	struct pollfd fds[2] = {
		{ .fd = u->in_fd, .events = POLLIN },
		{ .fd = u->stop_pipe[0], .events = POLLIN },
	};
	uint8_t buf[RX_FIFO];

	pthread_mutex_lock(&u->lock);
	while (!u->stop) {
		unsigned int room = rx_room(u);
		ssize_t n;
		int ret;

		if (!room) {
			pthread_cond_wait(&u->room, &u->lock);
			continue;
		}
		pthread_mutex_unlock(&u->lock);
		ret = poll(fds, 2, -1);
		if (ret < 0 && errno != EINTR) {
			pthread_mutex_lock(&u->lock);
			break;
		}
		n = 0;
		if (ret > 0 && !fds[1].revents && fds[0].revents) {
			n = read(u->in_fd, buf, room);
			if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
				n = 0;
			} else if (n <= 0) {
				pthread_mutex_lock(&u->lock);
				break;	/* EOF or error: the guest gets no more input */
			}
		}
		pthread_mutex_lock(&u->lock);
		/*
		 * The room can only have grown meanwhile (a FIFO switched off is
		 * emptied), except by loopback bytes; the storage always fits.
		 */
		for (ssize_t i = 0; i < n && u->rx_count < RX_FIFO; i++) {
			u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = buf[i];
			u->rx_count++;
		}
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

static long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* The output thread consumed @n bytes; THRE may be back. Lock held. */
static void tx_consume(struct uart *u, unsigned int n)
{
	bool was = thre(u);

	u->tx_head = (u->tx_head + n) % UART_TX_BUF;
	u->tx_count -= n;
	if (!was && thre(u)) {
		u->thr_pending = true;
		update_irq(u);
	}
}

/*
 * Output: drain the tx buffer into the output fd, waiting in poll() (with
 * the lock dropped) while it is not writable. Once stop is set, go on only
 * until the buffer is empty or the flush deadline passes.
 */
static void *output_thread(void *arg)
{
	struct uart *u = arg;
	struct pollfd fds[2] = {
		{ .fd = u->wfd, .events = POLLOUT },
		{ .fd = u->stop_pipe[0], .events = POLLIN },
	};

	pthread_mutex_lock(&u->lock);
	for (;;) {
		unsigned int head, n;
		bool stopping;
		long left = -1;
		ssize_t w = 0;
		int err = 0;

		while (!u->tx_count && !u->stop) {
			pthread_cond_wait(&u->tx_ready, &u->lock);
		}
		if (!u->tx_count) {
			break;
		}
		if (u->out_err) {
			u->dropped += u->tx_count;
			tx_consume(u, u->tx_count);
			continue;
		}
		stopping = u->stop;
		if (stopping) {
			left = ms_until(&u->deadline);
			if (left <= 0) {
				break;
			}
		}
		head = u->tx_head;
		n = u->tx_count;
		if (n > UART_TX_BUF - head) {
			n = UART_TX_BUF - head;
		}
		if (n > u->chunk) {
			n = (unsigned int)u->chunk;
		}
		pthread_mutex_unlock(&u->lock);
		/* The stop pipe stays readable once written: watch it until then. */
		if (poll(fds, stopping ? 1 : 2, (int)left) > 0 && fds[0].revents) {
			/* Only this thread moves tx_head: bytes [head, head + n) stay. */
			w = write(u->wfd, u->tx + head, n);
			err = errno;
		}
		pthread_mutex_lock(&u->lock);
		if (w > 0) {
			tx_consume(u, (unsigned int)w);
		} else if (w < 0 && err != EAGAIN && err != EINTR) {
			bool was = thre(u);

			u->out_err = err;	/* EPIPE, EIO...: output discarded from now on */
			if (!was) {
				u->thr_pending = true;
				update_irq(u);
			}
		}
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

/* Choose what the output thread writes (see the comment at the top). */
static void output_open(struct uart *u)
{
	struct stat st;
	char path[32];
	int fd;

	u->wfd = u->out_fd;
	u->chunk = TX_CHUNK_PIPE;
	if (fstat(u->out_fd, &st) < 0) {
		u->out_err = errno;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", u->out_fd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		u->wfd = fd;
		u->wfd_own = true;
	} else if (isatty(u->out_fd)) {
		u->chunk = TX_CHUNK_TTY;
	}
}

struct uart *uart_create(uint64_t base, int in_fd, int out_fd,
			 void (*irq)(void *opaque, int level), void *opaque)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u) {
		return NULL;
	}
	u->tx = malloc(UART_TX_BUF);
	if (!u->tx) {
		free(u);
		return NULL;
	}
	u->base = base;
	u->in_fd = in_fd;
	u->out_fd = out_fd;
	u->wfd = -1;
	u->out_err = out_fd < 0 ? EBADF : 0;
	u->irq = irq;
	u->opaque = opaque;
	u->stop_pipe[0] = u->stop_pipe[1] = -1;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->room, NULL);
	pthread_cond_init(&u->tx_ready, NULL);
	uart_reset(u);
	return u;
}

void uart_reset(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 12;	/* 9600 baud at 1.8432 MHz */
	u->dlm = 0;
	u->thr_pending = false;
	u->overrun = false;
	pthread_cond_signal(&u->room);	/* out of loopback */
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

uint64_t uart_dropped(struct uart *u)
{
	uint64_t n;

	pthread_mutex_lock(&u->lock);
	n = u->dropped;
	pthread_mutex_unlock(&u->lock);
	return n;
}

int uart_start(struct uart *u)
{
	int ret;

	if (pipe2(u->stop_pipe, O_CLOEXEC) < 0) {
		return -errno;
	}
	if (u->out_fd >= 0) {
		output_open(u);
		ret = pthread_create(&u->out_thread, NULL, output_thread, u);
		if (ret) {
			return -ret;
		}
		u->out_started = true;
	}
	if (u->in_fd < 0) {
		return 0;
	}
	if (isatty(u->in_fd) && tcgetattr(u->in_fd, &u->saved) == 0) {
		struct termios raw = u->saved;

		/* The guest echoes and edits lines; ^C still stops hotvm. */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_iflag &= ~(tcflag_t)(ICRNL);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(u->in_fd, TCSANOW, &raw) == 0) {
			u->tty = true;
		}
	}
	ret = pthread_create(&u->in_thread, NULL, input_thread, u);
	if (ret) {
		return -ret;
	}
	u->in_started = true;
	return 0;
}

void uart_destroy(struct uart *u)
{
	struct timespec limit;
	bool out_gone = true;
	uint64_t unwritten;

	if (!u) {
		return;
	}
	pthread_mutex_lock(&u->lock);
	u->stop = true;
	clock_gettime(CLOCK_MONOTONIC, &u->deadline);
	u->deadline.tv_nsec += (long)UART_FLUSH_MS * 1000000;
	u->deadline.tv_sec += u->deadline.tv_nsec / 1000000000;
	u->deadline.tv_nsec %= 1000000000;
	pthread_cond_broadcast(&u->room);
	pthread_cond_broadcast(&u->tx_ready);
	pthread_mutex_unlock(&u->lock);
	if (u->stop_pipe[1] >= 0) {
		while (write(u->stop_pipe[1], "x", 1) < 0 && errno == EINTR) {
		}
	}
	if (u->in_started) {
		pthread_join(u->in_thread, NULL);
	}
	if (u->out_started) {
		/*
		 * The thread stops at the deadline unless a write() on a shared
		 * blocking fd is stuck; then it is left behind (hotvm is exiting)
		 * and with it this struct, which it still uses.
		 */
		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += 1 + UART_FLUSH_MS / 1000;
		out_gone = pthread_timedjoin_np(u->out_thread, NULL, &limit) == 0;
	}
	if (u->tty) {
		tcsetattr(u->in_fd, TCSANOW, &u->saved);
	}
	pthread_mutex_lock(&u->lock);
	unwritten = u->dropped + (out_gone ? u->tx_count : 0);
	if (unwritten && u->out_fd >= 0) {	/* no output fd: dropping is the point */
		fprintf(stderr, "hotvm: console: %llu bytes of guest output not written (%s)\n",
			(unsigned long long)unwritten,
			u->out_err ? strerror(u->out_err) : "output not writable in time");
	}
	pthread_mutex_unlock(&u->lock);
	if (!out_gone) {
		return;
	}
	if (u->wfd_own) {
		close(u->wfd);
	}
	for (int i = 0; i < 2; i++) {
		if (u->stop_pipe[i] >= 0) {
			close(u->stop_pipe[i]);
		}
	}
	pthread_cond_destroy(&u->tx_ready);
	pthread_cond_destroy(&u->room);
	pthread_mutex_destroy(&u->lock);
	free(u->tx);
	free(u);
}

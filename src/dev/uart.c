// SPDX-License-Identifier: MIT
/*
 * 16550A UART (see uart.h). Register semantics after the NS16550A data
 * sheet; the THR-empty interrupt behaves like QEMU's (pending after every
 * transmit and when enabled, cleared by reading IIR), which is what
 * Linux's 8250 driver probes for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
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
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DEFAULT	0xb0	/* DCD, DSR, CTS */

#define RX_SIZE 256

struct uart {
	uint64_t base;
	int in_fd, out_fd;
	void (*irq)(void *opaque, int level);
	void *opaque;

	pthread_mutex_t lock;
	pthread_cond_t room;	/* rx FIFO has space */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_pending;
	int level;
	uint8_t rx[RX_SIZE];
	unsigned int rx_head, rx_count;

	pthread_t thread;
	bool started;
	bool stop;
	int stop_pipe[2];
	bool tty;
	struct termios saved;
};

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

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count < RX_SIZE) {
		u->rx[(u->rx_head + u->rx_count) % RX_SIZE] = c;
		u->rx_count++;
	}
}

static void transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		rx_push(u, c);
	} else {
		/* The console is best effort: a closed stdout must not stop the guest. */
		while (write(u->out_fd, &c, 1) < 0 && errno == EINTR) {
		}
	}
	u->thr_pending = true;
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
			u->rx_head = (u->rx_head + 1) % RX_SIZE;
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
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
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
		if ((v & IER_THRI) && !(u->ier & IER_THRI)) {
			u->thr_pending = true;
		}
		u->ier = v & 0x0f;
		break;
	case FCR:
		u->fcr = v & (FCR_ENABLE | 0xc0);
		if (v & FCR_CLEAR_RX) {
			u->rx_count = 0;
			pthread_cond_signal(&u->room);
		}
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
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

static void *input_thread(void *arg)
{
	struct uart *u = arg;
	struct pollfd fds[2] = {
		{ .fd = u->in_fd, .events = POLLIN },
		{ .fd = u->stop_pipe[0], .events = POLLIN },
	};
	uint8_t buf[64];

	for (;;) {
		ssize_t n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		if (fds[1].revents) {
			break;
		}
		n = read(u->in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n <= 0) {
			break;	/* EOF: the guest simply gets no more input */
		}
		pthread_mutex_lock(&u->lock);
		for (ssize_t i = 0; i < n; i++) {
			/* Back-pressure: wait for the guest to drain the FIFO. */
			while (u->rx_count == RX_SIZE && !u->stop) {
				pthread_cond_wait(&u->room, &u->lock);
			}
			if (u->stop) {
				break;
			}
			rx_push(u, buf[i]);
			update_irq(u);
		}
		pthread_mutex_unlock(&u->lock);
	}
	return NULL;
}

struct uart *uart_create(uint64_t base, int in_fd, int out_fd,
			 void (*irq)(void *opaque, int level), void *opaque)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u) {
		return NULL;
	}
	u->base = base;
	u->in_fd = in_fd;
	u->out_fd = out_fd;
	u->irq = irq;
	u->opaque = opaque;
	u->stop_pipe[0] = u->stop_pipe[1] = -1;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->room, NULL);
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
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

int uart_start(struct uart *u)
{
	int ret;

	if (u->in_fd < 0) {
		return 0;
	}
	if (pipe2(u->stop_pipe, O_CLOEXEC) < 0) {
		return -errno;
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
	ret = pthread_create(&u->thread, NULL, input_thread, u);
	if (ret) {
		return -ret;
	}
	u->started = true;
	return 0;
}

void uart_destroy(struct uart *u)
{
	if (!u) {
		return;
	}
	if (u->started) {
		pthread_mutex_lock(&u->lock);
		u->stop = true;
		pthread_cond_broadcast(&u->room);
		pthread_mutex_unlock(&u->lock);
		while (write(u->stop_pipe[1], "x", 1) < 0 && errno == EINTR) {
		}
		pthread_join(u->thread, NULL);
	}
	if (u->tty) {
		tcsetattr(u->in_fd, TCSANOW, &u->saved);
	}
	for (int i = 0; i < 2; i++) {
		if (u->stop_pipe[i] >= 0) {
			close(u->stop_pipe[i]);
		}
	}
	pthread_cond_destroy(&u->room);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

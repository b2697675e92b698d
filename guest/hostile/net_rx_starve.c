// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_rx_starve: the guest gives the receive queue its eight buffers
 * once and then never takes a frame nor gives a buffer back, for
 * idle_ms= (default 2000) milliseconds, while test_hostile.py's peer
 * sends frames as fast as vigil takes them (it starts on the line
 * "net_rx_starve: idle for"). A device that keeps reading the socket
 * with nowhere to put the frames buffers them without bound, or drops
 * them at the host's full speed; one that keeps polling a backend it
 * cannot drain (a readable socket, a level-triggered wait, a retry timer)
 * spins a host CPU for as long as the guest likes.
 *
 * vigil: virtio_net_process_rx (devices/virtio_net.c) peeks one frame
 * from the backend and consumes it only once delivered; rx_one finding no
 * buffer returns -EAGAIN, the frame stays in the backend, the pass
 * returns 0, not VIRTQ_MORE (no retry) and the socket is watched
 * edge-triggered, so the
 * I/O thread sleeps until the guest notifies the receive queue. The
 * guest checks that at most its eight buffers were used;
 * test_hostile.py counts the I/O thread's wake-ups while the guest idles
 * (as for rng_stop_held), and checks that vigil's memory stays flat and
 * its control socket answers.
 */
#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

void hostile_net_rx_starve(void)
{
	uint64_t idle = param_u64("idle_ms", 2000);
	uint8_t *p = alloc(HOSTILE_QUEUE_SIZE * HOSTILE_NET_BUF, 64);
	struct virtio_net n;
	unsigned int i;
	uint16_t used;

	if (!check(p, "no memory") || !hostile_net_open(&n, 0))
		return;
	for (i = 0; i < HOSTILE_QUEUE_SIZE; i++) {
		struct virtq_buf seg = { p + i * HOSTILE_NET_BUF,
					 HOSTILE_NET_BUF };

		virtq_add(&n.rx, &seg, 0, 1, seg.addr);
	}
	virtq_publish(&n.rx);
	virtio_mmio_notify(&n.mmio, HOSTILE_NET_RX);
	note("net_rx_starve: idle for %lu ms", idle);
	udelay(idle * 1000);
	used = __atomic_load_n(&n.rx.used->idx, __ATOMIC_ACQUIRE);
	note("net_rx_starve: idle over, %u buffers used", used);
	check(used <= HOSTILE_QUEUE_SIZE, "%u buffers used of %u", used,
	      HOSTILE_QUEUE_SIZE);
	hostile_outcome("%s", hostile_net_recover(&n) ? "survived" : "broken");
}

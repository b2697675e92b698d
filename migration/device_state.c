// SPDX-License-Identifier: GPL-2.0-only
/*
 * Field tables of the device models: the UART and the virtio-mmio
 * transport and its queues. A kind of virtio device with state of its own
 * keeps its table in its own file (devices/virtio_kind.h).
 */
#include "migration/device_state.h"

#include <errno.h>
#include <libfdt.h>
#include <linux/serial_reg.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtq.h"

/* ---- 8250 UART ------------------------------------------------------- */

#define UART_U8(nm, m, chk) FIELD_U8(nm, struct serial_state, m, chk)

static const struct field serial_fields[] = {
	UART_U8("dll", dll, CHECK_ANY("any divisor: it has no effect")),
	UART_U8("dlm", dlm, CHECK_ANY("any divisor: it has no effect")),
	UART_U8("ier", ier, CHECK_MASK(0x0f)),
	UART_U8("fcr", fcr,
		CHECK_MASK(UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT |
			   UART_FCR_TRIGGER_MASK)),
	UART_U8("lcr", lcr, CHECK_ANY("line settings have no effect")),
	UART_U8("mcr", mcr, CHECK_MASK(0x1f)),
	UART_U8("lsr", lsr,
		CHECK_MASK(UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE |
			   UART_LSR_TEMT)),
	UART_U8("msr", msr, CHECK_ANY("checked against mcr as a whole")),
	UART_U8("scr", scr, CHECK_ANY("the scratch register")),
	FIELD_BOOL("thr-ipending", struct serial_state, thr_ipending),
	UART_U8("rx-count", rx_count, CHECK_RANGE(0, SERIAL_FIFO_SIZE)),
	FIELD_BYTES("rx-fifo", struct serial_state, rx_fifo,
		    CHECK_ANY("received bytes: any value")),
};

/* The device model's own rules: DR against rx-count, MSR against MCR... */
static bool serial_check(const void *st, const void *ctx, char *why, size_t len)
{
	const char *bad = serial_state_check(st);

	(void)ctx;
	if (bad)
		snprintf(why, len, "%s", bad);
	return !bad;
}

const struct field_table serial_snap_table =
	FIELD_TABLE("8250 UART", serial_fields, serial_check);

int serial_snap_save(void *fdt, const char *path, const struct serial_state *st,
		     char *err, size_t errlen)
{
	return fields_save_node(fdt, path, &serial_snap_table, st, NULL, err,
				errlen);
}

int serial_snap_load(const void *fdt, int node, const char *path,
		     struct serial_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	if (fdt_check_leaf(fdt, node, path, err, errlen) < 0)
		return -EINVAL;
	return fields_load(fdt, node, path, &serial_snap_table, st, NULL, err,
			   errlen);
}

/* ---- virtio-mmio transport and queues ----------------------------------- */

/*
 * Each field's own range is checked here; the rules across fields and
 * queues are the transport's own, virtio_mmio_state_check(), run on the
 * whole device once its queues are read.
 */
static const char *check_queue_num(const void *p, size_t len)
{
	uint64_t v;

	(void)len;
	memcpy(&v, p, sizeof(v));
	if (!v || (v & (v - 1)) || v > VIRTQ_MAX_SIZE)
		return "not a power of two in 1..1024";
	return NULL;
}

#define VQ(ty, nm, m, chk) ty(nm, struct virtio_mmio_queue_state, m, chk)

static const struct field virtq_fields[] = {
	VQ(FIELD_U16, "num", num, CHECK_FN(check_queue_num)),
	FIELD_BOOL("ready", struct virtio_mmio_queue_state, ready),
	VQ(FIELD_U64, "desc", desc,
	   CHECK_ANY("checked against RAM when the queue is ready")),
	VQ(FIELD_U64, "avail", avail,
	   CHECK_ANY("checked against RAM when the queue is ready")),
	VQ(FIELD_U64, "used", used,
	   CHECK_ANY("checked against RAM when the queue is ready")),
	VQ(FIELD_U16, "last-avail-idx", last_avail_idx,
	   CHECK_ANY("a free-running ring index")),
	VQ(FIELD_U16, "used-idx", used_idx,
	   CHECK_ANY("a free-running ring index")),
};

const struct field_table virtq_snap_table =
	FIELD_TABLE("virtqueue", virtq_fields, NULL);

#define VIRTIO_STATUS_BITS                                         \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |    \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK | \
	 VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)

#define VT(ty, nm, m, chk) ty(nm, struct virtio_mmio_state, m, chk)

static const struct field virtio_fields[] = {
	VT(FIELD_U32, "device-status", status, CHECK_MASK(VIRTIO_STATUS_BITS)),
	VT(FIELD_U32, "device-features-sel", device_features_sel,
	   CHECK_ANY("selects words of zeroes beyond the second")),
	VT(FIELD_U32, "driver-features-sel", driver_features_sel,
	   CHECK_ANY("words beyond the second are remembered as a flag")),
	VT(FIELD_U64, "driver-features", driver_features,
	   CHECK_ANY("checked against the status and the device's offer")),
	FIELD_BOOL("driver-features-beyond-64", struct virtio_mmio_state,
		   driver_features_beyond_64),
	VT(FIELD_U32, "queue-sel", queue_sel,
	   CHECK_ANY("QueueSel is checked at every use")),
	VT(FIELD_U32, "interrupt-status", interrupt_status,
	   CHECK_MASK(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)),
};

/* The device's own rules (ctx: its limits; the offer is checked later). */
static bool virtio_check(const void *st, const void *ctx, char *why, size_t len)
{
	return virtio_mmio_state_check(st, ctx, why, len);
}

const struct field_table virtio_snap_table =
	FIELD_TABLE("virtio-mmio transport", virtio_fields, virtio_check);

static struct virtio_mmio_limits snap_limits(unsigned int nr_queues,
					     uint16_t queue_num_max,
					     const struct snap_ctx *ctx)
{
	return (struct virtio_mmio_limits){
		.nr_queues = nr_queues,
		.queue_num_max = queue_num_max,
		.device_features = ~0ull, /* the device is not built yet */
		.ram = ctx->ram,
	};
}

int virtio_snap_save(void *fdt, const char *path,
		     const struct virtio_mmio_state *st, unsigned int nr_queues,
		     uint16_t queue_num_max, const struct snap_ctx *ctx,
		     char *err, size_t errlen)
{
	struct virtio_mmio_limits lim =
		snap_limits(nr_queues, queue_num_max, ctx);
	int r = fields_save(fdt, path, &virtio_snap_table, st, &lim, err,
			    errlen);

	for (unsigned int q = 0; r == 0 && q < nr_queues; q++) {
		char qpath[96];

		snprintf(qpath, sizeof(qpath), "%s/queue@%u", path, q);
		r = fields_save_node(fdt, qpath, &virtq_snap_table,
				     &st->queue[q], NULL, err, errlen);
	}
	return r;
}

static int load_queue(const void *fdt, int node, const char *path,
		      unsigned int q, struct virtio_mmio_queue_state *qs,
		      char *err, size_t errlen)
{
	char name[24], qpath[96];
	int sub;

	snprintf(name, sizeof(name), "queue@%u", q);
	sub = fdt_require_subnode(fdt, node, path, name, err, errlen);
	if (sub < 0)
		return sub;
	snprintf(qpath, sizeof(qpath), "%s/%s", path, name);
	if (fdt_check_leaf(fdt, sub, qpath, err, errlen) < 0)
		return -EINVAL;
	return fields_load(fdt, sub, qpath, &virtq_snap_table, qs, NULL, err,
			   errlen);
}

int virtio_snap_load(const void *fdt, int node, const char *path,
		     struct virtio_mmio_state *st, unsigned int nr_queues,
		     uint16_t queue_num_max, const char *kind_node,
		     const struct snap_ctx *ctx, char *err, size_t errlen)
{
	const char *const subs[] = { "queue@", kind_node };
	struct virtio_mmio_limits lim =
		snap_limits(nr_queues, queue_num_max, ctx);
	unsigned int want = nr_queues + (kind_node ? 1 : 0);
	unsigned int count = fdt_count_subnodes(fdt, node);
	int r;

	memset(st, 0, sizeof(*st));
	/* The count first: the name check is quadratic in it. */
	if (count != want) {
		snprintf(err, errlen,
			 "%s: %u subnodes, the device has %u queues%s", path,
			 count, nr_queues, kind_node ? " and its state" : "");
		return -EINVAL;
	}
	r = fdt_check_subnodes(fdt, node, path, subs, kind_node ? 2 : 1, err,
			       errlen);
	if (r < 0)
		return r;
	for (unsigned int q = 0; r == 0 && q < nr_queues; q++)
		r = load_queue(fdt, node, path, q, &st->queue[q], err, errlen);
	if (r == 0)
		r = fields_load(fdt, node, path, &virtio_snap_table, st, &lim,
				err, errlen);
	return r;
}

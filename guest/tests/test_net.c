// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-net driver against a device (virtio 1.2, 5.1), selected with
 * net=N (the N-th network device, found by device ID 1 wherever it sits):
 *
 * net_probe  initialisation (5.1.5, 3.1.1) with VERSION_1 and MAC, STATUS
 *            and MTU when offered, never MRG_RXBUF; both queues live,
 *            DRIVER_OK; a unicast MAC (== net_mac= when given), the link
 *            up when STATUS is offered (5.1.4), reset reads back 0.
 * net_dhcp   both directions with a real peer (QEMU's slirp, passt): a
 *            DHCPDISCOVER broadcast answered by a DHCPOFFER, then an ARP
 *            request from the offered address for the offered router,
 *            answered by its MAC, each sent again every second until
 *            answered (five times at most). Every used entry is checked by the
 *            driver (length within the buffer, at least header + Ethernet
 *            header, num_buffers 1, flags 0, no GSO; transmit length 0).
 *            net_ip=, net_gw=, net_gw_mac= state what the peer must offer.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "alloc.h"
#include "cmdline.h"
#include "io.h"
#include "net_frames.h"
#include "runner.h"
#include "select.h"
#include "string.h"
#include "tests.h"
#include "tsc.h"
#include "virtio_net.h"

#define TRIES 5
#define TRY_US 1000000
#define STATUS_KNOWN (VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE)

/* What await_frame() came to. */
enum await { FOUND, NOT_YET, BROKEN };

/* Whether a frame is the one awaited (filling in what it says). */
typedef bool frame_match_fn(const struct net_frame *f, void *ctx);

struct offer_wait {
	const uint8_t *mac;
	uint32_t xid;
	struct dhcp_offer offer;
};

struct arp_wait {
	const uint8_t *mac;
	uint32_t ip, target_ip;
	uint8_t target_mac[ETH_ALEN];
};

static bool net_open_selected(struct virtio_net *n)
{
	const struct mmio_device *d =
		select_device("net", VIRTIO_ID_NET, "virtio-net");
	const char *why = "";

	if (!d ||
	    !check_open(virtio_net_open(n, d, &why), d, "virtio-net", &why))
		return false;
	/* QEMU 7.2 writes num_buffers only with MRG_RXBUF: say so. */
	n->num_buffers_may_be_unwritten =
		param_is("net_num_buffers", "unwritten");
	return true;
}

/* @got equals the command line's @key, when it is given. */
static void check_param(const char *key, const char *got)
{
	const char *want = param_str(key);

	if (want)
		check(strcmp(want, got) == 0, "%s=%s, the device says %s", key,
		      want, got);
}

static void check_link(struct virtio_net *n)
{
	if (!virtio_net_has(n, VIRTIO_NET_F_STATUS)) {
		note("STATUS not offered: link state unknown");
		return;
	}
	check(!(n->status & ~STATUS_KNOWN),
	      "config status 0x%x: bits "
	      "beyond LINK_UP and ANNOUNCE",
	      n->status);
	check(n->status & VIRTIO_NET_S_LINK_UP,
	      "config status 0x%x: link "
	      "down",
	      n->status);
}

void test_net_probe(void)
{
	struct virtio_net n;
	char mac[18];
	uint8_t status;

	if (!net_open_selected(&n))
		return;
	mac_format(mac, n.mac);
	note("virtio-net at 0x%lx: features offered 0x%lx, negotiated 0x%lx, "
	     "queues %u and %u, mtu %u%s",
	     n.mmio.base, n.mmio.device_features, n.mmio.features, n.rx.size,
	     n.tx.size, n.mtu,
	     virtio_net_has(&n, VIRTIO_NET_F_MTU) ? "" : " (default)");
	note("net_probe: mac %s, status 0x%x", mac, n.status);
	status = virtio_mmio_status(&n.mmio);
	check((status & 0x0f) == 0x0f && !(status & 0xc0),
	      "status 0x%x after DRIVER_OK", status);
	check(!virtio_net_has(&n, VIRTIO_NET_F_MRG_RXBUF),
	      "MRG_RXBUF negotiated, never asked for");
	check_param("net_mac", mac);
	check_link(&n);
	virtio_net_close(&n);
	status = virtio_mmio_status(&n.mmio);
	check(status == 0, "status 0x%x after reset", status);
}

static bool send_frame(struct virtio_net *n, const void *frame, uint32_t len,
		       const char *what)
{
	const char *why = "";
	bool ok = virtio_net_send(n, frame, len, &why);

	return check(ok, "%s: %s", what, why);
}

/* Receives for TRY_US until @match takes a frame; the others are given
 * back and counted in *others. */
static enum await await_frame(struct virtio_net *n, frame_match_fn *match,
			      void *ctx, const char *what, unsigned int *others)
{
	uint64_t end = rdtsc() + ns_to_tsc(TRY_US * 1000ull);
	struct net_frame f;
	const char *why = "";
	enum net_rx got;
	bool found = false;

	while (!found && (int64_t)(rdtsc() - end) < 0) {
		got = virtio_net_receive(n, &f, TRY_US, &why);
		if (got == NET_RX_NONE)
			return NOT_YET;
		if (got == NET_RX_BAD) {
			check(false, "%s: %s", what, why);
			return BROKEN;
		}
		found = match(&f, ctx);
		virtio_net_recycle(n, &f);
		*others += !found;
	}
	return found ? FOUND : NOT_YET;
}

/* Sends @frame until the reply @match takes comes, once a TRY_US: the
 * peer may not listen yet (QEMU's stream netdev connects to passt after
 * the guest starts), as RFC 2131 (4.1) lets a DHCP client retransmit. */
static bool exchange(struct virtio_net *n, const void *frame, uint32_t len,
		     frame_match_fn *match, void *ctx, const char *what)
{
	enum await r = NOT_YET;
	unsigned int tries = 0, others = 0;

	while (r == NOT_YET && tries++ < TRIES) {
		if (!send_frame(n, frame, len, what))
			return false;
		r = await_frame(n, match, ctx, what, &others);
	}
	if (others)
		note("%s: %u other frames passed over", what, others);
	if (tries > 1)
		note("%s: sent %u times", what, tries);
	if (r == NOT_YET)
		check(false, "%s: no reply in %u tries", what, TRIES);
	return r == FOUND;
}

static bool match_offer(const struct net_frame *f, void *ctx)
{
	struct offer_wait *w = ctx;

	return dhcp_parse_offer(f->data, f->len, w->mac, w->xid, &w->offer);
}

static bool match_arp_reply(const struct net_frame *f, void *ctx)
{
	struct arp_wait *w = ctx;

	return arp_parse_reply(f->data, f->len, w->mac, w->ip, w->target_ip,
			       w->target_mac);
}

static void note_offer(const struct dhcp_offer *o)
{
	char ip[16], server[16], router[16], mask[16];

	ipv4_format(ip, o->yiaddr);
	ipv4_format(server, o->server);
	ipv4_format(router, o->router);
	ipv4_format(mask, o->mask);
	note("net_dhcp: offer %s from server %s, router %s, mask %s", ip,
	     server, router, mask);
	check_param("net_ip", ip);
	check_param("net_gw", router);
}

static bool dhcp_discover(struct virtio_net *n, struct dhcp_offer *o)
{
	uint8_t *frame = alloc(DHCP_FRAME_LEN, 16);
	struct offer_wait w = { .mac = n->mac, .xid = (uint32_t)rdtsc() };

	if (!check(frame, "no memory"))
		return false;
	dhcp_build_discover(frame, n->mac, w.xid);
	if (!exchange(n, frame, DHCP_FRAME_LEN, match_offer, &w, "DHCP"))
		return false;
	*o = w.offer;
	note_offer(o);
	return check(o->yiaddr && o->router,
		     "the offer lacks an address or a router");
}

static void arp_router(struct virtio_net *n, const struct dhcp_offer *o)
{
	uint8_t *frame = alloc(ARP_FRAME_LEN, 16);
	struct arp_wait w = { n->mac, o->yiaddr, o->router, { 0 } };
	char router[16], mac[18];

	if (!check(frame, "no memory"))
		return;
	arp_build_request(frame, n->mac, o->yiaddr, o->router);
	if (!exchange(n, frame, ARP_FRAME_LEN, match_arp_reply, &w, "ARP"))
		return;
	ipv4_format(router, o->router);
	mac_format(mac, w.target_mac);
	note("net_dhcp: router %s is at %s", router, mac);
	check(!(w.target_mac[0] & 1), "the router's MAC is a group address");
	check_param("net_gw_mac", mac);
}

void test_net_dhcp(void)
{
	struct virtio_net n;
	struct dhcp_offer o;

	if (!net_open_selected(&n))
		return;
	if (dhcp_discover(&n, &o))
		arp_router(&n, &o);
	check(!n.rx.broken && !n.tx.broken,
	      "the device returned a bad used entry");
	virtio_net_close(&n);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frames net_dhcp sends and reads: a DHCPDISCOVER (RFC 2131, 2132)
 * broadcast in UDP over IPv4, its DHCPOFFER, and an ARP request and reply
 * (RFC 826) on Ethernet. Received frames come from the peer: every field
 * is read only after the frame's length is checked to hold it.
 */
#ifndef GUEST_TESTS_NET_FRAMES_H
#define GUEST_TESTS_NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDR_LEN 6
#define DHCP_FRAME_LEN 590 /* 14 + 20 + 8 + the 548-byte BOOTP minimum */
#define ARP_FRAME_LEN 60   /* 14 + 28, padded to Ethernet's minimum */

struct dhcp_offer {
	uint32_t yiaddr; /* the address offered (host order) */
	uint32_t server; /* option 54, 0 if absent */
	uint32_t router; /* option 3 (its first address), 0 if absent */
	uint32_t mask;	 /* option 1, 0 if absent */
};

/* "a.b.c.d" of @ip (host order) into @out, 16 bytes. */
void ipv4_format(char out[16], uint32_t ip);
/* "xx:xx:xx:xx:xx:xx" of @mac into @out, 18 bytes. */
void mac_format(char out[18], const uint8_t *mac);

/* DHCP_FRAME_LEN bytes: a DHCPDISCOVER from @mac with transaction @xid. */
void dhcp_build_discover(uint8_t *frame, const uint8_t *mac, uint32_t xid);
/* Whether @frame is a DHCPOFFER for @mac and @xid; fills @o if so. */
bool dhcp_parse_offer(const uint8_t *frame, uint32_t len, const uint8_t *mac,
		      uint32_t xid, struct dhcp_offer *o);

/* ARP_FRAME_LEN bytes: who has @target_ip, tell @ip at @mac. */
void arp_build_request(uint8_t *frame, const uint8_t *mac, uint32_t ip,
		       uint32_t target_ip);
/* Whether @frame is the ARP reply to that request; @target_mac gets the
 * address it gives. */
bool arp_parse_reply(const uint8_t *frame, uint32_t len, const uint8_t *mac,
		     uint32_t ip, uint32_t target_ip, uint8_t *target_mac);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every hostile scenario, by class, for tests=hostile_NAME (the runner
 * looks names up here after tests/list.c). None runs by default: each
 * class needs its own drive and vCPU set-up, which test_hostile.py gives.
 * docs/secure-coding.md links each to the practice it tests.
 */
#include "table.h"
#include "runner.h"
#include "scenarios.h"

const struct test hostile_table[] = {
	{ "hostile_index_queue_sel", hostile_index_queue_sel, 10, false },
	{ "hostile_index_queue_notify", hostile_index_queue_notify, 10, false },
	{ "hostile_index_feature_sel", hostile_index_feature_sel, 10, false },
	{ "hostile_size_queue_num", hostile_size_queue_num, 10, false },
	{ "hostile_size_uart_divisor", hostile_size_uart_divisor, 10, false },
	{ "hostile_shape_reg_width", hostile_shape_reg_width, 10, false },
	{ "hostile_shape_config_end", hostile_shape_config_end, 10, false },
	{ "hostile_shape_uart_width", hostile_shape_uart_width, 10, false },
	{ "hostile_order_queue_after_ok", hostile_order_queue_after_ok, 10,
	  false },
	{ "hostile_order_notify_early", hostile_order_notify_early, 10, false },
	{ "hostile_order_no_features_ok", hostile_order_no_features_ok, 10,
	  false },
	{ "hostile_order_unoffered", hostile_order_unoffered, 10, false },
	{ "hostile_order_status_clear", hostile_order_status_clear, 10, false },
	{ "hostile_inflight_reset", hostile_inflight_reset, 10, false },
	{ "hostile_inflight_reprogram", hostile_inflight_reprogram, 10, false },
	{ "hostile_inflight_queue_off", hostile_inflight_queue_off, 10, false },
	{ "hostile_inflight_status", hostile_inflight_status, 10, false },
	{ "hostile_desc_loop", hostile_desc_loop, 15, false },
	{ "hostile_desc_loop_self", hostile_desc_loop_self, 15, false },
	{ "hostile_desc_loop_indirect", hostile_desc_loop_indirect, 15, false },
	{ "hostile_desc_too_long", hostile_desc_too_long, 15, false },
	{ "hostile_desc_next_oob", hostile_desc_next_oob, 15, false },
	{ "hostile_desc_zero_len", hostile_desc_zero_len, 15, false },
	{ "hostile_desc_past_ram", hostile_desc_past_ram, 15, false },
	{ "hostile_desc_mmio_hole", hostile_desc_mmio_hole, 15, false },
	{ "hostile_desc_wrap", hostile_desc_wrap, 15, false },
	{ "hostile_desc_len_max", hostile_desc_len_max, 15, false },
	{ "hostile_desc_ind_misaligned", hostile_desc_ind_misaligned, 15,
	  false },
	{ "hostile_desc_ind_nested", hostile_desc_ind_nested, 15, false },
	{ "hostile_desc_ind_oversized", hostile_desc_ind_oversized, 15, false },
	{ "hostile_desc_ind_unnegotiated", hostile_desc_ind_unnegotiated, 15,
	  false },
	{ "hostile_desc_own_window", hostile_desc_own_window, 15, false },
	{ "hostile_ring_avail_jump", hostile_ring_avail_jump, 10, false },
	{ "hostile_ring_head_oob", hostile_ring_head_oob, 10, false },
	{ "hostile_ring_used_on_device", hostile_ring_used_on_device, 10,
	  false },
	{ "hostile_blk_sector_max", hostile_blk_sector_max, 10, false },
	{ "hostile_blk_sector_overflow", hostile_blk_sector_overflow, 10,
	  false },
	{ "hostile_blk_past_capacity", hostile_blk_past_capacity, 10, false },
	{ "hostile_blk_len_not_512", hostile_blk_len_not_512, 10, false },
	{ "hostile_blk_status_only", hostile_blk_status_only, 10, false },
	{ "hostile_blk_status_ro", hostile_blk_status_ro, 10, false },
	{ "hostile_blk_unknown_type", hostile_blk_unknown_type, 10, false },
	{ "hostile_blk_short_header", hostile_blk_short_header, 10, false },
	{ "hostile_toctou_desc", hostile_toctou_desc, 15, false },
	{ "hostile_toctou_header", hostile_toctou_header, 15, false },
	{ "hostile_resource_notify", hostile_resource_notify, 15, false },
	{ "hostile_resource_mmio", hostile_resource_mmio, 15, false },
	{ "hostile_resource_uart", hostile_resource_uart, 15, false },
	{ "hostile_rng_desc_loop", hostile_rng_desc_loop, 15, false },
	{ "hostile_rng_desc_too_long", hostile_rng_desc_too_long, 15, false },
	{ "hostile_rng_read_only", hostile_rng_read_only, 15, false },
	{ "hostile_rng_zero_len", hostile_rng_zero_len, 15, false },
	{ "hostile_rng_flood", hostile_rng_flood, 30, false },
	{ "hostile_rng_stop_held", hostile_rng_stop_held, 30, false },
};

const unsigned int hostile_table_size =
	sizeof(hostile_table) / sizeof(hostile_table[0]);

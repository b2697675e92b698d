/* SPDX-License-Identifier: GPL-2.0-only */
/* The hostile scenarios; table.c puts them in the table the runner reads. */
#ifndef GUEST_HOSTILE_SCENARIOS_H
#define GUEST_HOSTILE_SCENARIOS_H

void hostile_index_queue_sel(void);
void hostile_index_queue_notify(void);
void hostile_index_feature_sel(void);
void hostile_size_queue_num(void);
void hostile_size_uart_divisor(void);
void hostile_shape_reg_width(void);
void hostile_shape_config_end(void);
void hostile_shape_uart_width(void);
void hostile_order_queue_after_ok(void);
void hostile_order_notify_early(void);
void hostile_order_no_features_ok(void);
void hostile_order_unoffered(void);
void hostile_order_status_clear(void);
void hostile_inflight_reset(void);
void hostile_inflight_reprogram(void);
void hostile_inflight_queue_off(void);
void hostile_inflight_status(void);
void hostile_desc_loop(void);
void hostile_desc_loop_self(void);
void hostile_desc_loop_indirect(void);
void hostile_desc_too_long(void);
void hostile_desc_next_oob(void);
void hostile_desc_zero_len(void);
void hostile_desc_past_ram(void);
void hostile_desc_mmio_hole(void);
void hostile_desc_wrap(void);
void hostile_desc_len_max(void);
void hostile_desc_ind_misaligned(void);
void hostile_desc_ind_nested(void);
void hostile_desc_ind_oversized(void);
void hostile_desc_ind_unnegotiated(void);
void hostile_desc_own_window(void);
void hostile_ring_avail_jump(void);
void hostile_ring_head_oob(void);
void hostile_ring_used_on_device(void);
void hostile_blk_sector_max(void);
void hostile_blk_sector_overflow(void);
void hostile_blk_past_capacity(void);
void hostile_blk_len_not_512(void);
void hostile_blk_status_only(void);
void hostile_blk_status_ro(void);
void hostile_blk_unknown_type(void);
void hostile_blk_short_header(void);
void hostile_toctou_desc(void);
void hostile_toctou_header(void);
void hostile_resource_notify(void);
void hostile_resource_mmio(void);
void hostile_resource_uart(void);

#endif

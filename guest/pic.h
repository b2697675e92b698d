/* SPDX-License-Identifier: GPL-2.0-only */
/* The legacy 8259A pair, which the guest only ever masks. */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

void pic_mask_all(void);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil's threads (the I/O thread, one per vCPU) start with a bounded
 * stack. glibc's default is 8 MiB, and on a host with transparent huge
 * pages always on (Debian's default) a stack mapping that happens to hold
 * an aligned 2 MiB range gets a huge page at the first touch of its top:
 * 2 MiB resident for a thread that uses tens of KiB.
 */
#ifndef VIGIL_THREAD_H
#define VIGIL_THREAD_H

#include <pthread.h>

/*
 * Below 2 MiB, so no stack can hold a huge page; the build refuses a frame
 * over 8 KiB (-Wframe-larger-than) and nothing recurses, so this leaves
 * room for the sanitizers too.
 */
#define THREAD_STACK_SIZE (1u << 20)

/* pthread_create() with a THREAD_STACK_SIZE stack: 0 or -errno. */
int thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif

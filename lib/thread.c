// SPDX-License-Identifier: GPL-2.0-only
#include "lib/thread.h"

int thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int r = pthread_attr_init(&attr);

	if (r != 0)
		return -r;
	r = pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE);
	if (r == 0)
		r = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -r;
}

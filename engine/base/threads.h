/*
 * threads.h — how many threads a parallel step may use: one per online
 * core, or ROADSAFE_THREADS when set to a positive number (1 keeps
 * everything on the calling thread), capped at max.
 */
#ifndef RS_THREADS_H
#define RS_THREADS_H

int rs_thread_count(int max);

#endif

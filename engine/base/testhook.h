/*
 * testhook.h — named pause points for the test suite.
 *
 * ROADSAFE_TEST_PAUSE=NAME:FIFO makes the process, on reaching the point
 * NAME, print "roadsafe: paused at NAME" on standard error and block until
 * a byte is written to FIFO (a named pipe the test made).  Tests use it to put a second
 * command exactly between two steps of the first, by events, never by
 * sleeping.  Unset (always, outside the tests), a point costs one getenv.
 */
#ifndef RS_TESTHOOK_H
#define RS_TESTHOOK_H

void rs_test_pause(const char *name);

#endif
